"""Mail servers through ServerService on SQLite and PostgreSQL, against a real OpenSSH sshd:
adopt, explicit host-key acceptance, health checks, refusals, roles, one job per server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import update

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import (
    Cancelled,
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.servers.mailu_files import mailu_version_from
from penguin_desktop.core.servers.models import Health, ServerStatus
from penguin_desktop.core.servers.ssh.keys import generate_ed25519, load_private_key
from penguin_desktop.core.servers.tables import ServerRow
from penguin_desktop.core.servers.vps.hostwinds import ENV_API
from tests.conftest import add_user
from tests.servers.common import free_port
from tests.servers.hostwinds import running_hostwinds
from tests.servers.sshd import SshdServer


@pytest.fixture
def acme(container: Container, owner: Actor) -> str:
    container.workspaces.create(owner, "Acme")
    return "Acme"


def _adopt(
    container: Container, owner: Actor, sshd: SshdServer, name: str = "mx1", accept: bool = True
) -> None:
    container.servers.adopt(
        owner,
        "Acme",
        name,
        sshd.host,
        port=sshd.port,
        user=sshd.user,
        private_key=sshd.client_key.private_openssh,
        accept_fingerprint=sshd.host_fingerprint if accept else None,
    )


def _actions(container: Container, owner: Actor) -> list[str]:
    return [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]


def test_adopting_waits_for_the_host_key_to_be_accepted(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    result = container.servers.adopt(owner, acme, "mx1", sshd.host, sshd.port, sshd.user)
    assert result.generated_key and result.public_key.startswith("ssh-ed25519 ")
    server = result.server
    assert server.status is ServerStatus.HOST_KEY_PENDING
    assert server.host_key_fingerprint is None
    assert server.offered_fingerprint == sshd.host_fingerprint
    # The private half is in the secret store under the server's name, nowhere else.
    refs = {s.name: s.kind.value for s in container.secrets.all(owner, acme)}
    assert refs == {"server/mx1/ssh-key": "ssh_key"}
    key = container.secrets.reveal(owner, acme, "server/mx1/ssh-key", "test")
    assert "OPENSSH PRIVATE KEY" in key
    skipped = container.servers.run_check(owner, "mx1")
    assert skipped.health is Health.SKIPPED and "host key not accepted yet" in (skipped.error or "")

    wrong = "SHA256:" + "A" * 43
    with pytest.raises(ValidationError, match="nothing was changed"):
        container.servers.accept_host_key(owner, "mx1", wrong)
    accepted = container.servers.accept_host_key(owner, "mx1", sshd.host_fingerprint)
    assert accepted.status is ServerStatus.ADOPTED
    assert accepted.host_key_fingerprint == sshd.host_fingerprint
    assert accepted.offered_fingerprint is None
    # The generated key is not authorized on the server yet: a clear login failure.
    refused = container.servers.run_check(owner, "mx1")
    assert refused.health is Health.UNREACHABLE
    assert "does not accept this key" in (refused.error or "")
    sshd.authorize(result.public_key)
    report = container.servers.run_check(owner, "mx1")
    assert report.health is Health.HEALTHY, report
    assert [c.name for c in report.checks] == ["os", "load", "memory", "disk", "docker"]
    assert "Docker Compose version v2" in report.checks[-1].detail
    shown = container.servers.get(owner, "mx1")
    assert shown.health is Health.HEALTHY and shown.last_check_at is not None
    assert {"server.adopt", "server.host-key.accept", "server.check"} <= set(
        _actions(container, owner)
    )


def test_adopt_with_a_confirmed_fingerprint_and_an_imported_key(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    _adopt(container, owner, sshd)
    server = container.servers.get(owner, "mx1", acme)
    assert server.status is ServerStatus.ADOPTED and server.ip == "127.0.0.1"
    assert container.servers.run_check(owner, "mx1").health is Health.HEALTHY
    with pytest.raises(ConflictError, match="already exists"):
        _adopt(container, owner, sshd)
    with pytest.raises(ValidationError, match="nothing was saved"):
        container.servers.adopt(
            owner,
            acme,
            "mx2",
            sshd.host,
            sshd.port,
            sshd.user,
            accept_fingerprint="SHA256:" + "B" * 43,
        )
    with pytest.raises(ValidationError, match="bad server name"):
        container.servers.adopt(owner, acme, "no spaces", sshd.host, sshd.port)
    with pytest.raises(ValidationError, match="SSH private key"):
        container.servers.adopt(
            owner, acme, "mx2", sshd.host, sshd.port, private_key="not a key at all"
        )
    with pytest.raises(ExternalServiceError, match="connection refused"):
        container.servers.adopt(owner, acme, "mx2", "127.0.0.1", free_port())
    assert [s.name for s in container.servers.all(owner)] == ["mx1"]
    assert [s.name for s in container.secrets.all(owner, acme)] == ["server/mx1/ssh-key"]


def test_a_changed_host_key_is_refused_and_audited(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    _adopt(container, owner, sshd)
    before = sshd.directory.joinpath("sshd.log").read_text().count("Accepted publickey")
    # As if the key had been pinned before the server was reinstalled (or intercepted).
    pinned = "SHA256:" + "C" * 43
    with container.db.write() as session:
        session.execute(update(ServerRow).values(host_key_fingerprint=pinned))
    report = container.servers.run_check(owner, "mx1")
    assert report.health is Health.UNREACHABLE
    assert "CHANGED" in (report.error or "") and sshd.host_fingerprint in (report.error or "")
    after = sshd.directory.joinpath("sshd.log").read_text().count("Accepted publickey")
    assert after == before
    refused = [
        e
        for e in container.audit.page(owner, AuditFilter(workspace=acme))
        if e.action == "server.host-key.refused"
    ]
    assert len(refused) == 1
    assert container.servers.get(owner, "mx1").offered_fingerprint == sshd.host_fingerprint
    container.servers.accept_host_key(owner, "mx1", sshd.host_fingerprint)
    assert container.servers.run_check(owner, "mx1").health is Health.HEALTHY


def test_roles_and_removal(container: Container, owner: Actor, acme: str, sshd: SshdServer) -> None:
    _adopt(container, owner, sshd)
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, acme, "v@agency.test", Role.VIEWER)
    assert [s.name for s in container.servers.all(viewer)] == ["mx1"]
    with pytest.raises(PermissionDenied, match="viewer"):
        container.servers.run_check(viewer, "mx1")
    with pytest.raises(PermissionDenied):
        container.servers.adopt(viewer, acme, "mine", sshd.host, sshd.port)
    with pytest.raises(PermissionDenied):
        container.servers.remove(viewer, "mx1")
    denied = [
        e.action
        for e in container.audit.page(owner, AuditFilter(workspace=acme))
        if e.outcome == "denied"
    ]
    assert sorted(denied) == ["server.manage", "server.manage", "server.operate"]
    container.servers.remove(owner, "mx1")
    assert container.servers.all(owner) == []
    assert container.secrets.all(owner, acme) == []
    with pytest.raises(NotFoundError, match="no server named 'mx1'"):
        container.servers.get(owner, "mx1")


def test_one_job_at_a_time_per_server(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    _adopt(container, owner, sshd, "mx1")
    _adopt(container, owner, sshd, "mx2")
    with container.servers.job(owner, "mx1", None, "provisioning"):
        busy = container.servers.run_check(owner, "mx1")
        assert busy.health is Health.SKIPPED and "busy (provisioning)" in (busy.error or "")
        with pytest.raises(ConflictError, match="busy"):
            container.servers.remove(owner, "mx1")
        assert container.servers.run_check(owner, "mx2").health is Health.HEALTHY
    assert container.servers.run_check(owner, "mx1").health is Health.HEALTHY


def test_a_health_round_checks_every_server_concurrently(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    for i in range(6):
        _adopt(container, owner, sshd, f"mx{i}")
    container.servers.adopt(
        owner,
        acme,
        "down",
        sshd.host,
        sshd.port,
        sshd.user,
        private_key=generate_ed25519().private_openssh,
        accept_fingerprint=sshd.host_fingerprint,
    )
    started = time.monotonic()
    reports = container.servers.check_all(owner, acme, concurrency=4)
    elapsed = time.monotonic() - started
    assert {r.server: r.health for r in reports} == {
        **{f"mx{i}": Health.HEALTHY for i in range(6)},
        "down": Health.UNREACHABLE,
    }
    assert elapsed < 30


def test_create_through_hostwinds_then_trust_check_and_destroy(
    container: Container,
    owner: Actor,
    acme: str,
    sshd: SshdServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_hostwinds() as hostwinds:
        monkeypatch.setenv(ENV_API, hostwinds.url)
        with pytest.raises(ValidationError, match="store it first"):
            container.servers.create(owner, acme, "mx1", "hostwinds", "2", "1001", "ubuntu")
        container.secrets.set(
            owner, acme, "provider/hostwinds", SecretKind.API_KEY, hostwinds.state.api_key
        )
        log: list[str] = []
        result = container.servers.create(
            owner, acme, "mx1", "hostwinds", "2", "1001", "ubuntu-24.04",
            hostname="mail.client.test", ssh_port=sshd.port, ssh_user=sshd.user,
            on_log=log.append, poll_s=0.01,
        )  # fmt: skip
        server = result.server
        assert (server.provider, server.ip, server.hostname) == (
            "hostwinds",
            "127.0.0.1",
            "mail.client.test",
        )
        assert server.status is ServerStatus.HOST_KEY_PENDING
        assert server.offered_fingerprint == sshd.host_fingerprint
        (instance,) = hostwinds.state.instances.values()
        assert instance["ssh_keys"] == [result.public_key]
        assert hostwinds.state.rdns == {"127.0.0.1": "mail.client.test"}
        assert any("is active at 127.0.0.1" in line for line in log)
        container.servers.accept_host_key(owner, "mx1", sshd.host_fingerprint)
        sshd.authorize(result.public_key)
        assert container.servers.run_check(owner, "mx1").health is Health.HEALTHY
        container.servers.remove(owner, "mx1", destroy=True)
        assert hostwinds.state.instances == {}
        assert container.servers.all(owner) == []
        # A failure after the instance exists deletes it again: nothing half-made stays.
        with pytest.raises(ValidationError, match="bad host name"):
            container.servers.create(owner, acme, "bad", "hostwinds", "2", "1", "i", hostname="-x")
        hostwinds.state.build_polls = 10**6
        job = JobContext()
        job.cancel()
        with pytest.raises(Cancelled):
            container.servers.create(
                owner, acme, "mx2", "hostwinds", "2", "1001", "ubuntu", ctx=job, poll_s=0.01
            )
        assert hostwinds.state.instances == {}
        assert "terminate" in hostwinds.state.calls
    with pytest.raises(ValidationError, match="no instance to destroy"):
        _adopt(container, owner, sshd, "old")
        container.servers.remove(owner, "old", destroy=True)


def test_rotating_the_ssh_key_never_locks_out(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    first = generate_ed25519("first")
    sshd.authorize(first.public_openssh)
    container.servers.adopt(
        owner, acme, "mx1", sshd.host, sshd.port, sshd.user,
        private_key=first.private_openssh, accept_fingerprint=sshd.host_fingerprint,
    )  # fmt: skip
    first_blob = first.public_openssh.split()[1]
    log: list[str] = []
    container.servers.rotate_key(owner, "mx1", on_log=log.append)
    assert log == [
        "new key authorized next to the old one on mx1",
        "login with the new key works",
        "new key stored in the secret store",
        "old key removed from the server",
    ]
    stored = container.secrets.reveal(owner, acme, "server/mx1/ssh-key", "test")
    assert stored != first.private_openssh
    authorized = sshd.authorized_keys.read_text()
    assert first_blob not in authorized
    assert load_private_key(stored).get_base64() in authorized
    # The test suite's own key is untouched, and the server still answers with the new key.
    assert sshd.client_key.public_openssh.split()[1] in authorized
    assert container.servers.run_check(owner, "mx1").health is Health.HEALTHY
    (refs,) = [s for s in container.secrets.all(owner, acme) if s.name == "server/mx1/ssh-key"]
    assert refs.last_rotated_at > refs.created_at
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace=acme))]
    assert "server.rotate-key" in actions


SETUP_COMPOSE = """\
# This file is auto-generated by the Mailu configuration wizard.
services:
  front:
    image: ${DOCKER_ORG:-ghcr.io/mailu}/${DOCKER_PREFIX:-}nginx:${MAILU_VERSION:-2024.06}
  admin:
    image: ${DOCKER_ORG:-ghcr.io/mailu}/${DOCKER_PREFIX:-}admin:${MAILU_VERSION:-2024.06}
  redis:
    image: redis:alpine
"""


def test_mailu_version_from_compose_files() -> None:
    assert mailu_version_from(SETUP_COMPOSE) == "2024.06"
    assert mailu_version_from(SETUP_COMPOSE, "MAILU_VERSION=2024.06.12\n") == "2024.06.12"
    pinned = "services:\n  admin:\n    image: 'ghcr.io/mailu/admin:2.0'\n  redis:\n"
    assert mailu_version_from(pinned + "    image: redis:7\n") == "2.0"
    mixed = "".join(
        f"    image: ghcr.io/mailu/{s}:{t}\n"
        for s, t in (("admin", "1.9"), ("front", "1.9"), ("webmail", "master"))
    )
    assert mailu_version_from(mixed) == "1.9"
    assert mailu_version_from("    image: mailu/admin@sha256:abc\n") is None
    assert mailu_version_from("services:\n  web:\n    image: nginx:1.27\n") is None
    assert mailu_version_from("") is None


def test_adopting_a_server_with_mailu_reads_its_version(
    container: Container, owner: Actor, acme: str, sshd: SshdServer, tmp_path: Path
) -> None:
    folder = tmp_path / "mailu"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text(SETUP_COMPOSE)
    (folder / ".env").write_text("MAILU_VERSION=2024.06.12\n")
    adopted = container.servers.adopt(
        owner, acme, "mx1", sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        mailu_dir=str(folder),
    )  # fmt: skip
    assert adopted.server.mailu_version == "2024.06.12"
    assert container.servers.get(owner, "mx1").mailu_version == "2024.06.12"
    # Upgraded by hand: the next health check notices.
    (folder / ".env").unlink()
    (folder / "docker-compose.yml").write_text(
        "services:\n  admin:\n    image: ghcr.io/mailu/admin:2024.06.20\n"
    )
    report = container.servers.run_check(owner, "mx1")
    assert report.mailu_version == "2024.06.20"
    assert container.servers.get(owner, "mx1").mailu_version == "2024.06.20"
    # No MailU there (or no login yet): adopting still works, the version is unknown.
    container.servers.adopt(owner, acme, "mx2", sshd.host, sshd.port, sshd.user)
    assert container.servers.get(owner, "mx2").mailu_version is None
    with pytest.raises(ValidationError, match="must be an absolute path"):
        container.servers.adopt(owner, acme, "mx3", sshd.host, sshd.port, mailu_dir="mailu")


def test_the_host_key_is_read_with_its_type_and_the_last_check_kept(
    container: Container, owner: Actor, acme: str, sshd: SshdServer
) -> None:
    _adopt(container, owner, sshd, accept=False)
    key = container.servers.read_host_key(owner, "mx1")
    assert key.fingerprint == sshd.host_fingerprint
    assert key.key_type in ("ssh-ed25519", "ecdsa-sha2-nistp256", "rsa-sha2-512", "ssh-rsa")
    container.servers.accept_host_key(owner, "mx1", key.fingerprint)
    assert container.servers.last_health(owner, "mx1") is None
    report = container.servers.run_check(owner, "mx1")
    kept = container.servers.last_health(owner, "mx1", acme)
    assert kept is not None
    assert (kept.health, kept.checks) == (report.health, report.checks)
    outsider = add_user(container, owner, "o@agency.test")
    with pytest.raises(NotFoundError):
        container.servers.last_health(outsider, "mx1")
