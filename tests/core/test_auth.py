"""Accounts: first run, password policy, lockout, login activity, own password and email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from penguin_desktop.container import Container
from penguin_desktop.core.accounts import passwords
from penguin_desktop.core.accounts.auth import MAX_FAILURES, check_first_run
from penguin_desktop.core.accounts.passwords import check_policy
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    NotInitializedError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.store.tables import UserRow, utcnow
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD, USER_PASSWORD, add_user


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("short-1A!", "too short"),
        ("password1234", "too common"),
        ("!!Password123!!", "too common"),
        ("abcabcabcabc", "too common"),
        ("xx-jane.doe-2026", "must not contain 'jane.doe', the name part of your email"),
        ("xx-jane.doe@agency.test", "must not contain your email address"),
    ],
)
def test_password_policy_explains_the_rule_broken(password: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        check_policy(password, "jane.doe@agency.test")


def test_a_good_password_passes_the_policy() -> None:
    check_policy("velvet-Otter-41-lanterns", "jane.doe@agency.test")


def test_login_before_init_says_to_run_init(container: Container) -> None:
    with pytest.raises(NotInitializedError, match="initialize one first") as refused:
        container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.GUI)
    assert refused.value.remedy is not None and refused.value.remedy.action == "init"


def test_init_creates_the_owner_once(container: Container, owner: Actor) -> None:
    assert owner.org_role is Role.OWNER
    with pytest.raises(ConflictError, match="already initialized"):
        container.auth.initialize("Again", "x@agency.test", OWNER_PASSWORD, Face.CLI)
    org = container.auth.organization()
    assert org is not None and org.name == "Agency Test"


def test_init_rejects_a_weak_password_and_creates_nothing(container: Container) -> None:
    with pytest.raises(ValidationError):
        container.auth.initialize("Agency", OWNER_EMAIL, "password", Face.CLI)
    assert container.auth.organization() is None


def test_login_is_case_insensitive_on_email(container: Container, owner: Actor) -> None:
    actor = container.auth.login("  Owner@Agency.TEST ", OWNER_PASSWORD, Face.GUI)
    assert actor.user_id == owner.user_id and actor.face is Face.GUI


def test_five_failures_lock_the_account_even_for_the_right_password(
    container: Container, owner: Actor
) -> None:
    add_user(container, owner, "bob@agency.test")
    for _ in range(4):
        with pytest.raises(AuthenticationError, match="wrong email or password"):
            container.auth.login("bob@agency.test", "wrong-password-123", Face.CLI)
    with pytest.raises(AccountLockedError, match="locked"):
        container.auth.login("bob@agency.test", "wrong-password-123", Face.CLI)
    with pytest.raises(AccountLockedError, match="try again in 15 min"):
        container.auth.login("bob@agency.test", USER_PASSWORD, Face.GUI)

    info = next(u for u in container.users.all(owner) if u.email == "bob@agency.test")
    assert info.locked_until is not None

    container.users.unlock(owner, "bob@agency.test")
    assert container.auth.login("bob@agency.test", USER_PASSWORD, Face.CLI).email == (
        "bob@agency.test"
    )
    actions = [e.action for e in container.audit.page(owner, AuditFilter())]
    assert "user.locked" in actions and "user.unlock" in actions


def test_an_empty_password_or_email_is_not_an_attempt(container: Container, owner: Actor) -> None:
    for _ in range(MAX_FAILURES + 3):  # holding Enter on an empty field
        with pytest.raises(ValidationError, match="type your password") as empty:
            container.auth.login(OWNER_EMAIL, "", Face.GUI)
    assert empty.value.field == "password"
    with pytest.raises(ValidationError, match="type your email") as no_email:
        container.auth.login("  ", OWNER_PASSWORD, Face.GUI)
    assert no_email.value.field == "email"
    assert container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.GUI).email == OWNER_EMAIL
    assert [a.reason for a in container.users.login_activity(owner)] == ["ok"]


def test_the_only_owner_locked_out_is_told_when_it_ends(container: Container, owner: Actor) -> None:
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthenticationError):
            container.auth.login(OWNER_EMAIL, "wrong-password-123", Face.GUI)
    with pytest.raises(AccountLockedError, match=r"at \d\d:\d\d UTC.*No other owner") as locked:
        container.auth.login(OWNER_EMAIL, "wrong-password-123", Face.GUI)
    assert locked.value.remedy is None  # nobody could unlock it: no advice to ask someone
    add_user(container, owner, "admin@agency.test", Role.ADMIN)
    with pytest.raises(AccountLockedError, match="ask an owner or admin") as askable:
        container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.GUI)
    assert askable.value.remedy is not None and askable.value.remedy.action == "user.unlock"


def test_lock_expires_after_fifteen_minutes(container: Container, owner: Actor) -> None:
    add_user(container, owner, "bob@agency.test")
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            container.auth.login("bob@agency.test", "wrong-password-123", Face.CLI)
    with container.db.write() as session:
        session.execute(
            update(UserRow)
            .where(UserRow.email == "bob@agency.test")
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert container.auth.login("bob@agency.test", USER_PASSWORD, Face.CLI)


def test_failures_older_than_the_window_do_not_count(container: Container, owner: Actor) -> None:
    add_user(container, owner, "bob@agency.test")
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            container.auth.login("bob@agency.test", "wrong-password-123", Face.CLI)
    container.auth.login("bob@agency.test", USER_PASSWORD, Face.CLI)
    for _ in range(4):
        with pytest.raises(AuthenticationError, match="wrong email or password"):
            container.auth.login("bob@agency.test", "wrong-password-123", Face.CLI)


def test_only_admins_unlock(container: Container, owner: Actor) -> None:
    member = add_user(container, owner, "m@agency.test")
    add_user(container, owner, "bob@agency.test")
    with pytest.raises(PermissionDenied):
        container.users.unlock(member, "bob@agency.test")


def test_login_activity_records_face_outcome_and_reason(container: Container, owner: Actor) -> None:
    with pytest.raises(AuthenticationError):
        container.auth.login(OWNER_EMAIL, "not-my-password-9", Face.GUI)
    with pytest.raises(AuthenticationError):
        container.auth.login("ghost@agency.test", "whatever-password-9", Face.CLI)
    container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.GUI)
    mine = container.users.login_activity(owner, OWNER_EMAIL)
    assert [(a.face, a.success, a.reason) for a in mine[:2]] == [
        (Face.GUI, True, "ok"),
        (Face.GUI, False, "wrong password"),
    ]
    everyone = container.users.login_activity(owner)
    assert any(a.email == "ghost@agency.test" and a.reason == "unknown user" for a in everyone)


def test_members_see_only_their_own_login_activity(container: Container, owner: Actor) -> None:
    member = add_user(container, owner, "m@agency.test")
    assert {a.email for a in container.users.login_activity(member, "m@agency.test")} == {
        "m@agency.test"
    }
    with pytest.raises(PermissionDenied):
        container.users.login_activity(member, OWNER_EMAIL)
    with pytest.raises(PermissionDenied):
        container.users.login_activity(member)


def test_changing_password_needs_the_current_one(container: Container, owner: Actor) -> None:
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        container.users.change_password(owner, "not-the-password", "Brand-new-pass-2027")
    container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    container.users.change_password(owner, OWNER_PASSWORD, "Brand-new-pass-2027")
    with pytest.raises(AuthenticationError):
        container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    assert container.auth.login(OWNER_EMAIL, "Brand-new-pass-2027", Face.CLI)


def test_changing_email_needs_the_current_password(container: Container, owner: Actor) -> None:
    with pytest.raises(AuthenticationError):
        container.users.change_email(owner, "not-the-password", "boss@agency.test")
    info = container.users.change_email(owner, OWNER_PASSWORD, "Boss@Agency.test")
    assert info.email == "boss@agency.test"
    assert container.auth.login("boss@agency.test", OWNER_PASSWORD, Face.CLI)


def test_idle_timeout_is_a_per_user_setting(container: Container, owner: Actor) -> None:
    assert owner.idle_timeout_minutes == 30
    container.users.set_idle_timeout(owner, 5)
    assert container.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.GUI).idle_timeout_minutes == 5
    with pytest.raises(ValidationError):
        container.users.set_idle_timeout(owner, 0)


def test_duplicate_and_invalid_users_are_refused(container: Container, owner: Actor) -> None:
    add_user(container, owner, "bob@agency.test")
    with pytest.raises(ConflictError, match="already exists"):
        container.users.add(owner, "BOB@agency.test", USER_PASSWORD)
    with pytest.raises(ValidationError, match="not a valid email"):
        container.users.add(owner, "bob-at-agency", USER_PASSWORD)
    with pytest.raises(ValidationError, match="too short"):
        container.users.add(owner, "carol@agency.test", "short")
    assert [u.email for u in container.users.all(owner)] == ["bob@agency.test", OWNER_EMAIL]


def test_empty_fields_are_required_and_named_in_form_order(
    container: Container, owner: Actor
) -> None:
    with pytest.raises(ValidationError, match="agency name is required") as first:
        check_first_run("  ", "", "")
    assert first.value.field == "org"
    with pytest.raises(ValidationError, match="email address is required") as second:
        check_first_run("Acme", "", "")
    assert second.value.field == "email"
    with pytest.raises(ValidationError, match="password is required") as third:
        check_first_run("Acme", "o@acme.test", "")
    assert third.value.field == "password"
    with pytest.raises(ValidationError, match="email address is required"):
        container.users.unlock(owner, "")
    with pytest.raises(ValidationError, match="domain needs a dot"):
        container.users.add(owner, "a@b", USER_PASSWORD)


def test_a_password_holding_someone_elses_address_says_whose(
    container: Container, owner: Actor
) -> None:
    with pytest.raises(ValidationError, match="'robert', the name part of the account's"):
        container.users.add(owner, "robert@agency.test", "robert-Lantern-fjord-9")
    with pytest.raises(ValidationError, match="your email address"):
        check_policy("x-owner@agency.test-velvet", OWNER_EMAIL)


def test_an_unknown_user_costs_one_verification_with_the_same_parameters() -> None:
    assert not passwords._hasher.check_needs_rehash(passwords.DUMMY_HASH)
    assert not passwords.verify_password(None, "Velvet-otter-2026!x")
