"""First run, login with lockout, and the login activity log."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from penguin_desktop.core.accounts.models import Organization
from penguin_desktop.core.accounts.passwords import (
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from penguin_desktop.core.accounts.tables import LoginEventRow
from penguin_desktop.core.platform.emails import normalize_email
from penguin_desktop.core.platform.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    NotInitializedError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.names import display_name
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import OrganizationRow, UserRow, utcnow

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)


def _clean_org_name(raw: str) -> str:
    return display_name(raw, "the agency name", 120, field="org")


def check_first_run(org_name: str, owner_email: str, password: str) -> tuple[str, str]:
    """The organization's name and owner email, cleaned, once every first-run field passes, in
    the order a form shows them: name, email, password."""
    name = _clean_org_name(org_name)
    email = normalize_email(owner_email)
    check_policy(password, email)
    return name, email


class AuthService(Service):
    def organization(self) -> Organization | None:
        with self.db.read() as session:
            row = session.execute(select(OrganizationRow)).scalar_one_or_none()
            return Organization(row.name, row.created_at) if row else None

    def initialize(self, org_name: str, owner_email: str, password: str, face: Face) -> Actor:
        """Create the organization and its owner; refused once done."""
        name, email = check_first_run(org_name, owner_email, password)
        with self.db.write() as session:
            if session.execute(select(func.count()).select_from(OrganizationRow)).scalar_one():
                raise ConflictError("this workspace database is already initialized; log in")
            session.add(OrganizationRow(name=name))
            user = UserRow(email=email, password_hash=hash_password(password), org_role="owner")
            session.add(user)
            session.flush()
            actor = Actor(user.id, email, Role.OWNER, face)
            self._audit(session, actor, "org.init", f"organization:{name}", organization=name)
            self._audit(session, actor, "user.add", f"user:{email}", org_role="owner")
            return actor

    def login(self, raw_email: str, password: str, face: Face) -> Actor:
        """Check credentials, enforce lockout, and record the attempt either way. An empty
        email or password is not an attempt: nothing is recorded or counted, so holding Enter
        on an empty field never locks anyone out."""
        email = raw_email.strip().lower()
        if not email:
            raise ValidationError("type your email address", field="email")
        if not password:
            raise ValidationError("type your password", field="password")
        now = utcnow()
        with self.db.write() as session:
            if session.execute(select(OrganizationRow.id)).first() is None:
                raise NotInitializedError(
                    "no organization yet: initialize one first", remedy=Remedy("init")
                )
            user = session.execute(
                select(UserRow).where(func.lower(UserRow.email) == email)
            ).scalar_one_or_none()
            if user is None:
                verify_password(None, password)
                self._record(session, None, email, face, False, "unknown user")
                failure: AuthenticationError = AuthenticationError(
                    "authentication failed: wrong email or password"
                )
            elif user.locked_until is not None and user.locked_until > now:
                self._record(session, user.id, email, face, False, "account locked")
                failure = _locked(session, user, now)
            elif not verify_password(user.password_hash, password):
                self._record(session, user.id, email, face, False, "wrong password")
                failure = self._count_failure(session, user, face, now)
            else:
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                user.locked_until = None
                user.failures_counted_from = now
                self._record(session, user.id, email, face, True, "ok")
                return Actor(
                    user.id, user.email, Role(user.org_role), face, user.idle_timeout_minutes
                )
        raise failure

    def confirm_password(self, actor: Actor, password: str) -> None:
        """Re-check the password of a signed-in user (GUI idle unlock, sensitive changes)."""
        self.login(actor.email, password, actor.face)

    def _count_failure(
        self, session: Session, user: UserRow, face: Face, now: datetime
    ) -> AuthenticationError:
        since = now - FAILURE_WINDOW
        if user.failures_counted_from is not None and user.failures_counted_from > since:
            since = user.failures_counted_from
        failures = session.execute(
            select(func.count())
            .select_from(LoginEventRow)
            .where(
                LoginEventRow.user_id == user.id,
                LoginEventRow.success.is_(False),
                LoginEventRow.at > since,
            )
        ).scalar_one()
        if failures >= MAX_FAILURES:
            user.locked_until = now + LOCK_DURATION
            actor = Actor(user.id, user.email, Role(user.org_role), face)
            self._audit(
                session,
                actor,
                "user.locked",
                f"user:{user.email}",
                failures=failures,
                until=user.locked_until.isoformat(timespec="seconds"),
            )
            return _locked(session, user, now)
        return AuthenticationError("authentication failed: wrong email or password")

    @staticmethod
    def _record(
        session: Session, user_id: int | None, email: str, face: Face, ok: bool, reason: str
    ) -> None:
        session.add(
            LoginEventRow(
                user_id=user_id, email=email[:254], face=face.value, success=ok, reason=reason
            )
        )
        session.flush()


def _locked(session: Session, user: UserRow, now: datetime) -> AccountLockedError:
    """The lockout in words: when it ends, and who could end it sooner, if anyone can."""
    until = user.locked_until
    assert until is not None
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    when = f"try again in {minutes} min (at {until:%H:%M} UTC)"
    unlockers = session.execute(
        select(func.count())
        .select_from(UserRow)
        .where(
            UserRow.id != user.id,
            UserRow.org_role.in_(("owner", "admin")),
            or_(UserRow.locked_until.is_(None), UserRow.locked_until <= now),
        )
    ).scalar_one()
    if not unlockers:
        return AccountLockedError(
            f"account locked after {MAX_FAILURES} failed logins; {when}. No other owner or "
            "admin can unlock it sooner, so wait until then"
        )
    return AccountLockedError(
        f"account locked after {MAX_FAILURES} failed logins; {when}, or ask an owner or "
        "admin to unlock it sooner",
        remedy=Remedy("user.unlock", user.email),
    )
