"""`domain attach` through DomainAttachService against the loopback MailU admin API and the real
sshd: the domain created in MailU, its DKIM key generated there and taken into the required
records, idempotent re-runs, nothing half-done left behind, roles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    CredentialRefused,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Role
from tests.conftest import add_user
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        yield server


def _adopt(container: Container, owner: Actor, sshd: SshdServer, name: str, **mailu: str) -> None:
    container.servers.adopt(
        owner, "Acme", name, sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        **mailu,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.fixture
def mx1(container: Container, owner: Actor, sshd: SshdServer, mailu: MailuServer) -> str:
    container.workspaces.create(owner, "Acme")
    _adopt(container, owner, sshd, "mx1", mailu_url=mailu.base_url, mailu_token=mailu.state.token)
    return "mx1"


def test_attaching_creates_the_domain_in_mailu_and_takes_its_dkim_key(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    result = container.domain_attach.attach(owner, "Client.Test", mx1)
    assert (result.created_domain, result.created_in_mailu, result.generated_dkim) == (
        True,
        True,
        True,
    )
    domain = result.domain
    assert (domain.workspace, domain.name, domain.mail_server) == ("Acme", "client.test", "mx1")
    assert domain.server_ips == ("127.0.0.1",)
    assert "client.test" in mailu.state.domains
    published = mailu.state.domains["client.test"]["dns_dkim"]
    (key,) = domain.dkim
    assert key.selector == "dkim" and key.bits == 2048 and key.private_key_secret is None
    assert key.public_key in published.replace('"', "")
    records = container.domains.records(owner, "client.test")
    dkim_record = next(r for r in records.records if r.name == "dkim._domainkey.client.test")
    assert dkim_record.value == f"v=DKIM1; k=rsa; p={key.public_key}"

    again = container.domain_attach.attach(owner, "client.test", mx1, "Acme")
    assert (again.created_domain, again.created_in_mailu, again.generated_dkim) == (
        False,
        False,
        False,
    )
    assert again.domain.dkim == domain.dkim
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]
    assert actions.count("domain.attach") == 2 and "domain.add" in actions


def test_a_key_we_generated_gives_way_to_mailus(
    container: Container, owner: Actor, mx1: str, mailu: MailuServer
) -> None:
    container.domains.add(
        owner, "Acme", "client.test", ips=["192.0.2.10"], dkim_selectors=["dkim"], lab=True
    )
    secret = "dkim/client.test/dkim"
    assert secret in {s.name for s in container.secrets.all(owner, "Acme")}
    result = container.domain_attach.attach(owner, "client.test", mx1)
    assert not result.created_domain and result.created_in_mailu
    assert result.domain.server_ips == ("192.0.2.10", "127.0.0.1")
    (key,) = result.domain.dkim
    assert key.private_key_secret is None
    assert secret not in {s.name for s in container.secrets.all(owner, "Acme")}


def test_failures_leave_nothing_half_done(
    container: Container, owner: Actor, sshd: SshdServer, mailu: MailuServer
) -> None:
    container.workspaces.create(owner, "Acme")
    _adopt(container, owner, sshd, "bare")
    with pytest.raises(ValidationError, match="bare has no MailU admin API yet"):
        container.domain_attach.attach(owner, "client.test", "bare")
    _adopt(container, owner, sshd, "mx1", mailu_url=mailu.base_url, mailu_token=mailu.state.token)
    mailu.state.configured_token = "rotated-behind-our-back"
    with pytest.raises(CredentialRefused, match="Invalid API token"):
        container.domain_attach.attach(owner, "client.test", "mx1")
    assert container.domains.all(owner) == []  # the domain added for the attach is gone again
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, "Acme", "v@agency.test", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        container.domain_attach.attach(viewer, "client.test", "mx1")
    assert mailu.state.domains == {}
