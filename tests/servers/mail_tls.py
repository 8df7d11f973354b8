"""A test CA and loopback TLS servers for the service probes.

SMTP is aiosmtpd (STARTTLS, or implicit TLS for SMTPS, with or without AUTH); IMAPS is a small
threaded TLS server that greets and answers LOGOUT, which is all a probe says to it (Dovecot
would add a process and a config for no more coverage); HTTPS is `http.server` behind TLS.
Every server presents the certificate of a `TlsIdentity`, which a test can renew while the
server runs. Keys are EC P-256 so that making the whole set takes milliseconds.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.servers.common import free_port

SERVER_NAME = "mail.penguin.test"
WRONG_NAME = "other.penguin.test"
CA_NAME = "Penguin Test CA"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Issued:
    """A leaf certificate and its key as PEM files, as a server would load them."""

    cert: Path
    key: Path


@dataclass(frozen=True)
class MailPki:
    """The test CA (`ca_file` is what a probe gets as the agency's CA bundle) and its leaves."""

    ca_file: Path
    valid: Issued  # 90 days, names SERVER_NAME
    expiring: Issued  # 2 days left
    expired: Issued  # expired a day ago
    wrong_host: Issued  # valid, but names WRONG_NAME only


def make_pki(directory: Path) -> MailPki:
    """Write a CA and one leaf per case under `directory`; a session fixture keeps the result."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    ca = _Ca(ca_key, ca_name, directory, now)
    day = timedelta(days=1)
    return MailPki(
        ca_file=ca_file,
        valid=ca.issue("valid", SERVER_NAME, -day, 90 * day),
        expiring=ca.issue("expiring", SERVER_NAME, -30 * day, 2 * day),
        expired=ca.issue("expired", SERVER_NAME, -30 * day, -day),
        wrong_host=ca.issue("wrong-host", WRONG_NAME, -day, 90 * day),
    )


@dataclass(frozen=True)
class _Ca:
    key: ec.EllipticCurvePrivateKey
    name: x509.Name
    directory: Path
    now: datetime

    def issue(self, label: str, name: str, starts: timedelta, ends: timedelta) -> Issued:
        """A server certificate for `name`, valid from now+`starts` to now+`ends`."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now + starts)
            .not_valid_after(self.now + ends)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
            .sign(self.key, hashes.SHA256())
        )
        issued = Issued(self.directory / f"{label}.crt", self.directory / f"{label}.key")
        issued.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        issued.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return issued


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


class TlsIdentity:
    """The certificate a running server presents. Its `context` picks, at each handshake, the
    context of the current certificate (through the SNI callback, which OpenSSL calls on every
    ClientHello), so `renew` takes effect on the next connection without a restart."""

    def __init__(self, issued: Issued) -> None:
        self._current = _server_context(issued)
        self.context = _server_context(issued)
        self.context.sni_callback = self._choose

    def renew(self, issued: Issued) -> None:
        self._current = _server_context(issued)

    def _choose(self, connection: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
        connection.context = self._current


def _server_context(issued: Issued) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(issued.cert, issued.key)
    return context


@dataclass(frozen=True)
class Listening:
    host: str
    port: int


class _Sink:
    """Accepts nothing of interest: the probes never send mail."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 OK"


class _SinkWithoutAuth(_Sink):
    """A submission service whose authentication was left off: AUTH is never advertised."""

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        return [line for line in responses if not line.startswith("250-AUTH")]


def _refuse_login(*_: Any) -> AuthResult:
    return AuthResult(success=False)


@contextmanager
def running_smtp(
    identity: TlsIdentity | None, *, implicit: bool = False, auth: bool = True
) -> Iterator[Listening]:
    """aiosmtpd on loopback: STARTTLS (AUTH only after it), implicit TLS (SMTPS: aiosmtpd
    counts only STARTTLS as TLS, so AUTH is offered from the start there), or plain text when
    `identity` is None."""
    options: dict[str, Any] = {"authenticator": _refuse_login, "auth_require_tls": True}
    if identity is not None and implicit:
        options.update(ssl_context=identity.context, auth_require_tls=False)
    elif identity is not None:
        options.update(tls_context=identity.context, require_starttls=False)
    controller = Controller(
        _Sink() if auth else _SinkWithoutAuth(),
        hostname=HOST,
        port=free_port(),
        server_hostname=SERVER_NAME,
        **options,
    )
    controller.start()
    try:
        yield Listening(HOST, controller.port)
    finally:
        controller.stop()


def _secure(request: socket.socket, identity: TlsIdentity | None) -> socket.socket | None:
    """The TLS side of an accepted connection, set up in its own thread so that a client that
    hangs or refuses the certificate cannot hold up the accepting loop."""
    if identity is None:
        return request
    request.settimeout(5)
    try:
        return identity.context.wrap_socket(request, server_side=True)
    except OSError:
        return None


class _ImapHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Penguin test IMAP ready\r\n")
        for raw in self.rfile:
            tag, _, command = raw.decode("ascii", "replace").strip().partition(" ")
            if command.upper() == "LOGOUT":
                self.wfile.write(f"* BYE logging out\r\n{tag} OK LOGOUT completed\r\n".encode())
                return
            self.wfile.write(f"{tag} BAD unknown command\r\n".encode())


class _ImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, identity: TlsIdentity | None) -> None:
        self.identity = identity
        super().__init__((HOST, free_port()), _ImapHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        secured = _secure(request, self.identity)
        if secured is not None:
            super().finish_request(secured, client_address)


class _AdminHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"PenguinMails test admin\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


class _HttpsServer(ThreadingHTTPServer):
    def __init__(self, identity: TlsIdentity | None) -> None:
        self.identity = identity
        super().__init__((HOST, free_port()), _AdminHandler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        secured = _secure(request, self.identity)
        if secured is not None:
            super().finish_request(secured, client_address)


@contextmanager
def _serving(server: socketserver.TCPServer) -> Iterator[Listening]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Listening(HOST, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def running_imaps(identity: TlsIdentity | None) -> AbstractContextManager[Listening]:
    """An IMAP server with implicit TLS (plain text when `identity` is None)."""
    return _serving(_ImapServer(identity))


def running_https(identity: TlsIdentity | None) -> AbstractContextManager[Listening]:
    """The admin endpoint: GET / answers 200 over TLS (plain HTTP when `identity` is None)."""
    return _serving(_HttpsServer(identity))


@contextmanager
def silent_listener() -> Iterator[Listening]:
    """A port that accepts connections (the kernel completes them) but never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        sock.listen(8)
        yield Listening(HOST, sock.getsockname()[1])
