"""Builds the settings, database and services once; the CLI and the GUI both start here."""

from __future__ import annotations

from functools import cached_property

from penguin_desktop.config import Settings
from penguin_desktop.core.services.audit import AuditService
from penguin_desktop.core.services.auth import AuthService
from penguin_desktop.core.services.members import MemberService
from penguin_desktop.core.services.users import UserService
from penguin_desktop.core.services.workspaces import WorkspaceService
from penguin_desktop.core.store.database import Database, open_database


class Container:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def db(self) -> Database:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return open_database(self.settings.db_url)

    @cached_property
    def auth(self) -> AuthService:
        return AuthService(self.db)

    @cached_property
    def users(self) -> UserService:
        return UserService(self.db)

    @cached_property
    def workspaces(self) -> WorkspaceService:
        return WorkspaceService(self.db)

    @cached_property
    def members(self) -> MemberService:
        return MemberService(self.db)

    @cached_property
    def audit(self) -> AuditService:
        return AuditService(self.db)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.close()
