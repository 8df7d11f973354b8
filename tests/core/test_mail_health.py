"""The mail-health figures monitoring reads through ServerService.mail_health, against a real
OpenSSH sshd whose "remote" has a stand-in docker (MailU's containers, Postfix's queue), on
SQLite and PostgreSQL; and the parsers of Compose's and Postfix's output on their own."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import NotFoundError, PermissionDenied
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.secrets import SecretKind
from penguin_desktop.core.servers import MailHealth
from penguin_desktop.core.servers.mail_health import parse_compose_ps, parse_queue
from penguin_desktop.core.servers.ssh.keys import generate_ed25519
from penguin_desktop.core.servers.tables import ServerRow
from tests.conftest import add_user
from tests.servers.common import free_port
from tests.servers.sshd import SshdServer

MAILU = ("admin", "antispam", "front", "imap", "redis", "smtp")


@pytest.fixture
def remote(sshd: SshdServer) -> Iterator[SshdServer]:
    """The shared sshd with its "remote" as a fresh test left it, and left so again."""
    sshd.reset_remote()
    yield sshd
    sshd.reset_remote()


@pytest.fixture
def mailu_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "mailu"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text("services: {}\n")
    return folder


@pytest.fixture
def mx1(container: Container, owner: Actor, remote: SshdServer, mailu_dir: Path) -> str:
    container.workspaces.create(owner, "Acme")
    _adopt(container, owner, remote, mailu_dir)
    return "mx1"


def _adopt(
    container: Container,
    owner: Actor,
    sshd: SshdServer,
    mailu_dir: Path,
    name: str = "mx1",
    accept: bool = True,
    private_key: str | None = None,
) -> None:
    container.servers.adopt(
        owner, "Acme", name, sshd.host, port=sshd.port, user=sshd.user,
        private_key=private_key or sshd.client_key.private_openssh,
        accept_fingerprint=sshd.host_fingerprint if accept else None, mailu_dir=str(mailu_dir),
    )  # fmt: skip


def test_the_figures_of_a_running_mailu_with_a_queue(
    container: Container, owner: Actor, mx1: str, remote: SshdServer
) -> None:
    now = time.time()
    remote.run_mailu()
    remote.set_mail_queue([now - 600, now - 7200, now - 60])
    before = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]

    health = container.servers.mail_health(owner, mx1)

    assert isinstance(health, MailHealth)
    assert (health.workspace, health.server, health.reachable) == ("Acme", "mx1", True)
    assert health.error is None, health.error
    assert health.queue_size == 3
    assert health.queue_oldest_seconds == pytest.approx(7200, abs=30)
    assert health.containers_expected == MAILU and health.containers_up == MAILU
    assert health.containers_down == ()
    assert isinstance(health.disk_percent, float) and 0 <= health.disk_percent <= 100
    assert health.load_per_cpu is not None and health.load_per_cpu >= 0
    assert health.memory_free_percent is not None and 0 < health.memory_free_percent <= 100
    assert 0 < health.elapsed < 30
    # Read-only commands, in the MailU directory; nothing saved, nothing audited but the key's use.
    assert remote.docker_calls() == [
        "compose ps -a --format json",
        "compose config --services",
        "compose exec -T smtp postqueue -j",
    ]
    assert container.servers.get(owner, mx1).last_check_at is None
    after = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]
    assert set(after[: len(after) - len(before)]) == {"secret.read"}


def test_an_empty_queue_and_a_container_down_under_an_older_compose(
    container: Container, owner: Actor, mx1: str, remote: SshdServer
) -> None:
    remote.run_mailu(down=["antispam"], old_compose=True)
    remote.set_mail_queue([])
    health = container.servers.mail_health(owner, mx1, "Acme")
    assert health.reachable and health.error is None, health.error
    assert (health.queue_size, health.queue_oldest_seconds) == (0, None)
    assert health.containers_expected == MAILU
    assert health.containers_down == ("antispam",)
    assert "antispam" not in health.containers_up


def test_with_postfix_stopped_the_queue_is_unknown_and_said_so(
    container: Container, owner: Actor, mx1: str, remote: SshdServer
) -> None:
    remote.run_mailu(down=["smtp"])
    health = container.servers.mail_health(owner, mx1)
    assert health.reachable and health.containers_down == ("smtp",)
    assert health.queue_size is None and health.queue_oldest_seconds is None
    assert "smtp container is not running" in (health.error or "")
    assert not any("exec" in call for call in remote.docker_calls())


def test_output_not_understood_gives_words_not_an_exception(
    container: Container, owner: Actor, mx1: str, remote: SshdServer
) -> None:
    remote.run_mailu()
    remote.set_mail_queue(
        [], text='{"queue_name": "active", "arrival_time": 1}\nSegmentation fault\n'
    )
    health = container.servers.mail_health(owner, mx1)
    assert health.reachable and health.queue_size is None
    assert "the mail queue could not be read: postqueue printed 'Segmentation fault'" in (
        health.error or ""
    )
    assert health.containers_up == MAILU and health.disk_percent is not None


def test_a_missing_mailu_directory_still_gives_the_system_figures(
    container: Container, owner: Actor, remote: SshdServer, tmp_path: Path
) -> None:
    container.workspaces.create(owner, "Acme")
    _adopt(container, owner, remote, tmp_path / "nowhere")
    remote.run_mailu()
    calls = len(remote.docker_calls())  # adopting looked for MailU's version
    health = container.servers.mail_health(owner, "mx1")
    assert health.reachable and health.disk_percent is not None  # the use of / then
    assert f"the MailU directory {tmp_path / 'nowhere'} does not exist" in (health.error or "")
    assert health.containers_expected == () and health.queue_size is None
    assert remote.docker_calls()[calls:] == []


def test_servers_that_cannot_be_read_come_back_unreachable_with_words(
    container: Container, owner: Actor, remote: SshdServer, mailu_dir: Path
) -> None:
    container.workspaces.create(owner, "Acme")
    _adopt(container, owner, remote, mailu_dir, "pending", accept=False)
    pending = container.servers.mail_health(owner, "pending")
    assert not pending.reachable and "host key not accepted yet" in (pending.error or "")

    stranger = generate_ed25519().private_openssh
    _adopt(container, owner, remote, mailu_dir, "refused", private_key=stranger)
    refused = container.servers.mail_health(owner, "refused")
    assert not refused.reachable and "does not accept this key" in (refused.error or "")

    _adopt(container, owner, remote, mailu_dir, "closed")
    with container.db.write() as session:
        session.execute(
            update(ServerRow).where(ServerRow.name == "closed").values(ssh_port=free_port())
        )
    started = time.monotonic()
    closed = container.servers.mail_health(owner, "closed")
    assert time.monotonic() - started < 5
    assert not closed.reachable and "refused" in (closed.error or "")
    assert closed.queue_size is None and closed.containers_expected == ()
    with pytest.raises(NotFoundError, match="no server named 'nope'"):
        container.servers.mail_health(owner, "nope")


def test_who_may_read_it(container: Container, owner: Actor, mx1: str, remote: SshdServer) -> None:
    """Reading servers is enough (a member may, who may not run a health check), but the
    login needs the SSH key, which a viewer may not use: the secret store refuses."""
    remote.run_mailu()
    member = add_user(container, owner, "m@agency.test")
    container.members.add(owner, "Acme", "m@agency.test", Role.MEMBER)
    with pytest.raises(PermissionDenied):
        container.servers.run_check(member, mx1)
    health = container.servers.mail_health(member, mx1)
    assert health.reachable and health.containers_up == MAILU
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, "Acme", "v@agency.test", Role.VIEWER)
    with pytest.raises(PermissionDenied, match="viewer"):
        container.servers.mail_health(viewer, mx1)
    outsider = add_user(container, owner, "o@agency.test")
    with pytest.raises(NotFoundError):
        container.servers.mail_health(outsider, mx1, "Acme")


# --- the parsers on their own --------------------------------------------------------------------
def _container(service: str, state: str = "running", health: str = "") -> dict[str, str]:
    return {"Name": f"mailu-{service}-1", "Service": service, "State": state, "Health": health}


def test_compose_ps_as_an_array_as_lines_or_not_understood() -> None:
    items = [
        _container("front"),
        _container("smtp", "exited"),
        _container("imap", health="unhealthy"),
    ]
    expected = {"front": True, "smtp": False, "imap": False}
    assert parse_compose_ps(json.dumps(items)) == (expected, None)
    assert parse_compose_ps("\n".join(json.dumps(i) for i in items) + "\n") == (expected, None)
    assert parse_compose_ps(json.dumps(items[0])) == ({"front": True}, None)
    assert parse_compose_ps("") == ({}, None) and parse_compose_ps("[]") == ({}, None)
    services, problem = parse_compose_ps(json.dumps(items[0]) + "\nWARN[0000] version is obsolete")
    assert services is None and "WARN[0000] version is obsolete" in (problem or "")
    assert parse_compose_ps('[{"Name": "x"}]')[0] is None
    assert parse_compose_ps("[" * 100_000)[0] is None


def test_postqueue_messages_counted_and_aged() -> None:
    lines = "\n".join(
        json.dumps({"queue_name": q, "arrival_time": t, "recipients": []})
        for q, t in (("deferred", 1_000), ("active", 4_000), ("hold", 2_500))
    )
    assert parse_queue(lines, now=8_200) == (3, 7_200.0, None)
    assert parse_queue("", now=8_200) == (0, None, None)
    assert parse_queue('{"queue_name": "deferred"}', now=8_200) == (1, None, None)
    assert parse_queue(lines + "\npostqueue: warning: ...", now=8_200)[:2] == (None, None)
    assert parse_queue("[1, 2]", now=8_200)[0] is None
    assert parse_queue('{"arrival_time": 9000}', now=8_200) == (1, 0.0, None)


def test_the_monitor_keeps_the_key_an_hour_and_reads_it_again_once_replaced(
    container: Container, owner: Actor, mx1: str, remote: SshdServer
) -> None:
    """What the monitor asks every five minutes audits one key read, not one per check; the
    role is still checked each time, and a replaced key is read (and audited) again."""
    remote.run_mailu()
    hour = timedelta(hours=1)

    def key_reads() -> list[str]:
        events = container.audit.page(owner, AuditFilter(workspace="Acme"))
        return [str(json.loads(e.summary)["reason"]) for e in events if e.action == "secret.read"]

    before = len(key_reads())
    for _ in range(3):
        assert container.servers.mail_health(owner, mx1, keep_key_for=hour).reachable
    reads = key_reads()
    assert len(reads) == before + 1
    assert "kept in memory up to 60 min" in reads[0]

    server = container.servers.get(owner, mx1)
    key = container.secrets.reveal(owner, "Acme", server.ssh_key_secret, "test")
    container.secrets.set(owner, "Acme", server.ssh_key_secret, SecretKind.SSH_KEY, key)
    assert container.servers.mail_health(owner, mx1, keep_key_for=hour).reachable
    assert len(key_reads()) == before + 2
