"""Roles per workspace, the permission matrix, and isolation between workspaces."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Outcome, Role
from penguin_desktop.core.platform.permissions import MATRIX, Permission, matrix_markdown
from tests.conftest import add_user

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def two_workspaces(container: Container, owner: Actor) -> tuple[Actor, Actor]:
    """`alice` administers Acme, `victor` only views Acme; Globex is theirs to never see."""
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    alice = add_user(container, owner, "alice@agency.test")
    victor = add_user(container, owner, "victor@agency.test")
    container.members.add(owner, "Acme", "alice@agency.test", Role.ADMIN)
    container.members.add(owner, "Acme", "victor@agency.test", Role.VIEWER)
    return alice, victor


def test_readme_shows_the_permission_matrix_the_code_enforces() -> None:
    assert matrix_markdown() in README.read_text()


def test_every_permission_has_a_rule() -> None:
    assert set(MATRIX) == set(Permission)


def test_users_see_only_their_workspaces(
    container: Container, owner: Actor, two_workspaces: tuple[Actor, Actor]
) -> None:
    alice, victor = two_workspaces
    assert [w.name for w in container.workspaces.all(owner)] == ["Acme", "Globex"]
    assert [(w.name, w.my_role) for w in container.workspaces.all(alice)] == [("Acme", Role.ADMIN)]
    assert [(w.name, w.my_role) for w in container.workspaces.all(victor)] == [
        ("Acme", Role.VIEWER)
    ]


def test_reading_another_workspace_is_denied_and_audited(
    container: Container, owner: Actor, two_workspaces: tuple[Actor, Actor]
) -> None:
    alice, _ = two_workspaces
    for attempt in (
        lambda: container.workspaces.get(alice, "Globex"),
        lambda: container.members.all(alice, "globex"),
        lambda: container.audit.page(alice, AuditFilter(workspace="Globex")),
    ):
        with pytest.raises(NotFoundError, match=r"(?i)no workspace named 'globex' among yours"):
            attempt()
    denied = [
        e
        for e in container.audit.page(owner, AuditFilter(actor="alice@agency.test"))
        if e.outcome == Outcome.DENIED.value
    ]
    assert len(denied) == 3
    assert {e.workspace for e in denied} == {"Globex"}


def test_a_non_member_cannot_tell_which_workspace_names_exist(
    container: Container, owner: Actor, two_workspaces: tuple[Actor, Actor]
) -> None:
    alice, _ = two_workspaces
    answers = []
    for name in ("Globex", "No Such Client"):
        with pytest.raises(NotFoundError) as refused:
            container.members.all(alice, name)
        answers.append((refused.value.exit_code, refused.value.message))
    assert answers[0][0] == answers[1][0] == 1
    assert answers[0][1].replace("Globex", "X") == answers[1][1].replace("No Such Client", "X")


def test_nothing_of_another_workspace_leaks_through_audit_lists(
    container: Container, owner: Actor, two_workspaces: tuple[Actor, Actor]
) -> None:
    alice, _ = two_workspaces
    container.workspaces.rename(owner, "Globex", "Globex Corp")
    seen = container.audit.page(alice, AuditFilter())
    assert seen, "alice should see Acme's events"
    assert all(e.workspace == "Acme" for e in seen)
    assert not any("Globex" in (e.target + e.summary) for e in seen)


def test_a_viewers_every_write_is_refused_and_audited(
    container: Container, owner: Actor, two_workspaces: tuple[Actor, Actor]
) -> None:
    _, victor = two_workspaces
    writes: list[Callable[[], object]] = [
        lambda: container.workspaces.create(victor, "Mine"),
        lambda: container.workspaces.rename(victor, "Acme", "Hacked"),
        lambda: container.workspaces.archive(victor, "Acme"),
        lambda: container.members.add(victor, "Acme", "alice@agency.test", Role.VIEWER),
        lambda: container.members.set_role(victor, "Acme", "victor@agency.test", Role.OWNER),
        lambda: container.members.remove(victor, "Acme", "alice@agency.test"),
        lambda: container.users.add(victor, "new@agency.test", "Another-fine-pass-1"),
        lambda: container.users.unlock(victor, "alice@agency.test"),
        lambda: container.users.set_org_role(victor, "victor@agency.test", Role.OWNER),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()
    denied = container.audit.page(owner, AuditFilter(actor="victor@agency.test"))
    assert len(denied) == len(writes)
    assert all(e.outcome == "denied" for e in denied)
    assert [w.name for w in container.workspaces.all(owner)] == ["Acme", "Globex"]


def test_admins_grant_only_roles_below_their_own(
    container: Container, owner: Actor, two_workspaces: tuple[Actor, Actor]
) -> None:
    alice, _ = two_workspaces
    add_user(container, owner, "carol@agency.test")
    with pytest.raises(PermissionDenied, match="only give roles below"):
        container.members.add(alice, "Acme", "carol@agency.test", Role.ADMIN)
    container.members.add(alice, "Acme", "carol@agency.test", Role.MANAGER)
    with pytest.raises(PermissionDenied, match="ranked below you"):
        container.members.set_role(alice, "Acme", "owner@agency.test", Role.VIEWER)
    container.members.set_role(alice, "Acme", "victor@agency.test", Role.MEMBER)
    roles = {m.email: m.role for m in container.members.all(alice, "Acme")}
    assert roles == {
        "owner@agency.test": Role.OWNER,
        "alice@agency.test": Role.ADMIN,
        "carol@agency.test": Role.MANAGER,
        "victor@agency.test": Role.MEMBER,
    }


def test_a_workspace_keeps_one_owner(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Solo")
    with pytest.raises(ValidationError, match="at least one owner"):
        container.members.set_role(owner, "Solo", "owner@agency.test", Role.ADMIN)
    with pytest.raises(ValidationError, match="at least one owner"):
        container.members.remove(owner, "Solo", "owner@agency.test")


def test_workspace_names_are_unique_ignoring_case(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Acme")
    with pytest.raises(ConflictError, match="already exists"):
        container.workspaces.create(owner, "  ACME ")
    container.workspaces.create(owner, "Globex")
    with pytest.raises(ConflictError):
        container.workspaces.rename(owner, "Globex", "acme")
    with pytest.raises(ValidationError):
        container.workspaces.create(owner, "   ")
    with pytest.raises(NotFoundError, match="no workspace named 'Nope'"):
        container.workspaces.rename(owner, "Nope", "Other")


def test_archived_workspaces_are_hidden_and_frozen(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Old Client")
    container.workspaces.archive(owner, "Old Client")
    assert container.workspaces.all(owner) == []
    assert [w.archived for w in container.workspaces.all(owner, include_archived=True)] == [True]
    with pytest.raises(ValidationError, match="archived"):
        container.workspaces.rename(owner, "Old Client", "New")


def test_members_and_unknown_users(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Acme")
    with pytest.raises(NotFoundError, match="no user with email"):
        container.members.add(owner, "Acme", "ghost@agency.test", Role.MEMBER)
    add_user(container, owner, "bob@agency.test")
    container.members.add(owner, "Acme", "bob@agency.test", Role.MEMBER)
    with pytest.raises(ConflictError, match="already a member"):
        container.members.add(owner, "Acme", "bob@agency.test", Role.VIEWER)
    container.members.remove(owner, "Acme", "bob@agency.test")
    with pytest.raises(NotFoundError, match="not a member"):
        container.members.remove(owner, "Acme", "bob@agency.test")


def test_only_the_owner_changes_organization_roles(container: Container, owner: Actor) -> None:
    admin = add_user(container, owner, "admin@agency.test", Role.ADMIN)
    add_user(container, owner, "bob@agency.test")
    with pytest.raises(PermissionDenied):
        container.users.set_org_role(admin, "bob@agency.test", Role.ADMIN)
    assert container.users.set_org_role(owner, "bob@agency.test", Role.ADMIN).org_role is Role.ADMIN
    with pytest.raises(ValidationError, match="at least one owner"):
        container.users.set_org_role(owner, "owner@agency.test", Role.ADMIN)
    with pytest.raises(PermissionDenied, match="org role owner"):
        container.users.add(admin, "x@agency.test", "Another-fine-pass-1", Role.OWNER)


def test_names_that_look_the_same_are_the_same_workspace(
    container: Container, owner: Actor
) -> None:
    container.workspaces.create(owner, "Caf\u00e9  Client ")
    with pytest.raises(ConflictError):
        container.workspaces.create(owner, "Cafe\u0301 client")
    assert container.workspaces.get(owner, "CAFE\u0301 CLIENT").name == "Caf\u00e9 Client"
    for hidden in ("Acme\u200b", "Ac\u202eme", "Ac\x7fme"):
        with pytest.raises(ValidationError, match="control or invisible characters"):
            container.workspaces.create(owner, hidden)
    with pytest.raises(ValidationError, match="at most 64 characters \\(this one has 65\\)"):
        container.workspaces.create(owner, "x" * 65)
