"""Who acts and how: roles, faces, outcomes and the acting user."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    """Roles, from most to least powerful. Used per workspace and once for the organization."""

    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        """Higher is more powerful; lets role changes be checked as 'not above your own'."""
        return len(ROLE_ORDER) - ROLE_ORDER.index(self)


ROLE_ORDER: tuple[Role, ...] = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.VIEWER)


class Face(enum.StrEnum):
    """Which front end acted: recorded in login activity and the audit trail."""

    CLI = "cli"
    GUI = "gui"
    SYSTEM = "system"


class Outcome(enum.StrEnum):
    OK = "ok"
    DENIED = "denied"


@dataclass(frozen=True)
class Actor:
    """An authenticated user acting through one face; every service call takes one."""

    user_id: int
    email: str
    org_role: Role
    face: Face
    idle_timeout_minutes: int = 30
