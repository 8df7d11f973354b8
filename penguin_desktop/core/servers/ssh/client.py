"""One SSH connection to a server, host key checked before anything is sent.

The transport is negotiated by hand so that the host key is compared with the pinned
fingerprint *before* authentication: on first contact (nothing pinned) and on a changed key
the connection is closed without sending a login, a command or a file.
"""

from __future__ import annotations

import socket
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import paramiko

from penguin_desktop.core.platform.errors import CredentialRefused, ExternalServiceError
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged, HostKeyNotAccepted
from penguin_desktop.core.servers.ssh.keys import fingerprint

CONNECT_TIMEOUT = 10.0
COMMAND_TIMEOUT = 300.0


@dataclass(frozen=True)
class SshTarget:
    host: str
    port: int = 22
    user: str = "root"

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}"


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        """stdout then stderr, for a log a person reads."""
        return (self.stdout + self.stderr).strip()


class _LineSplitter:
    """Hands complete lines of two byte streams to a callback as they arrive."""

    def __init__(self, on_line: Callable[[str], None] | None) -> None:
        self._on_line = on_line
        self._partial = [b"", b""]

    def feed(self, chunk: bytes, stream: int) -> bytes:
        if self._on_line is not None and chunk:
            *complete, self._partial[stream] = (self._partial[stream] + chunk).split(b"\n")
            for line in complete:
                self._on_line(line.decode(errors="replace").rstrip("\r"))
        return chunk

    def flush(self) -> None:
        for stream, rest in enumerate(self._partial):
            if rest and self._on_line is not None:
                self._on_line(rest.decode(errors="replace").rstrip("\r"))
            self._partial[stream] = b""


def _open_socket(target: SshTarget, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((target.host, target.port), timeout=timeout)
    except TimeoutError:
        raise ExternalServiceError(
            f"timed out after {timeout:g} s connecting to {target.host}:{target.port}: "
            "the server is down, or a firewall drops SSH"
        ) from None
    except ConnectionRefusedError:
        raise ExternalServiceError(
            f"connection refused by {target.host}:{target.port}: no SSH server listens there "
            "(check the address and port)"
        ) from None
    except OSError as exc:
        raise ExternalServiceError(
            f"cannot reach {target.host}:{target.port}: {exc.strerror or exc}"
        ) from None


def _no_ssh_answer(target: SshTarget, timeout: float, waited: float) -> ExternalServiceError:
    """Say what happened: the peer hung up at once, or kept silent until the time ran out."""
    where = f"{target.host}:{target.port}"
    if waited < timeout * 0.9:
        return ExternalServiceError(
            f"{where} closed the connection before answering as an SSH server (after "
            f"{waited:.1f} s): something else listens there, or it refuses this address"
        )
    return ExternalServiceError(
        f"timed out after {timeout:g} s waiting for {where} to answer as an SSH server: "
        "something else listens there, or the server is overloaded"
    )


def _handshake(target: SshTarget, timeout: float) -> tuple[paramiko.Transport, str]:
    """Negotiate up to (not including) authentication; returns the offered host key's
    fingerprint. Nothing about us has been sent yet."""
    sock = _open_socket(target, timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    started = time.monotonic()
    try:
        transport.start_client(timeout=timeout)
        # start_client returns quietly when its own timeout ends first.
        offered = fingerprint(transport.get_remote_server_key())
    except (paramiko.SSHException, OSError, EOFError) as exc:
        transport.close()
        if "banner" in str(exc) or "No existing session" in str(exc):
            raise _no_ssh_answer(target, timeout, time.monotonic() - started) from None
        raise ExternalServiceError(
            f"SSH handshake with {target.host}:{target.port} failed: {exc or type(exc).__name__}"
        ) from None
    return transport, offered


def probe_host_key(target: SshTarget, timeout: float = CONNECT_TIMEOUT) -> str:
    """The SHA256 fingerprint the server offers, without logging in."""
    return read_host_key(target, timeout).fingerprint


@dataclass(frozen=True)
class HostKey:
    """A host key as a person compares it: its type and SHA256 fingerprint."""

    key_type: str
    fingerprint: str


def read_host_key(target: SshTarget, timeout: float = CONNECT_TIMEOUT) -> HostKey:
    """The host key the server offers, without logging in (nothing about us is sent)."""
    transport, offered = _handshake(target, timeout)
    try:
        return HostKey(transport.get_remote_server_key().get_name(), offered)
    finally:
        transport.close()


class SshConnection:
    """A logged-in connection: run commands, upload and download files. Use as a context
    manager; `connect` raises before anything is sent if the host key is not the pinned one."""

    def __init__(self, target: SshTarget, transport: paramiko.Transport) -> None:
        self.target = target
        self._transport = transport
        self._sftp: paramiko.SFTPClient | None = None
        self._lock = threading.Lock()

    @classmethod
    def connect(
        cls,
        target: SshTarget,
        pinned_fingerprint: str | None,
        key: paramiko.PKey,
        timeout: float = CONNECT_TIMEOUT,
    ) -> SshConnection:
        transport, offered = _handshake(target, timeout)
        try:
            if pinned_fingerprint is None:
                raise HostKeyNotAccepted(target.host, target.port, offered)
            if offered != pinned_fingerprint:
                raise HostKeyChanged(target.host, target.port, pinned_fingerprint, offered)
            try:
                transport.auth_publickey(target.user, key)
            except paramiko.AuthenticationException:
                raise CredentialRefused(
                    f"SSH login as {target.where} was refused: the server does not accept "
                    "this key (is its public half in ~/.ssh/authorized_keys?)"
                ) from None
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise ExternalServiceError(
                    f"SSH login to {target.where} failed: {exc or type(exc).__name__}"
                ) from None
        except BaseException:
            transport.close()
            raise
        return cls(target, transport)

    def __enter__(self) -> SshConnection:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
        self._transport.close()

    def run(
        self,
        command: str,
        timeout: float = COMMAND_TIMEOUT,
        stdin: str = "",
        on_line: Callable[[str], None] | None = None,
    ) -> CommandResult:
        """Run `command` through the login shell; a non-zero exit is a result, not an error.
        `on_line` gets each line of output (stdout or stderr) as it arrives, for a live log."""
        lines = _LineSplitter(on_line)
        try:
            channel = self._transport.open_session(timeout=CONNECT_TIMEOUT)
            channel.settimeout(timeout)
            channel.exec_command(command)
            if stdin:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            out, err = bytearray(), bytearray()
            deadline = time.monotonic() + timeout
            while True:
                busy = False
                if channel.recv_ready():
                    out += lines.feed(channel.recv(65536), 0)
                    busy = True
                if channel.recv_stderr_ready():
                    err += lines.feed(channel.recv_stderr(65536), 1)
                    busy = True
                if busy:
                    continue
                if channel.exit_status_ready():
                    # Output sent before the exit status may have landed since the checks
                    # above: read both streams to their end (recv gives b"" at EOF).
                    while chunk := channel.recv(65536):
                        out += lines.feed(chunk, 0)
                    while chunk := channel.recv_stderr(65536):
                        err += lines.feed(chunk, 1)
                    lines.flush()
                    break
                if time.monotonic() > deadline:
                    channel.close()
                    raise TimeoutError
                channel.status_event.wait(0.005)
            code = channel.recv_exit_status()
            channel.close()
        except TimeoutError:
            raise ExternalServiceError(
                f"`{command}` on {self.target.host} gave no answer for {timeout:g} s"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise ExternalServiceError(
                f"running `{command}` on {self.target.host} failed: {exc or type(exc).__name__}"
            ) from None
        return CommandResult(
            command, code, out.decode(errors="replace"), err.decode(errors="replace")
        )

    def _sftp_client(self) -> paramiko.SFTPClient:
        with self._lock:
            if self._sftp is None:
                try:
                    self._sftp = paramiko.SFTPClient.from_transport(self._transport)
                except (paramiko.SSHException, OSError) as exc:
                    raise ExternalServiceError(
                        f"SFTP to {self.target.host} is unavailable: {exc}"
                    ) from None
                if self._sftp is None:
                    raise ExternalServiceError(f"SFTP to {self.target.host} is unavailable")
            return self._sftp

    def upload(self, data: bytes, remote_path: str, mode: int = 0o600) -> None:
        """Write `data` to `remote_path` atomically (temp file, then rename) with `mode`."""
        sftp = self._sftp_client()
        partial = f"{remote_path}.part"
        try:
            with sftp.open(partial, "wb") as handle:
                handle.write(data)
            sftp.chmod(partial, mode)
            sftp.posix_rename(partial, remote_path)
        except OSError as exc:
            raise ExternalServiceError(
                f"uploading {remote_path} to {self.target.host} failed: {exc.strerror or exc}"
            ) from None

    def download(self, remote_path: str) -> bytes:
        sftp = self._sftp_client()
        try:
            with sftp.open(remote_path, "rb") as handle:
                return bytes(handle.read())
        except FileNotFoundError:
            raise ExternalServiceError(
                f"{remote_path} does not exist on {self.target.host}"
            ) from None
        except OSError as exc:
            raise ExternalServiceError(
                f"downloading {remote_path} from {self.target.host} failed: {exc.strerror or exc}"
            ) from None

    def exists(self, remote_path: str) -> bool:
        try:
            self._sftp_client().stat(remote_path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ExternalServiceError(
                f"cannot look at {remote_path} on {self.target.host}: {exc.strerror or exc}"
            ) from None
        return True

    def makedirs(self, remote_path: str, mode: int = 0o700) -> None:
        sftp = self._sftp_client()
        path = ""
        for part in remote_path.strip("/").split("/"):
            path += "/" + part
            try:
                if not stat.S_ISDIR(sftp.stat(path).st_mode or 0):
                    raise ExternalServiceError(f"{path} on {self.target.host} is not a directory")
            except FileNotFoundError:
                try:
                    sftp.mkdir(path, mode)
                except OSError as exc:
                    raise ExternalServiceError(
                        f"cannot create {path} on {self.target.host}: {exc.strerror or exc}"
                    ) from None
