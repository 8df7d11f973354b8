"""Accounts as the faces see them: organization, users, workspaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from penguin_desktop.core.platform.models import Face, Role


@dataclass(frozen=True)
class Organization:
    name: str
    created_at: datetime


@dataclass(frozen=True)
class UserInfo:
    email: str
    org_role: Role
    created_at: datetime
    locked_until: datetime | None
    idle_timeout_minutes: int


@dataclass(frozen=True)
class WorkspaceInfo:
    id: int
    name: str
    created_at: datetime
    archived: bool
    my_role: Role


@dataclass(frozen=True)
class MemberInfo:
    email: str
    role: Role
    added_at: datetime


@dataclass(frozen=True)
class LoginActivity:
    at: datetime
    email: str
    face: Face
    success: bool
    reason: str
