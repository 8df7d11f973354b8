"""Who belongs to a workspace and with which role.

An actor may hand out only roles below their own (owners: any), and may change or remove only
members ranked below them; a workspace always keeps one owner.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.accounts.models import MemberInfo
from penguin_desktop.core.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.permissions import Permission, may_assign
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import MembershipRow, UserRow, WorkspaceRow


class MemberService(Service):
    def all(self, actor: Actor, workspace: str) -> list[MemberInfo]:
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.MEMBER_READ)
            rows = session.execute(
                select(UserRow.email, MembershipRow.role, MembershipRow.created_at)
                .join(UserRow, UserRow.id == MembershipRow.user_id)
                .where(MembershipRow.workspace_id == ws.id)
            ).all()
        members = [MemberInfo(email, Role(role), at) for email, role, at in rows]
        return sorted(members, key=lambda m: (-m.role.rank, m.email))

    def add(self, actor: Actor, workspace: str, email: str, role: Role) -> MemberInfo:
        with self._writing(actor) as session:
            ws, my_role = self._workspace(
                session, actor, workspace, Permission.MEMBER_MANAGE, writable=True
            )
            self._check_assign(my_role, role, ws, email)
            user = self._user_by_email(session, email)
            if session.get(MembershipRow, (ws.id, user.id)) is not None:
                raise ConflictError(f"{user.email} is already a member of {ws.name!r}")
            row = MembershipRow(workspace_id=ws.id, user_id=user.id, role=role.value)
            session.add(row)
            session.flush()
            self._audit(session, actor, "member.add", f"user:{user.email}", ws, role=role.value)
            return MemberInfo(user.email, role, row.created_at)

    def set_role(self, actor: Actor, workspace: str, email: str, role: Role) -> MemberInfo:
        with self._writing(actor) as session:
            ws, my_role = self._workspace(
                session, actor, workspace, Permission.MEMBER_MANAGE, writable=True
            )
            user, row = self._membership(session, ws, email)
            current = Role(row.role)
            self._check_change(my_role, current, ws, user.email)
            self._check_assign(my_role, role, ws, user.email)
            if current is Role.OWNER and role is not Role.OWNER:
                self._keep_an_owner(session, ws)
            row.role = role.value
            self._audit(
                session,
                actor,
                "member.set-role",
                f"user:{user.email}",
                ws,
                before=current.value,
                after=role.value,
            )
            return MemberInfo(user.email, role, row.created_at)

    def remove(self, actor: Actor, workspace: str, email: str) -> None:
        with self._writing(actor) as session:
            ws, my_role = self._workspace(
                session, actor, workspace, Permission.MEMBER_MANAGE, writable=True
            )
            user, row = self._membership(session, ws, email)
            current = Role(row.role)
            if user.id != actor.user_id:
                self._check_change(my_role, current, ws, user.email)
            if current is Role.OWNER:
                self._keep_an_owner(session, ws)
            session.delete(row)
            self._audit(
                session, actor, "member.remove", f"user:{user.email}", ws, role=current.value
            )

    @staticmethod
    def _membership(
        session: Session, ws: WorkspaceRow, email: str
    ) -> tuple[UserRow, MembershipRow]:
        user = Service._user_by_email(session, email)
        row = session.get(MembershipRow, (ws.id, user.id))
        if row is None:
            raise NotFoundError(f"{user.email} is not a member of {ws.name!r}")
        return user, row

    @staticmethod
    def _check_assign(my_role: Role, role: Role, ws: WorkspaceRow, email: str) -> None:
        if not may_assign(my_role, role):
            raise PermissionDenied(
                f"permission denied: as {my_role} of {ws.name!r} you may only give roles below "
                f"your own, not {role}",
                action=Permission.MEMBER_MANAGE.value,
                target=f"user:{email.strip().lower()}",
                workspace_id=ws.id,
            )

    @staticmethod
    def _check_change(my_role: Role, current: Role, ws: WorkspaceRow, email: str) -> None:
        if my_role is not Role.OWNER and current.rank >= my_role.rank:
            raise PermissionDenied(
                f"permission denied: {email} is {current} of {ws.name!r}; as {my_role} you may "
                "only change members ranked below you",
                action=Permission.MEMBER_MANAGE.value,
                target=f"user:{email}",
                workspace_id=ws.id,
            )

    @staticmethod
    def _keep_an_owner(session: Session, ws: WorkspaceRow) -> None:
        owners = session.execute(
            select(func.count())
            .select_from(MembershipRow)
            .where(MembershipRow.workspace_id == ws.id, MembershipRow.role == "owner")
        ).scalar_one()
        if owners <= 1:
            raise ValidationError(f"{ws.name!r} must keep at least one owner")
