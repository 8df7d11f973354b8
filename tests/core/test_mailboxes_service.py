"""Mailboxes through MailboxService against the loopback MailU admin API: generated passwords in
the secret store only, MailU errors in plain words, roles, and audit."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.servers.mailu import MailuClient
from tests.conftest import add_user
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        with MailuClient(server.base_url, server.state.token) as api:
            api.create_domain("client.test")
        yield server


@pytest.fixture
def mx1(container: Container, owner: Actor, sshd: SshdServer, mailu: MailuServer) -> str:
    container.workspaces.create(owner, "Acme")
    container.servers.adopt(
        owner, "Acme", "mx1", sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        mailu_url=mailu.base_url, mailu_token=mailu.state.token,
    )  # fmt: skip
    return "mx1"


def test_mailbox_life_cycle(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    box = container.mailboxes.create(owner, "Ann@Client.test", mx1, quota_mb=500)
    assert (box.email, box.server, box.enabled, box.quota_mb) == (
        "ann@client.test",
        "mx1",
        True,
        500,
    )
    assert (box.smtp_port, box.imap_port, box.smtp_host) == (587, 993, "127.0.0.1")
    password = container.secrets.reveal(owner, "Acme", "mailbox/ann@client.test", "test")
    assert mailu.state.passwords["ann@client.test"] == password
    assert mailu.state.users["ann@client.test"]["quota_bytes"] == 500 * 1024 * 1024
    assert [m.email for m in container.mailboxes.all(owner)] == ["ann@client.test"]

    with pytest.raises(ConflictError, match="already exists"):
        container.mailboxes.create(owner, "ann@client.test", mx1)
    with pytest.raises(NotFoundError, match=r"MailU: Domain other\.test does not exist"):
        container.mailboxes.create(owner, "bob@other.test", mx1)
    assert [s.name for s in container.secrets.all(owner, "Acme")].count(
        "mailbox/bob@other.test"
    ) == 0
    with pytest.raises(ValidationError, match="bad mailbox address"):
        container.mailboxes.create(owner, "no-at-sign", mx1)

    assert container.mailboxes.disable(owner, "ann@client.test").enabled is False
    assert mailu.state.users["ann@client.test"]["enabled"] is False
    container.mailboxes.passwd(owner, "ann@client.test")
    new = container.secrets.reveal(owner, "Acme", "mailbox/ann@client.test", "test")
    assert new != password and mailu.state.passwords["ann@client.test"] == new

    container.mailboxes.remove(owner, "ann@client.test")
    assert mailu.state.users == {} and container.mailboxes.all(owner) == []
    assert "mailbox/ann@client.test" not in {s.name for s in container.secrets.all(owner, "Acme")}
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]
    for action in ("mailbox.create", "mailbox.disable", "mailbox.passwd", "mailbox.remove"):
        assert action in actions


def test_roles_and_servers_without_mailu(
    container: Container, owner: Actor, mx1: str, sshd: SshdServer
) -> None:
    container.mailboxes.create(owner, "ann@client.test", mx1)
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, "Acme", "v@agency.test", Role.VIEWER)
    assert [m.email for m in container.mailboxes.all(viewer)] == ["ann@client.test"]
    with pytest.raises(PermissionDenied, match="viewer"):
        container.mailboxes.create(viewer, "bob@client.test", mx1)
    with pytest.raises(PermissionDenied):
        container.mailboxes.passwd(viewer, "ann@client.test")
    container.servers.adopt(
        owner, "Acme", "bare", sshd.host, sshd.port, sshd.user,
        accept_fingerprint=sshd.host_fingerprint,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="no MailU admin API yet"):
        container.mailboxes.create(owner, "bob@client.test", "bare")


def test_enable_quota_and_settings(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    container.mailboxes.create(owner, "ann@client.test", mx1, quota_mb=500)
    container.mailboxes.disable(owner, "ann@client.test")
    again = container.mailboxes.enable(owner, "ANN@client.test")
    assert again.enabled is True and mailu.state.users["ann@client.test"]["enabled"] is True

    resized = container.mailboxes.set_quota(owner, "ann@client.test", 2048)
    assert resized.quota_mb == 2048
    assert mailu.state.users["ann@client.test"]["quota_bytes"] == 2048 * 1024 * 1024
    for bad, words in ((0, "at least 1 MB"), (-5, "at least 1 MB"), (2**21, "typo")):
        with pytest.raises(ValidationError, match=words):
            container.mailboxes.set_quota(owner, "ann@client.test", bad)
    with pytest.raises(ValidationError, match="at least 1 MB"):
        container.mailboxes.create(owner, "bob@client.test", mx1, quota_mb=0)
    assert mailu.state.users["ann@client.test"]["quota_bytes"] == 2048 * 1024 * 1024

    settings = container.mailboxes.settings(owner, "ann@client.test")
    assert (settings.username, settings.server, settings.workspace) == (
        "ann@client.test",
        "mx1",
        "Acme",
    )
    assert [(e.protocol, e.port, e.security) for e in settings.endpoints] == [
        ("SMTP", 465, "SSL/TLS"),
        ("SMTP", 587, "STARTTLS"),
        ("IMAP", 993, "SSL/TLS"),
    ]
    assert {e.host for e in settings.endpoints} == {"127.0.0.1"}
    password = container.secrets.reveal(owner, "Acme", "mailbox/ann@client.test", "test")
    assert password not in repr(settings) and settings.password_secret == "mailbox/ann@client.test"

    events = container.audit.page(owner, AuditFilter(workspace="Acme"))
    quota = next(e for e in events if e.action == "mailbox.quota")
    assert (json.loads(quota.summary)["previous_mb"], json.loads(quota.summary)["quota_mb"]) == (
        500,
        2048,
    )
    assert "mailbox.enable" in [e.action for e in events]

    # Removed from MailU by hand: said in words that tell what to do.
    del mailu.state.users["ann@client.test"]
    with pytest.raises(NotFoundError, match=r"MailU on mx1 has no user ann@client\.test"):
        container.mailboxes.enable(owner, "ann@client.test")


def test_addresses_are_checked_by_the_shared_email_helper(
    container: Container, owner: Actor, mx1: str
) -> None:
    for bad in ("ann@", "ann @client.test", "ann@@client.test", "@client.test"):
        with pytest.raises(ValidationError, match="bad mailbox address"):
            container.mailboxes.create(owner, bad, mx1)
    with pytest.raises(ValidationError, match="bad alias address"):
        container.mailboxes.add_alias(owner, "sales@", ["ann@client.test"], mx1)
    with pytest.raises(ValidationError, match="bad destination address 'nope'"):
        container.mailboxes.add_alias(owner, "sales@client.test", ["nope"], mx1)
    with pytest.raises(ValidationError, match="at least one destination"):
        container.mailboxes.add_alias(owner, "sales@client.test", [" "], mx1)
    with pytest.raises(ValidationError, match="cannot forward to itself"):
        container.mailboxes.add_alias(owner, "sales@client.test", ["Sales@client.test"], mx1)


def test_aliases_with_several_destinations(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    container.mailboxes.create(owner, "ann@client.test", mx1)
    container.mailboxes.create(owner, "bob@client.test", mx1)
    sales = container.mailboxes.add_alias(
        owner, "Sales@Client.test", ["ann@client.test", "BOB@client.test, boss@outside.test"], mx1
    )
    assert sales.destinations == ("ann@client.test", "bob@client.test", "boss@outside.test")
    assert mailu.state.aliases["sales@client.test"]["destination"] == list(sales.destinations)
    container.mailboxes.add_alias(owner, "info@client.test", ["bob@client.test"], mx1)

    listed = container.mailboxes.aliases(owner)
    assert [(a.email, a.server, a.workspace) for a in listed] == [
        ("info@client.test", "mx1", "Acme"),
        ("sales@client.test", "mx1", "Acme"),
    ]
    to_ann = container.mailboxes.aliases(owner, "Acme", destination="Ann@client.test")
    assert [a.email for a in to_ann] == ["sales@client.test"]
    assert container.mailboxes.aliases(owner, server="mx1") == listed

    with pytest.raises(ConflictError, match=r"sales@client\.test already exists on mx1"):
        container.mailboxes.add_alias(owner, "sales@client.test", ["ann@client.test"], mx1)
    with pytest.raises(ConflictError, match="is a mailbox of Acme"):
        container.mailboxes.add_alias(owner, "ann@client.test", ["bob@client.test"], mx1)
    with pytest.raises(NotFoundError, match=r"Domain other\.test does not exist.*first"):
        container.mailboxes.add_alias(owner, "x@other.test", ["ann@client.test"], mx1)

    removed = container.mailboxes.remove_alias(owner, "SALES@client.test")
    assert removed.server == "mx1" and "sales@client.test" not in mailu.state.aliases
    with pytest.raises(NotFoundError, match=r"no alias sales@client\.test"):
        container.mailboxes.remove_alias(owner, "sales@client.test")
    with pytest.raises(NotFoundError, match=r"no alias sales@client\.test on mx1"):
        container.mailboxes.remove_alias(owner, "sales@client.test", server="mx1")

    events = container.audit.page(owner, AuditFilter(workspace="Acme"))
    added = [e for e in events if e.action == "mailbox.alias.add"]
    assert {tuple(json.loads(e.summary)["destinations"]) for e in added} >= {sales.destinations}
    assert "mailbox.alias.remove" in [e.action for e in events]


def test_alias_roles_and_workspace_isolation(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    container.mailboxes.create(owner, "ann@client.test", mx1)
    container.mailboxes.add_alias(owner, "sales@client.test", ["ann@client.test"], mx1)
    member = add_user(container, owner, "m@agency.test")
    container.members.add(owner, "Acme", "m@agency.test", Role.MEMBER)
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, "Acme", "v@agency.test", Role.VIEWER)
    outsider = add_user(container, owner, "o@agency.test")
    container.workspaces.create(owner, "Globex")
    container.members.add(owner, "Globex", "o@agency.test", Role.OWNER)

    assert [a.email for a in container.mailboxes.aliases(member)] == ["sales@client.test"]
    with pytest.raises(PermissionDenied, match="member"):
        container.mailboxes.add_alias(member, "info@client.test", ["ann@client.test"], mx1)
    with pytest.raises(PermissionDenied, match="member"):
        container.mailboxes.remove_alias(member, "sales@client.test", "Acme")
    with pytest.raises(PermissionDenied, match="member"):
        container.mailboxes.set_quota(member, "ann@client.test", 10)
    with pytest.raises(PermissionDenied, match="member"):
        container.mailboxes.enable(member, "ann@client.test")

    # Viewers see mailboxes and settings but not aliases (they need the MailU admin token).
    assert container.mailboxes.settings(viewer, "ann@client.test").username == "ann@client.test"
    assert container.mailboxes.aliases(viewer) == []
    with pytest.raises(PermissionDenied, match="viewer"):
        container.mailboxes.aliases(viewer, "Acme")

    # Another workspace's people see nothing of Acme's.
    assert container.mailboxes.aliases(outsider) == []
    assert container.mailboxes.all(outsider) == []
    with pytest.raises(NotFoundError):
        container.mailboxes.settings(outsider, "ann@client.test")
    with pytest.raises(NotFoundError, match="no alias"):
        container.mailboxes.remove_alias(outsider, "sales@client.test")
    with pytest.raises(NotFoundError, match="no server named 'mx1'"):
        container.mailboxes.add_alias(outsider, "x@client.test", ["ann@client.test"], mx1)
    assert "sales@client.test" in mailu.state.aliases

    denied = [
        e.action
        for e in container.audit.page(owner, AuditFilter(workspace="Acme"))
        if e.outcome == "denied"
    ]
    assert "mailbox.manage" in denied and "mailbox.alias.read" in denied
