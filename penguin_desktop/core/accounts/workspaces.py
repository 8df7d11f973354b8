"""Client workspaces: create, list what the actor may see, rename, archive."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.errors import ConflictError
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.names import display_name, name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import MembershipRow, WorkspaceRow, utcnow

MAX_NAME = 64


def clean_workspace_name(raw: str) -> str:
    return display_name(raw, "a workspace name", MAX_NAME, field="workspace")


def _info(row: WorkspaceRow, role: Role) -> WorkspaceInfo:
    return WorkspaceInfo(row.id, row.name, row.created_at, row.archived_at is not None, role)


class WorkspaceService(Service):
    def create(self, actor: Actor, raw_name: str) -> WorkspaceInfo:
        name = clean_workspace_name(raw_name)
        with self._writing(actor) as session:
            self._require_org(actor, Permission.WORKSPACE_CREATE, f"workspace:{name}")
            self._ensure_free(session, name)
            row = WorkspaceRow(name=name, name_key=name_key(name))
            session.add(row)
            session.flush()
            session.add(MembershipRow(workspace_id=row.id, user_id=actor.user_id, role="owner"))
            self._audit(session, actor, "workspace.create", f"workspace:{name}", row, name=name)
            return _info(row, Role.OWNER)

    def all(self, actor: Actor, include_archived: bool = False) -> list[WorkspaceInfo]:
        """Only the workspaces the actor belongs to (all of them for the organization owner)."""
        with self.db.read() as session:
            rows = list(self._visible_workspaces(session, actor, None).values())
        infos = [_info(ws, role) for ws, role in rows if include_archived or ws.archived_at is None]
        return sorted(infos, key=lambda w: w.name.casefold())

    def get(self, actor: Actor, name: str) -> WorkspaceInfo:
        with self._reading(actor) as session:
            ws, role = self._workspace(session, actor, name, Permission.WORKSPACE_READ)
            return _info(ws, role)

    def rename(self, actor: Actor, old: str, raw_new: str) -> WorkspaceInfo:
        new = clean_workspace_name(raw_new)
        with self._writing(actor) as session:
            ws, role = self._workspace(
                session, actor, old, Permission.WORKSPACE_RENAME, writable=True
            )
            if name_key(new) != ws.name_key:
                self._ensure_free(session, new)
            before = ws.name
            ws.name, ws.name_key = new, name_key(new)
            self._audit(
                session, actor, "workspace.rename", f"workspace:{new}", ws, before=before, after=new
            )
            return _info(ws, role)

    def archive(self, actor: Actor, name: str) -> WorkspaceInfo:
        with self._writing(actor) as session:
            ws, role = self._workspace(
                session, actor, name, Permission.WORKSPACE_ARCHIVE, writable=True
            )
            ws.archived_at = utcnow()
            self._audit(session, actor, "workspace.archive", f"workspace:{ws.name}", ws)
            return _info(ws, role)

    @staticmethod
    def _ensure_free(session: Session, name: str) -> None:
        taken = session.execute(
            select(WorkspaceRow.name).where(WorkspaceRow.name_key == name_key(name))
        ).scalar_one_or_none()
        if taken is not None:
            raise ConflictError(f"a workspace named {taken!r} already exists")
