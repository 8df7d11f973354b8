"""Mailboxes through MailboxService against the loopback MailU admin API: generated passwords in
the secret store only, MailU errors in plain words, roles, and audit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.mailu.client import MailuClient
from penguin_desktop.core.models import Actor, AuditFilter, Role
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
