"""Installing MailU over a real sshd: every step runs real commands and SFTP uploads; Docker is
a stand-in that answers like Compose v2 and the MailU admin API a loopback server that reads
the uploaded mailu.env. Failure halfway, cancel, resume and a missing Docker are covered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.domains.dns.resolver import ENV_NAMESERVER, ResolverConfig
from penguin_desktop.core.platform.errors import Cancelled, ExternalServiceError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.servers.models import ServerStatus
from penguin_desktop.core.servers.provision.steps import reverse_dns_problem
from tests.servers.bind import BindServer
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer

ALL_DONE = dict.fromkeys(
    ["preflight", "docker", "hostname", "rdns", "config", "compose-up", "admin", "domain", "dkim"],
    "done",
) | {"rdns": "skipped"}  # the test server's address is loopback: no public reverse DNS


@pytest.fixture
def remote_dir(tmp_path: Path, sshd: SshdServer) -> Iterator[Path]:
    sshd.reset_remote()
    tmp_path.chmod(0o777)
    yield tmp_path / "mailu"
    sshd.reset_remote()


@pytest.fixture
def mailu(remote_dir: Path, sshd: SshdServer) -> Iterator[MailuServer]:
    started = sshd.directory / "compose-running"  # the stand-in's `compose up` makes it
    with running_mailu(env_file=remote_dir / "mailu.env", started_by=started) as server:
        yield server


@pytest.fixture
def mx1(container: Container, owner: Actor, sshd: SshdServer) -> str:
    container.workspaces.create(owner, "Acme")
    container.servers.adopt(
        owner,
        "Acme",
        "mx1",
        sshd.host,
        sshd.port,
        sshd.user,
        private_key=sshd.client_key.private_openssh,
        accept_fingerprint=sshd.host_fingerprint,
    )
    return "mx1"


class Watcher:
    """What a face sees: the live log and the progress bar."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.progress: list[tuple[float, str]] = []
        self.job = JobContext(lambda f, t: self.progress.append((f, t)))


def _provision(
    container: Container,
    owner: Actor,
    remote_dir: Path,
    mailu: MailuServer,
    watcher: Watcher | None = None,
    **options: object,
) -> object:
    watcher = watcher or Watcher()
    return container.servers.provision(
        owner,
        "mx1",
        domain="client.test",
        mailu_dir=str(remote_dir),
        mailu_url=mailu.base_url,
        ctx=watcher.job,
        on_log=watcher.lines.append,
        poll_s=0.05,
        **options,  # type: ignore[arg-type]
    )


def test_a_full_install_then_a_rerun_that_finds_everything_done(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
) -> None:
    watcher = Watcher()
    started = time.monotonic()
    result = container.servers.provision(
        owner,
        mx1,
        domain="client.test",
        mailu_dir=str(remote_dir),
        mailu_url=mailu.base_url,
        ctx=watcher.job,
        on_log=watcher.lines.append,
        poll_s=0.05,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 15, f"provisioning plan took {elapsed:.1f} s"
    assert result.steps == ALL_DONE
    assert result.server.status is ServerStatus.MAILU_READY
    assert result.server.hostname == "mail.client.test"
    assert result.dkim_record and "v=DKIM1; k=rsa; p=MII" in result.dkim_record
    # The remote got the rendered files, the env file private, secrets from the secret store.
    env = (remote_dir / "mailu.env").read_text()
    assert (remote_dir / "mailu.env").stat().st_mode & 0o777 == 0o600
    token = container.secrets.reveal(owner, "Acme", "server/mx1/mailu-token", "test")
    secret_key = container.secrets.reveal(owner, "Acme", "server/mx1/mailu-secret-key", "test")
    assert f"API_TOKEN={token}\n" in env and f"SECRET_KEY={secret_key}\n" in env
    assert "DOMAIN=client.test\nHOSTNAMES=mail.client.test\n" in env
    compose = (remote_dir / "docker-compose.yml").read_text()
    assert "ghcr.io/mailu/admin:2024.06" in compose and f"{remote_dir}/data:/data" in compose
    assert (sshd.directory / "hostname").read_text().strip() == "mail.client.test"
    assert "compose -p mailu up -d" in sshd.docker_calls()
    # MailU has the domain and its postmaster, whose password only the secret store knows.
    password = container.secrets.reveal(owner, "Acme", "server/mx1/postmaster@client.test", "t")
    assert mailu.state.passwords == {"postmaster@client.test": password}
    # The live log and the progress bar.
    assert any("[6/9] Start MailU (docker compose up -d)" in line for line in watcher.lines)
    assert watcher.progress[-1] == (1.0, "MailU is installed")
    assert all(token not in line and password not in line for line in watcher.lines)
    shown = container.servers.get(owner, "mx1")
    assert shown.steps == ALL_DONE and shown.mailu_version == "2024.06"

    again = Watcher()
    rerun = _provision(container, owner, remote_dir, mailu, again, resume=True)
    assert rerun.steps == ALL_DONE  # type: ignore[attr-defined]
    assert sum("already done" in line for line in again.lines) == 8  # all but the skipped rDNS
    assert sshd.docker_calls().count("compose -p mailu up -d") == 1
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace="Acme"))]
    assert actions.count("server.provision") == 2


def test_a_failing_step_stops_with_its_output_and_a_rerun_resumes(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
) -> None:
    (sshd.directory / "compose-fail").touch()
    watcher = Watcher()
    with pytest.raises(ExternalServiceError) as failed:
        _provision(container, owner, remote_dir, mailu, watcher)
    assert "step 'Start MailU (docker compose up -d)' failed" in failed.value.message
    assert "port is already allocated" in failed.value.message
    server = container.servers.get(owner, "mx1")
    assert server.status is ServerStatus.PROVISION_FAILED
    assert server.steps == {
        "preflight": "done",
        "docker": "done",
        "hostname": "done",
        "rdns": "skipped",
        "config": "done",
        "compose-up": "failed",
        "admin": "pending",
        "domain": "pending",
        "dkim": "pending",
    }
    assert any("port is already allocated" in line for line in watcher.lines)
    failures = [
        e
        for e in container.audit.page(owner, AuditFilter(workspace="Acme"))
        if e.action == "server.provision.failed"
    ]
    assert len(failures) == 1

    (sshd.directory / "compose-fail").unlink()
    resumed = Watcher()
    result = container.servers.provision(
        owner, "mx1", resume=True, ctx=resumed.job, on_log=resumed.lines.append, poll_s=0.05
    )
    assert result.steps == ALL_DONE
    headings = [line for line in resumed.lines if line.startswith("[")]
    assert headings[:6] == [
        "[1/9] Preflight: OS, CPU/RAM/disk, free ports, Docker and Compose: already done",
        "[2/9] Docker Engine and Compose v2: already done",
        "[3/9] Host name: already done",
        "[4/9] Reverse DNS (PTR) of the server's address",
        "[5/9] Render and upload mailu.env and docker-compose.yml: already done",
        "[6/9] Start MailU (docker compose up -d)",
    ]
    assert sshd.docker_calls().count("compose -p mailu up -d") == 2


def test_cancel_while_waiting_for_the_admin_then_resume(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
) -> None:
    mailu.state.ready = False
    watcher = Watcher()

    def log(line: str) -> None:
        watcher.lines.append(line)
        if "not yet" in line:
            watcher.job.cancel()

    with pytest.raises(Cancelled, match="cancelled while waiting for the MailU admin"):
        container.servers.provision(
            owner,
            "mx1",
            domain="client.test",
            mailu_dir=str(remote_dir),
            mailu_url=mailu.base_url,
            ctx=watcher.job,
            on_log=log,
            poll_s=0.05,
        )
    assert any("502" in line for line in watcher.lines)
    assert container.servers.get(owner, "mx1").steps["admin"] == "cancelled"
    mailu.state.ready = True
    result = _provision(container, owner, remote_dir, mailu, resume=True)
    assert result.steps == ALL_DONE  # type: ignore[attr-defined]


def test_preflight_fails_clearly_when_docker_is_absent_and_not_installable(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
) -> None:
    # A login that is not root and has no passwordless sudo cannot install anything.
    sshd.pretend_login(uid=1000, sudo=False)
    sshd.remove_docker_standin()
    with pytest.raises(ExternalServiceError, match="Docker is not installed") as failed:
        _provision(container, owner, remote_dir, mailu)
    message = failed.value.message
    assert message.startswith("step 'Preflight")
    assert "cannot be installed automatically" in message
    assert "not root and has no passwordless sudo" in message
    assert "install Docker Engine with the Compose v2 plugin" in message
    assert container.servers.get(owner, "mx1").steps["preflight"] == "failed"
    assert not (remote_dir / "mailu.env").exists()
    assert sshd.apt_calls() == []


def test_a_user_with_passwordless_sudo_provisions_through_sudo(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
) -> None:
    sshd.pretend_login(uid=1000, sudo=True)  # like `ubuntu` on a cloud image
    result = _provision(container, owner, remote_dir, mailu)
    assert result.steps == ALL_DONE  # type: ignore[attr-defined]
    calls = sshd.sudo_calls()
    folder = str(remote_dir)
    assert f"mkdir -p -m 700 {folder}" in calls
    assert any(c.startswith("chown ") and c.endswith(folder) for c in calls)
    assert "hostnamectl set-hostname mail.client.test" in calls
    assert "docker compose -p mailu up -d" in calls
    assert sshd.apt_calls() == []  # Docker was there already


def test_a_user_without_root_access_is_stopped_in_preflight(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
) -> None:
    sshd.pretend_login(uid=1000, sudo=False)
    with pytest.raises(ExternalServiceError, match="not root and has no passwordless sudo") as err:
        _provision(container, owner, remote_dir, mailu)
    assert "log in as root, or give" in err.value.message
    assert container.servers.get(owner, "mx1").steps["preflight"] == "failed"
    assert "compose -p mailu up -d" not in sshd.docker_calls()
    assert not (remote_dir / "mailu.env").exists()


@pytest.mark.parametrize("uid", [0, 1000], ids=["root", "passwordless-sudo"])
def test_a_missing_docker_is_installed_then_found_on_resume(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
    uid: int,
) -> None:
    sshd.pretend_login(uid=uid, sudo=uid != 0)
    sshd.remove_docker_standin()
    watcher = Watcher()
    result = _provision(container, owner, remote_dir, mailu, watcher)
    assert result.steps == ALL_DONE  # type: ignore[attr-defined]
    assert sshd.apt_calls() == [
        "update -q",
        "install -y -q docker.io docker-compose-v2",
    ]
    assert "Docker is not installed: the next step installs it with apt-get" in "\n".join(
        watcher.lines
    )
    # apt-get's output is streamed into the live log.
    assert "  Setting up docker.io (26.1.3-0ubuntu1~24.04.1) ..." in watcher.lines
    assert "  Docker Compose version v2.29.7" in watcher.lines
    assert "[2/9] Docker Engine and Compose v2" in watcher.lines
    assert "compose -p mailu up -d" in sshd.docker_calls()

    again = Watcher()
    _provision(container, owner, remote_dir, mailu, again, resume=True)
    assert "[2/9] Docker Engine and Compose v2: already done" in again.lines
    assert len(sshd.apt_calls()) == 2  # installed once


def test_reverse_dns_is_checked_against_the_host_name_and_a_mismatch_is_a_warning(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
    bind: BindServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The DNS server the domain checks ask (here: the real BIND serving 2.0.192.in-addr.arpa,
    # where 192.0.2.66 has the PTR mail.listed.test).
    monkeypatch.setenv(ENV_NAMESERVER, bind.address)
    watcher = Watcher()
    result = _provision(container, owner, remote_dir, mailu, watcher, public_ip="192.0.2.66")
    expected = (
        "The reverse DNS of 192.0.2.66 is mail.listed.test, not mail.client.test; receivers "
        "compare it with the server's greeting: ask your hosting company (their control "
        'panel\'s "reverse DNS" or "PTR" field, or support) to set the PTR record of 192.0.2.66 '
        "to mail.client.test."
    )
    assert result.warnings == (expected,)  # type: ignore[attr-defined]
    assert result.steps == ALL_DONE | {"rdns": "warning"}  # type: ignore[attr-defined]
    assert result.server.status is ServerStatus.MAILU_READY  # type: ignore[attr-defined]
    assert f"  WARNING: {expected}" in watcher.lines
    provisioned = [
        e
        for e in container.audit.page(owner, AuditFilter(workspace="Acme"))
        if e.action == "server.provision"
    ]
    assert json.loads(provisioned[0].summary)["warnings"] == expected

    # No PTR at all, then a matching one (a rerun checks again; the address is remembered).
    result = _provision(container, owner, remote_dir, mailu, public_ip="192.0.2.99")
    (warning,) = result.warnings  # type: ignore[attr-defined]
    assert warning.startswith("192.0.2.99 has no reverse DNS name")
    assert warning.endswith("set the PTR record of 192.0.2.99 to mail.client.test.")
    again = Watcher()
    result = container.servers.provision(
        owner, "mx1", hostname="mail.good.test", public_ip="192.0.2.10", resume=True,
        ctx=again.job, on_log=again.lines.append, poll_s=0.05,
    )  # fmt: skip
    assert result.warnings == ()
    assert result.steps == ALL_DONE | {"rdns": "done"}
    resumed = container.servers.provision(owner, "mx1", resume=True, poll_s=0.05)
    assert resumed.steps["rdns"] == "done"  # public_ip and hostname came from the saved plan


def test_a_reverse_dns_that_cannot_be_looked_up_says_so(bind: BindServer) -> None:
    config = ResolverConfig.from_setting(bind.address)
    assert reverse_dns_problem("192.0.2.10", "mail.good.test", config) is None
    problem = reverse_dns_problem("198.51.100.7", "mail.client.test", config)
    assert problem is not None
    assert problem.startswith("the reverse DNS of 198.51.100.7 could not be looked up (")
    assert "set the PTR record of 198.51.100.7 to mail.client.test" in problem


def test_provisioning_needs_a_trusted_host_key_and_a_domain(
    container: Container, owner: Actor, mx1: str, sshd: SshdServer
) -> None:
    with pytest.raises(ValidationError, match="no provisioning run to resume"):
        container.servers.provision(owner, "mx1", resume=True)
    with pytest.raises(ValidationError, match="which mail domain"):
        container.servers.provision(owner, "mx1")
    container.servers.adopt(owner, "Acme", "new", sshd.host, sshd.port, sshd.user)
    with pytest.raises(ValidationError, match="accept new's host key first"):
        container.servers.provision(owner, "new", domain="client.test")


def test_backup_then_restore_onto_another_server(
    container: Container,
    owner: Actor,
    mx1: str,
    sshd: SshdServer,
    remote_dir: Path,
    mailu: MailuServer,
    tmp_path: Path,
) -> None:
    _provision(container, owner, remote_dir, mailu)
    (remote_dir / "dkim").mkdir()
    (remote_dir / "dkim" / "client.test.dkim.key").write_text("-----BEGIN PRIVATE KEY-----\n")
    archive = tmp_path / "mx1.pmbak"
    manifest = container.servers.backup(owner, "mx1", archive)
    assert manifest["domain"] == "client.test"
    assert manifest["files"] == "dkim/client.test.dkim.key, docker-compose.yml, mailu.env"
    sealed = archive.read_bytes()
    token = container.secrets.reveal(owner, "Acme", "server/mx1/mailu-token", "test")
    assert token.encode() not in sealed and b"PRIVATE KEY" not in sealed
    assert archive.stat().st_mode & 0o777 == 0o600

    # mx1 is abandoned; mx2 comes up with the same configuration and DKIM key.
    container.servers.adopt(
        owner, "Acme", "mx2", sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
    )  # fmt: skip
    target = tmp_path / "new-server" / "mailu"
    target.parent.mkdir(mode=0o777)
    container.servers.restore(owner, "mx2", archive, mailu_dir=str(target))
    assert (target / "mailu.env").read_bytes() == (remote_dir / "mailu.env").read_bytes()
    assert (target / "dkim" / "client.test.dkim.key").read_text().startswith("-----BEGIN")
    assert container.secrets.reveal(owner, "Acme", "server/mx2/mailu-token", "t") == token
    watcher = Watcher()
    container.servers.provision(
        owner, "mx2", domain="client.test", mailu_url=mailu.base_url, ctx=watcher.job,
        on_log=watcher.lines.append, poll_s=0.05,
    )  # fmt: skip
    # Re-rendered for mx2 (its name, its directory) with mx1's SECRET_KEY and admin token.
    old_env, new_env = (remote_dir / "mailu.env").read_text(), (target / "mailu.env").read_text()
    for variable in ("SECRET_KEY=", "API_TOKEN="):
        (old_line,) = [line for line in old_env.splitlines() if line.startswith(variable)]
        assert old_line in new_env.splitlines()
    assert (target / "dkim" / "client.test.dkim.key").exists()

    tampered = bytearray(sealed)
    tampered[-1] ^= 1
    archive.write_bytes(bytes(tampered))
    with pytest.raises(ValidationError, match="cannot be decrypted"):
        container.servers.restore(owner, "mx2", archive, mailu_dir=str(target))
