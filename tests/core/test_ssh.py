"""The SSH client against a real OpenSSH sshd: host-key pinning, clear failures, commands, SFTP."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from penguin_desktop.core.platform.errors import CredentialRefused, ExternalServiceError
from penguin_desktop.core.servers.ssh.client import SshConnection, SshTarget, probe_host_key
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged, HostKeyNotAccepted
from penguin_desktop.core.servers.ssh.keys import fingerprint, generate_ed25519, load_private_key
from tests.servers.common import free_port
from tests.servers.sshd import SshdServer


def _target(sshd: SshdServer) -> SshTarget:
    return SshTarget(sshd.host, sshd.port, sshd.user)


def _logins(sshd: SshdServer) -> int:
    log = sshd.directory / "sshd.log"
    return log.read_text().count("Accepted publickey") if log.exists() else 0


@pytest.fixture
def connection(sshd: SshdServer) -> Iterator[SshConnection]:
    key = load_private_key(sshd.client_key.private_openssh)
    with SshConnection.connect(_target(sshd), sshd.host_fingerprint, key) as conn:
        yield conn


def test_first_contact_shows_the_fingerprint_and_logs_nothing_in(sshd: SshdServer) -> None:
    before = _logins(sshd)
    assert probe_host_key(_target(sshd)) == sshd.host_fingerprint
    key = load_private_key(sshd.client_key.private_openssh)
    with pytest.raises(HostKeyNotAccepted) as caught:
        SshConnection.connect(_target(sshd), None, key)
    assert caught.value.fingerprint == sshd.host_fingerprint
    assert sshd.host_fingerprint in caught.value.message
    assert _logins(sshd) == before


def test_a_changed_host_key_is_refused_before_login(sshd: SshdServer) -> None:
    before = _logins(sshd)
    other = fingerprint(load_private_key(generate_ed25519().private_openssh))
    key = load_private_key(sshd.client_key.private_openssh)
    with pytest.raises(HostKeyChanged) as caught:
        SshConnection.connect(_target(sshd), other, key)
    assert "CHANGED" in caught.value.message and "Nothing was sent" in caught.value.message
    assert other in caught.value.message and sshd.host_fingerprint in caught.value.message
    assert _logins(sshd) == before


def test_an_unauthorized_key_is_an_authentication_error(sshd: SshdServer) -> None:
    stranger = load_private_key(generate_ed25519().private_openssh)
    with pytest.raises(CredentialRefused, match="does not accept this key"):
        SshConnection.connect(_target(sshd), sshd.host_fingerprint, stranger)


def test_refused_and_silent_ports_are_clear_errors() -> None:
    key = load_private_key(generate_ed25519().private_openssh)
    port = free_port()
    with pytest.raises(ExternalServiceError, match="connection refused"):
        SshConnection.connect(SshTarget("127.0.0.1", port), "SHA256:x" * 3, key)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        target = SshTarget("127.0.0.1", silent.getsockname()[1])
        with pytest.raises(ExternalServiceError, match=r"timed out after 0\.5 s waiting for"):
            probe_host_key(target, timeout=0.5)
    with socket.socket() as closing:
        closing.bind(("127.0.0.1", 0))
        closing.listen()
        hang_up = threading.Thread(target=_accept_and_close, args=(closing,), daemon=True)
        hang_up.start()
        target = SshTarget("127.0.0.1", closing.getsockname()[1])
        with pytest.raises(ExternalServiceError, match=r"closed the connection before answering"):
            probe_host_key(target, timeout=10)
        hang_up.join()


def _accept_and_close(listening: socket.socket) -> None:
    """A peer that hangs up at once, as a firewall's reset or another service might."""
    conn, _ = listening.accept()
    conn.close()


def test_commands_report_exit_code_stdout_and_stderr(connection: SshConnection) -> None:
    result = connection.run("echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.ok
    assert connection.run("cat", stdin="from stdin").stdout == "from stdin"


def test_no_output_is_lost_when_the_command_ends_at_once(connection: SshConnection) -> None:
    for _ in range(100):
        result = connection.run("echo a; echo b >&2; echo c")
        assert (result.stdout, result.stderr) == ("a\nc\n", "b\n")


def test_the_remote_has_its_own_tools(connection: SshConnection) -> None:
    assert connection.run("docker compose version").stdout.startswith("Docker Compose version v2")


def test_sftp_upload_and_download(connection: SshConnection, tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    remote = tmp_path / "deep" / "dir"
    connection.makedirs(str(remote))
    connection.upload(b"MAILU=1\n", str(remote / "mailu.env"), mode=0o600)
    assert (remote / "mailu.env").read_bytes() == b"MAILU=1\n"
    assert (remote / "mailu.env").stat().st_mode & 0o777 == 0o600
    assert not (remote / "mailu.env.part").exists()
    assert connection.download(str(remote / "mailu.env")) == b"MAILU=1\n"
    assert connection.exists(str(remote / "mailu.env"))
    with pytest.raises(ExternalServiceError, match="does not exist"):
        connection.download(str(remote / "missing"))


def test_generated_ed25519_keys_match_openssh(tmp_path: Path) -> None:
    pair = generate_ed25519("me@laptop")
    assert pair.public_openssh.startswith("ssh-ed25519 ") and pair.public_openssh.endswith(
        " me@laptop"
    )
    assert "PRIVATE" not in repr(pair)
    (tmp_path / "k.pub").write_text(pair.public_openssh + "\n")
    shown = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(tmp_path / "k.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[1]
    assert fingerprint(load_private_key(pair.private_openssh)) == shown
