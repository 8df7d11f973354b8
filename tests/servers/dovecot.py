"""A real Dovecot IMAP server on free loopback ports (TESTING.md recipe), in a temp directory.

Dovecot runs in the foreground (`-F`) as a child of the test process, in its own process
group, so stopping it (or the test process dying) never leaves a master or its login and
auth children behind. The temp directory sits directly under the system temp dir because the
mail processes run as `nobody`, who cannot walk into pytest's private `/tmp/pytest-of-root`.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.servers.common import free_port
from tests.servers.mail_tls import CA_NAME, Issued, _Ca, _key_usage

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
# What a client dials: certificates must name the host the client connects to, and Dovecot
# listens on 127.0.0.1, which `localhost` resolves to.
TLS_NAME = "localhost"
DH_PARAMS = Path("/usr/share/dovecot/dh.pem")

CONFIG = """\
base_dir = {d}/run
state_dir = {d}/state
listen = {host}
protocols = imap
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {d}/dovecot.log
default_login_user = nobody
default_internal_user = nobody
default_internal_group = nogroup
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {imaps_port}
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass(frozen=True)
class LoopbackPki:
    """A test CA (`ca_file`, what a client gets as its CA bundle) and a leaf naming TLS_NAME."""

    ca_file: Path
    leaf: Issued


def make_loopback_pki(directory: Path) -> LoopbackPki:
    """The same CA and leaf shapes as `mail_tls.make_pki`, but the leaf names the loopback host
    name, so a client that checks host names can talk TLS to a server on 127.0.0.1."""
    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{CA_NAME} (loopback)")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    ca_file = directory / "loopback-ca.pem"
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    day = timedelta(days=1)
    leaf = _Ca(key, name, directory, now).issue("loopback", TLS_NAME, -day, 90 * day)
    return LoopbackPki(ca_file, leaf)


class Dovecot:
    """One Dovecot instance: plain IMAP on `port` (with STARTTLS when `tls` is given) and,
    with `tls`, IMAPS on `imaps_port`. Use as a context manager."""

    def __init__(self, tls: Issued | None = None) -> None:
        self.host = HOST
        self.port = free_port()
        self.imaps_port: int | None = free_port() if tls is not None else None
        self._tls = tls
        self._dir = Path(tempfile.mkdtemp(prefix="penguin-dovecot-"))
        self._users: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Dovecot:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, timeout: float = 15) -> None:
        """Write the config and start the master; raises RuntimeError (with the log's tail)
        when Dovecot is missing or does not greet in time."""
        if not Path(DOVECOT).exists():
            raise RuntimeError(f"{DOVECOT} not found: install dovecot-imapd")
        self._write_config()
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self._dir / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self._dir / "stderr.log").open("wb"),
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited at start: {self.log_tail()}")
            if self._greets():
                return
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not greet on {HOST}:{self.port}: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the master and everything in its process group, then remove the directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # a child that outlived its master
        shutil.rmtree(self._dir, ignore_errors=True)

    def add_user(self, email: str, password: str) -> None:
        """Dovecot rereads the passwd-file when its mtime (whole seconds) or size changed, but
        looks at most once a wall-clock second; so after a write, wait for the next second
        (a login tried too early fails, and Dovecot then holds the retry for seconds)."""
        self._users[email] = password
        lines = "".join(f"{user}:{{PLAIN}}{pw}::::\n" for user, pw in self._users.items())
        path = self._dir / "passwd"
        path.write_text(lines)
        path.chmod(0o644)
        if self._process is not None:
            time.sleep(1.02 - time.time() % 1)
            self._await_login(email, password)

    def append(self, email: str, password: str, folder: str, raw_message: bytes) -> None:
        """Drop a message into a user's folder (unseen), as a mail client or the MTA would."""
        with imaplib.IMAP4(self.host, self.port, timeout=10) as imap:
            imap.login(email, password)
            status, data = imap.append(folder, "", None, raw_message)
            if status != "OK":
                raise RuntimeError(f"APPEND to {folder} failed: {data!r}")
            imap.logout()

    def flags(self, email: str, password: str, folder: str = "INBOX") -> list[bytes]:
        """Every message's FLAGS response in `folder`, read without touching them."""
        with imaplib.IMAP4(self.host, self.port, timeout=10) as imap:
            imap.login(email, password)
            imap.select(folder, readonly=True)
            _, data = imap.fetch("1:*", "(FLAGS)")
            imap.logout()
        return [item for item in data if isinstance(item, bytes)]

    def _await_login(self, email: str, password: str, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with imaplib.IMAP4(self.host, self.port, timeout=10) as imap:
                try:
                    imap.login(email, password)
                    return
                except imaplib.IMAP4.error:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"dovecot never accepted {email}") from None
            time.sleep(0.1)

    def log_tail(self, lines: int = 20) -> str:
        text = ""
        for name in ("stderr.log", "dovecot.log"):
            path = self._dir / name
            if path.exists():
                text += path.read_text(errors="replace")
        return " | ".join(text.strip().splitlines()[-lines:])

    def _write_config(self) -> None:
        self._dir.chmod(0o755)
        mail = self._dir / "mail"
        mail.mkdir()
        shutil.chown(mail, "nobody", "nogroup")
        self.add_user("postmaster@dovecot.test", "unused-Postmaster-1")
        ssl = "ssl = no"
        if self._tls is not None:
            ssl = f"ssl = yes\nssl_cert = <{self._tls.cert}\nssl_key = <{self._tls.key}"
            if DH_PARAMS.exists():
                ssl += f"\nssl_dh = <{DH_PARAMS}"
        config = CONFIG.format(
            d=self._dir, host=HOST, ssl=ssl, port=self.port, imaps_port=self.imaps_port or 0
        )
        (self._dir / "dovecot.conf").write_text(config)

    def _greets(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as sock:
                return sock.recv(64).startswith(b"* OK")
        except OSError:
            return False


@contextmanager
def running_dovecot(tls: Issued | None = None) -> Iterator[Dovecot]:
    """Dovecot for the duration of the block; RuntimeError when it cannot start."""
    with Dovecot(tls) as server:
        yield server
