"""What every service shares: transactions that audit denials, and role checks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord
from penguin_desktop.core.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    UnknownToYou,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Outcome, Role
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import MATRIX, Permission, Scope, allows
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import MembershipRow, UserRow, WorkspaceRow


class _InWorkspace(Protocol):
    """A table whose rows belong to one workspace."""

    workspace_id: Any


R = TypeVar("R", bound=_InWorkspace)


class Service:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def _writing(self, actor: Actor) -> Iterator[Session]:
        """A write transaction; a denial rolls it back and is then audited on its own."""
        try:
            with self.db.write() as session:
                yield session
        except (PermissionDenied, UnknownToYou) as denied:
            self._audit_denied(actor, denied)
            raise

    @contextmanager
    def _reading(self, actor: Actor) -> Iterator[Session]:
        try:
            with self.db.read() as session:
                yield session
        except (PermissionDenied, UnknownToYou) as denied:
            self._audit_denied(actor, denied)
            raise

    def _audit_denied(self, actor: Actor, denied: PermissionDenied | UnknownToYou) -> None:
        with self.db.write() as session:
            name = ""
            if denied.workspace_id is not None:
                ws = session.get(WorkspaceRow, denied.workspace_id)
                name = ws.name if ws else ""
            trail.append(
                session,
                [
                    AuditRecord(
                        actor=actor.email,
                        face=actor.face.value,
                        action=denied.action,
                        target=denied.target,
                        workspace_id=denied.workspace_id,
                        workspace=name,
                        outcome=Outcome.DENIED,
                        summary={"reason": denied.message},
                    )
                ],
            )

    @staticmethod
    def _audit(
        session: Session,
        actor: Actor,
        action: str,
        target: str,
        workspace: WorkspaceRow | None = None,
        **summary: Any,
    ) -> None:
        trail.append(
            session,
            [
                AuditRecord(
                    actor=actor.email,
                    face=actor.face.value,
                    action=action,
                    target=target,
                    workspace_id=workspace.id if workspace else None,
                    workspace=workspace.name if workspace else "",
                    summary=summary,
                )
            ],
        )

    @staticmethod
    def _require_org(actor: Actor, permission: Permission, target: str) -> None:
        assert MATRIX[permission].scope is Scope.ORGANIZATION
        if not allows(actor.org_role, permission):
            raise PermissionDenied(
                f"permission denied: your organization role ({actor.org_role}) may not "
                f"{MATRIX[permission].description.lower()}",
                action=permission.value,
                target=target,
            )

    @staticmethod
    def role_in(session: Session, actor: Actor, workspace_id: int) -> Role | None:
        """The actor's role in a workspace; the organization owner owns every workspace."""
        if actor.org_role is Role.OWNER:
            return Role.OWNER
        role = session.execute(
            select(MembershipRow.role).where(
                MembershipRow.workspace_id == workspace_id, MembershipRow.user_id == actor.user_id
            )
        ).scalar_one_or_none()
        return Role(role) if role else None

    def _workspace(
        self,
        session: Session,
        actor: Actor,
        name: str,
        permission: Permission,
        *,
        writable: bool = False,
    ) -> tuple[WorkspaceRow, Role]:
        """Look a workspace up by name and check the actor may do `permission` in it."""
        ws = session.execute(
            select(WorkspaceRow).where(WorkspaceRow.name_key == name_key(name))
        ).scalar_one_or_none()
        unknown = f"no workspace named {name.strip()!r} among yours"
        if ws is None:
            raise NotFoundError(unknown, field="workspace")
        role = self.role_in(session, actor, ws.id)
        if role is None:
            raise UnknownToYou(
                unknown,
                action=permission.value,
                target=f"workspace:{ws.name}",
                workspace_id=ws.id,
            )
        if not allows(role, permission):
            raise PermissionDenied(
                f"permission denied: your role in {ws.name!r} ({role}) may not "
                f"{MATRIX[permission].description.lower()}",
                action=permission.value,
                target=f"workspace:{ws.name}",
                workspace_id=ws.id,
            )
        if writable and ws.archived_at is not None:
            raise ValidationError(f"workspace {ws.name!r} is archived; it can no longer change")
        return ws, role

    @staticmethod
    def _visible_workspaces(
        session: Session, actor: Actor, permission: Permission | None
    ) -> dict[int, tuple[WorkspaceRow, Role]]:
        """Workspaces the actor belongs to (every one for the organization owner) where their
        role allows `permission` (None: any role), with that role."""
        if actor.org_role is Role.OWNER:
            return {w.id: (w, Role.OWNER) for w in session.execute(select(WorkspaceRow)).scalars()}
        rows = session.execute(
            select(WorkspaceRow, MembershipRow.role)
            .join(MembershipRow, MembershipRow.workspace_id == WorkspaceRow.id)
            .where(MembershipRow.user_id == actor.user_id)
        ).all()
        return {
            w.id: (w, Role(role))
            for w, role in rows
            if permission is None or allows(Role(role), permission)
        }

    def _workspaces_in_scope(
        self, session: Session, actor: Actor, workspace: str | None, permission: Permission
    ) -> dict[int, WorkspaceRow]:
        """The named workspace (checked, a refusal audited) or, with no name, every workspace
        where the actor's role allows `permission`: what list commands take a workspace for."""
        if workspace:
            ws, _ = self._workspace(session, actor, workspace, permission)
            return {ws.id: ws}
        return self._rows_visible(session, actor, permission)

    def _rows_visible(
        self, session: Session, actor: Actor, permission: Permission | None
    ) -> dict[int, WorkspaceRow]:
        return {
            i: ws for i, (ws, _) in self._visible_workspaces(session, actor, permission).items()
        }

    def _named_row(
        self,
        session: Session,
        actor: Actor,
        model: type[R],
        key: str,
        value: str,
        workspace: str | None,
        permission: Permission,
        what: str,
        writable: bool = False,
    ) -> tuple[WorkspaceRow, R]:
        """The row of `model` whose `key` column is `value` (a domain, a server, a mailbox) in
        the named workspace, or, with none named, in the one workspace the actor sees that has
        it; `what` names it in the errors ("sending domain 'x.test'")."""
        column: Any = getattr(model, key)
        in_workspace = model.workspace_id
        if workspace is None:
            spaces = self._rows_visible(session, actor, None)
            found = (
                session.execute(
                    select(in_workspace).where(column == value, in_workspace.in_(sorted(spaces)))
                )
                .scalars()
                .all()
            )
            if not found:
                raise NotFoundError(f"no {what} in your workspaces")
            if len(found) > 1:
                where = ", ".join(sorted(spaces[i].name for i in found))
                raise ValidationError(
                    f"{what} is in several workspaces ({where}): say which workspace",
                    field="workspace",
                )
            workspace = spaces[found[0]].name
        ws, _ = self._workspace(session, actor, workspace, permission, writable=writable)
        row: R | None = session.execute(
            select(model).where(in_workspace == ws.id, column == value)
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no {what} in {ws.name!r}")
        return ws, row

    @staticmethod
    def _ensure_unused(
        session: Session, model: type[R], key: str, value: str, workspace_id: int, taken: str
    ) -> None:
        """Refuse a second row of `model` whose `key` is `value` in the workspace: `taken`
        says so in words."""
        column: Any = getattr(model, key)
        found = session.execute(
            select(column).where(model.workspace_id == workspace_id, column == value)
        ).first()
        if found is not None:
            raise ConflictError(taken)

    @staticmethod
    def _user_by_email(session: Session, email: str) -> UserRow:
        if not email.strip():
            raise ValidationError("an email address is required", field="email")
        user = session.execute(
            select(UserRow).where(func.lower(UserRow.email) == email.strip().lower())
        ).scalar_one_or_none()
        if user is None:
            raise NotFoundError(f"no user with email {email.strip()!r}")
        return user
