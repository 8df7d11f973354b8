"""Accounts: the organization, users and their logins, workspaces and memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .auth import AuthService
    from .members import MemberService
    from .models import LoginActivity, MemberInfo, Organization, UserInfo, WorkspaceInfo
    from .users import UserService
    from .workspaces import WorkspaceService

__all__ = [
    "AuthService",
    "LoginActivity",
    "MemberInfo",
    "MemberService",
    "Organization",
    "UserInfo",
    "UserService",
    "WorkspaceInfo",
    "WorkspaceService",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "AuthService": ".auth",
        "UserService": ".users",
        "WorkspaceService": ".workspaces",
        "MemberService": ".members",
        "Organization": ".models",
        "UserInfo": ".models",
        "WorkspaceInfo": ".models",
        "MemberInfo": ".models",
        "LoginActivity": ".models",
    },
)
