"""The conversations a probe holds: TCP, the greeting, EHLO, STARTTLS or implicit TLS, and
an HTTP GET, each step bounded by one deadline and recorded in a `Seen` for the verdict.

The protocols are spoken over a plain socket rather than through `smtplib`/`imaplib` because
those verify the certificate against the address connected to, not the name the certificate
must carry, and give no way to bound the whole conversation by one deadline.
"""

from __future__ import annotations

import http.client
import re
import socket
import ssl
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field

from penguin_desktop.core.monitoring.models import CheckKind, ServiceTarget, TlsMode

# The name we greet SMTP servers with: we never send mail, so it is only ever logged.
EHLO_NAME = "monitor.penguinmails.invalid"
USER_AGENT = "PenguinMails-monitor"
_MAX_LINE = 8192
_MAX_REPLY_LINES = 100


class Unexpected(Exception):
    """The peer answered, but not as its protocol says; `sentence` is the user's message."""

    def __init__(self, sentence: str, *, reachable: bool) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.reachable = reachable


class Deadline:
    """The probe's one time budget, so a slow step cannot stretch it past `target.timeout`."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self._end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the probe's time is up")
        return remaining


@dataclass
class Seen:
    """What one conversation showed, filled in as it goes; `phase` says where a failure hit."""

    where: str
    started: float = field(default_factory=time.monotonic)
    phase: str = "connect"
    latency_ms: float | None = None
    der: bytes | None = None
    tls_version: str | None = None
    starttls_offered: bool | None = None
    auth: tuple[str, ...] | None = None
    http_status: int | None = None
    http_reason: str = ""
    details: list[str] = field(default_factory=list)
    error: OSError | Unexpected | None = None

    def answered(self, what: str) -> None:
        """The first answer; latency stops here unless a TLS handshake follows it."""
        if self.latency_ms is None:
            self.latency_ms = (time.monotonic() - self.started) * 1000
        self.details.append(what[:200])

    def secured(self, sock: ssl.SSLSocket) -> None:
        self.latency_ms = (time.monotonic() - self.started) * 1000
        self.tls_version = sock.version()
        self.der = sock.getpeercert(binary_form=True)
        cipher = sock.cipher()
        self.details.append(f"TLS: {self.tls_version} {cipher[0] if cipher else ''}".strip())


class _Channel:
    """A connection read line by line, every wait bounded by what is left of the deadline."""

    def __init__(self, sock: socket.socket, deadline: Deadline, seen: Seen) -> None:
        self.sock = sock
        self._deadline = deadline
        self._seen = seen
        self._buffer = b""

    def arm(self) -> socket.socket:
        self.sock.settimeout(self._deadline.left())
        return self.sock

    def send(self, line: str) -> None:
        self.arm().sendall(line.encode("ascii") + b"\r\n")

    def read_line(self) -> str:
        while b"\n" not in self._buffer:
            if len(self._buffer) > _MAX_LINE:
                raise Unexpected(
                    f"{self._seen.where} sent a line longer than {_MAX_LINE} bytes during the "
                    f"{self._seen.phase}: is this port serving the expected protocol?",
                    reachable=False,
                )
            chunk = self.arm().recv(4096)
            if not chunk:
                raise ConnectionAbortedError("closed by the peer")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def start_tls(self, context: ssl.SSLContext, server_name: str) -> None:
        if self._buffer:  # data sent ahead of the handshake could be injected in clear text
            raise Unexpected(
                f"{self._seen.where} sent data before the TLS handshake: "
                "check the service's TLS settings",
                reachable=True,
            )
        self._seen.phase = "TLS handshake"
        tls = context.wrap_socket(self.arm(), server_hostname=server_name)
        self.sock = tls
        self._seen.secured(tls)

    def goodbye(self, command: str) -> None:
        """Say goodbye politely if the service still listens; it is not part of the verdict."""
        with suppress(OSError):
            self.send(command)

    def close(self) -> None:
        with suppress(OSError):
            self.sock.close()


def converse(
    kind: CheckKind, target: ServiceTarget, context: ssl.SSLContext, deadline: Deadline
) -> Seen:
    """One conversation. A failure is kept in `seen.error`, not raised, so that it can be put
    in words with the phase it hit and what had been seen until then."""
    seen = Seen(where=f"{target.host}:{target.port}")
    channel: _Channel | None = None
    try:
        sock = socket.create_connection((target.host, target.port), timeout=deadline.left())
        channel = _Channel(sock, deadline, seen)
        if target.tls is TlsMode.IMPLICIT:
            channel.start_tls(context, target.server_name)
        DIALOGS[kind](channel, target, context, seen)
    except (OSError, Unexpected) as error:
        seen.error = error
    finally:
        if channel is not None:
            channel.close()
    return seen


def _smtp(channel: _Channel, target: ServiceTarget, context: ssl.SSLContext, seen: Seen) -> None:
    seen.phase = "greeting"
    code, lines = _smtp_reply(channel, seen)
    seen.answered(f"greeting: {code} {lines[0]}")
    if code != 220:
        raise Unexpected(
            f"{seen.where} greeted with {code} {lines[0]!r} instead of 220: "
            "it is turning connections away; check its log",
            reachable=True,
        )
    features = _ehlo(channel, seen)
    if target.tls is TlsMode.STARTTLS:
        seen.starttls_offered = "STARTTLS" in features
        if not seen.starttls_offered:
            seen.details.append("STARTTLS: not offered")
            channel.goodbye("QUIT")
            return
        seen.phase = "STARTTLS"
        channel.send("STARTTLS")
        code, lines = _smtp_reply(channel, seen)
        if code != 220:
            raise Unexpected(
                f"{seen.where} offers STARTTLS but answered {code} {lines[0]!r} to it: "
                "check the TLS settings in the service's log",
                reachable=True,
            )
        channel.start_tls(context, target.server_name)
        features = _ehlo(channel, seen)
    auth = features.get("AUTH")
    seen.auth = tuple(auth.split()) if auth is not None else ()
    seen.details.append(f"AUTH: {' '.join(seen.auth) or 'not offered'}")
    channel.goodbye("QUIT")


def _smtp_reply(channel: _Channel, seen: Seen) -> tuple[int, list[str]]:
    """One reply, possibly multi-line: its code and the text of each line."""
    lines: list[str] = []
    while len(lines) < _MAX_REPLY_LINES:
        line = channel.read_line()
        if len(line) < 3 or not line[:3].isdigit():
            raise Unexpected(
                f"{seen.where} answered {line[:80]!r}, which is not SMTP: "
                "is this port serving mail?",
                reachable=False,
            )
        lines.append(line[4:])
        if line[3:4] != "-":
            return int(line[:3]), lines
    raise Unexpected(
        f"{seen.where} sent a reply of over {_MAX_REPLY_LINES} lines: check the service",
        reachable=True,
    )


def _ehlo(channel: _Channel, seen: Seen) -> dict[str, str]:
    """The extensions offered, by keyword (`AUTH=PLAIN` as old servers write it included)."""
    seen.phase = "EHLO"
    channel.send(f"EHLO {EHLO_NAME}")
    code, lines = _smtp_reply(channel, seen)
    if code != 250:
        raise Unexpected(
            f"{seen.where} refused EHLO with {code} {lines[0]!r}: check the service's log",
            reachable=True,
        )
    features: dict[str, str] = {}
    for line in lines[1:]:
        keyword, *params = re.split(r"[ =]", line.strip(), maxsplit=1)
        features[keyword.upper()] = params[0] if params else ""
    return features


def _imap(channel: _Channel, target: ServiceTarget, context: ssl.SSLContext, seen: Seen) -> None:
    seen.phase = "greeting"
    line = channel.read_line()
    seen.answered(f"greeting: {line}")
    if line.startswith("* BYE"):
        raise Unexpected(
            f"{seen.where} turned the connection away ({line[:80]!r}): check its log",
            reachable=True,
        )
    if not line.startswith(("* OK", "* PREAUTH")):
        raise Unexpected(
            f"{seen.where} answered {line[:80]!r}, which is not IMAP: is this port serving IMAP?",
            reachable=False,
        )
    if target.tls is TlsMode.STARTTLS:
        seen.phase = "STARTTLS"
        channel.send("a1 STARTTLS")
        while not (reply := channel.read_line()).startswith("a1 "):
            continue
        seen.starttls_offered = reply.startswith("a1 OK")
        if not seen.starttls_offered:
            seen.details.append(f"STARTTLS: not offered ({reply[3:80]})")
            channel.goodbye("a2 LOGOUT")
            return
        channel.start_tls(context, target.server_name)
    channel.goodbye("a2 LOGOUT")


def _http(channel: _Channel, target: ServiceTarget, context: ssl.SSLContext, seen: Seen) -> None:
    """GET / with the certificate's name as Host; any answer below 500 means it is up."""
    seen.phase = "HTTP request"
    connection = http.client.HTTPConnection(target.host, target.port)
    connection.sock = channel.arm()
    host = target.server_name if target.port in (80, 443) else f"{target.server_name}:{target.port}"
    headers = {"Host": host, "User-Agent": USER_AGENT, "Connection": "close"}
    try:
        connection.request("GET", "/", headers=headers)
        response = connection.getresponse()
    except http.client.RemoteDisconnected as error:
        raise ConnectionAbortedError(str(error)) from error
    except http.client.HTTPException as error:
        raise Unexpected(
            f"{seen.where} did not answer in HTTP ({type(error).__name__}): "
            "is this port serving the admin endpoint?",
            reachable=False,
        ) from error
    seen.http_status, seen.http_reason = response.status, response.reason
    seen.answered(f"HTTP: {response.status} {response.reason}")
    if server := response.getheader("Server"):
        seen.details.append(f"server: {server}")
    response.close()


_Dialog = Callable[[_Channel, ServiceTarget, ssl.SSLContext, Seen], None]
DIALOGS: dict[CheckKind, _Dialog] = {
    CheckKind.SMTP: _smtp,
    CheckKind.SUBMISSION: _smtp,
    CheckKind.SMTPS: _smtp,
    CheckKind.IMAPS: _imap,
    CheckKind.HTTPS: _http,
}
