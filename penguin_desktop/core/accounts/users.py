"""User accounts: add, list, unlock, organization roles, own password/email/idle timeout,
and login activity."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.accounts.models import LoginActivity, UserInfo
from penguin_desktop.core.accounts.passwords import check_policy, hash_password, verify_password
from penguin_desktop.core.accounts.tables import LoginEventRow
from penguin_desktop.core.platform.emails import normalize_email
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.permissions import Permission, may_assign
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import UserRow, utcnow

IDLE_TIMEOUT_RANGE = range(1, 24 * 60 + 1)


def _info(row: UserRow) -> UserInfo:
    now = utcnow()
    locked = row.locked_until if row.locked_until and row.locked_until > now else None
    return UserInfo(row.email, Role(row.org_role), row.created_at, locked, row.idle_timeout_minutes)


def parse_role(raw: str) -> Role:
    try:
        return Role(raw.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationError(f"unknown role {raw!r}: choose one of {choices}") from None


class UserService(Service):
    def add(
        self, actor: Actor, raw_email: str, password: str, org_role: Role = Role.MEMBER
    ) -> UserInfo:
        email = normalize_email(raw_email)
        check_policy(password, email, own=False)
        with self._writing(actor) as session:
            self._require_org(actor, Permission.USER_ADD, f"user:{email}")
            if not may_assign(actor.org_role, org_role):
                raise PermissionDenied(
                    f"permission denied: you may not create a user with org role {org_role}",
                    action=Permission.USER_ADD.value,
                    target=f"user:{email}",
                )
            exists = session.execute(
                select(UserRow.id).where(func.lower(UserRow.email) == email)
            ).first()
            if exists:
                raise ConflictError(f"a user with email {email} already exists")
            row = UserRow(
                email=email, password_hash=hash_password(password), org_role=org_role.value
            )
            session.add(row)
            session.flush()
            self._audit(session, actor, "user.add", f"user:{email}", org_role=org_role.value)
            return _info(row)

    def all(self, actor: Actor) -> list[UserInfo]:
        with self._reading(actor) as session:
            self._require_org(actor, Permission.USER_LIST, "users")
            rows = session.execute(select(UserRow).order_by(UserRow.email)).scalars()
            return [_info(r) for r in rows]

    def me(self, actor: Actor) -> UserInfo:
        with self.db.read() as session:
            row = session.get(UserRow, actor.user_id)
            if row is None:
                raise AuthenticationError("your account no longer exists")
            return _info(row)

    def unlock(self, actor: Actor, raw_email: str) -> UserInfo:
        with self._writing(actor) as session:
            self._require_org(actor, Permission.USER_UNLOCK, f"user:{raw_email.strip()}")
            row = self._user_by_email(session, raw_email)
            now = utcnow()
            was_locked = row.locked_until is not None and row.locked_until > now
            row.locked_until = None
            row.failures_counted_from = now
            self._audit(session, actor, "user.unlock", f"user:{row.email}", was_locked=was_locked)
            return _info(row)

    def set_org_role(self, actor: Actor, raw_email: str, role: Role) -> UserInfo:
        with self._writing(actor) as session:
            self._require_org(actor, Permission.USER_SET_ROLE, f"user:{raw_email.strip()}")
            row = self._user_by_email(session, raw_email)
            if row.id == actor.user_id and role is not Role.OWNER:
                owners = session.execute(
                    select(func.count()).select_from(UserRow).where(UserRow.org_role == "owner")
                ).scalar_one()
                if owners <= 1:
                    raise ValidationError("the organization needs at least one owner")
            before = row.org_role
            row.org_role = role.value
            self._audit(
                session,
                actor,
                "user.set-role",
                f"user:{row.email}",
                before=before,
                after=role.value,
            )
            return _info(row)

    def change_password(self, actor: Actor, current: str, new: str) -> None:
        check_policy(new, actor.email)
        with self._writing(actor) as session:
            row = self._own_row(session, actor, current)
            if verify_password(row.password_hash, new):
                raise ValidationError("the new password must differ from the current one")
            row.password_hash = hash_password(new)
            self._audit(session, actor, "user.passwd", f"user:{row.email}")

    def change_email(self, actor: Actor, current: str, raw_new_email: str) -> UserInfo:
        new_email = normalize_email(raw_new_email)
        with self._writing(actor) as session:
            row = self._own_row(session, actor, current)
            taken = session.execute(
                select(UserRow.id).where(
                    func.lower(UserRow.email) == new_email, UserRow.id != row.id
                )
            ).first()
            if taken:
                raise ConflictError(f"a user with email {new_email} already exists")
            before = row.email
            row.email = new_email
            self._audit(
                session, actor, "user.email", f"user:{new_email}", before=before, after=new_email
            )
            return _info(row)

    def set_idle_timeout(self, actor: Actor, minutes: int) -> UserInfo:
        if minutes not in IDLE_TIMEOUT_RANGE:
            raise ValidationError("idle timeout must be between 1 and 1440 minutes")
        with self._writing(actor) as session:
            row = session.get(UserRow, actor.user_id)
            if row is None:
                raise AuthenticationError("your account no longer exists")
            before = row.idle_timeout_minutes
            row.idle_timeout_minutes = minutes
            self._audit(
                session,
                actor,
                "user.idle-timeout",
                f"user:{row.email}",
                before=before,
                after=minutes,
            )
            return _info(row)

    def login_activity(
        self, actor: Actor, raw_email: str | None = None, limit: int = 200
    ) -> list[LoginActivity]:
        email = raw_email.strip().lower() if raw_email else None
        with self._reading(actor) as session:
            if email != actor.email:
                self._require_org(actor, Permission.LOGIN_ACTIVITY_ALL, f"user:{email or 'all'}")
            stmt = select(LoginEventRow).order_by(LoginEventRow.id.desc()).limit(limit)
            if email:
                stmt = stmt.where(LoginEventRow.email == email)
            rows = session.execute(stmt).scalars()
            return [LoginActivity(r.at, r.email, Face(r.face), r.success, r.reason) for r in rows]

    @staticmethod
    def _own_row(session: Session, actor: Actor, current: str) -> UserRow:
        row = session.get(UserRow, actor.user_id)
        if row is None or not verify_password(row.password_hash, current):
            raise AuthenticationError("current password is wrong; nothing was changed")
        return row
