"""SMTP and IMAP sessions with a sending mailbox: checking its credentials, and finding what it
sent (the Sent folder). Reading its inbox for replies and bounces lives in `inbox`.

Passwords come in as arguments for one call and are never kept: not on `MailServer`, not in
an error message (server answers are scrubbed of them too, in case a server echoes input).
Every failure becomes a `PenguinError` naming the server, port and what went wrong, so the
faces can show it as it is.
"""

from __future__ import annotations

import imaplib
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from penguin_desktop.core.platform.errors import (
    CredentialRefused,
    ExternalServiceError,
    PenguinError,
    ValidationError,
)

SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent")
# LIST reply: (flags) delimiter name; the name quoted, an atom, or (as a literal) elsewhere.
_LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\)\s+(?:"(?:[^"\\]|\\.)*"|NIL)\s*(?P<name>.*)', re.S)
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


class Tls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    IMPLICIT = "implicit"


@dataclass(frozen=True)
class MailServer:
    """Where a mailbox lives and who logs in; the password travels separately."""

    host: str
    port: int
    tls: Tls
    user: str


class MailLoginRefused(CredentialRefused):
    """The mail server said no to the user and password: the agency has to fix the password
    it holds, so this is told apart from an unreachable server."""


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Full verification (chain and host name) always; `ca_file` is for an agency whose mail
    server uses its own CA, and replaces the system store rather than widening it."""
    return ssl.create_default_context(cafile=ca_file)


def check_smtp(
    server: MailServer, password: str, *, ca_file: str | None = None, timeout: float = 15
) -> str:
    """Log in and out without sending, so a wrong password or port shows before a campaign."""
    with _translated("SMTP", server, password):
        client = _smtp_connect(server, tls_context(ca_file), timeout)
        try:
            try:
                client.login(server.user, password)
            except smtplib.SMTPAuthenticationError as exc:
                raise _refused("SMTP", server, _smtp_text(exc), password) from None
            except smtplib.SMTPNotSupportedError:
                raise ExternalServiceError(
                    f"SMTP {_where(server)} does not offer AUTH"
                    + (" before STARTTLS" if server.tls is Tls.NONE else "")
                    + ": use the submission port with TLS"
                ) from None
            client.quit()
        finally:
            client.close()
    return f"SMTP {_where(server)} {_tls_label(server.tls)}, logged in as {server.user}"


def check_imap(
    server: MailServer, password: str, *, ca_file: str | None = None, timeout: float = 15
) -> str:
    """Log in and out without touching a folder."""
    with (
        open_imap(server, password, ca_file=ca_file, timeout=timeout) as imap,
        _translated("IMAP", server, password),
    ):
        imap.logout()
    return f"IMAP {_where(server)} {_tls_label(server.tls)}, logged in as {server.user}"


def open_imap(
    server: MailServer, password: str, *, ca_file: str | None = None, timeout: float = 30
) -> imaplib.IMAP4:
    """A logged-in session; use it as a context manager (`with open_imap(...) as imap`),
    which logs out. Errors after this call are imaplib's: wrap work in `imap_errors`."""
    with _translated("IMAP", server, password):
        context = tls_context(ca_file)
        imap: imaplib.IMAP4
        if server.tls is Tls.IMPLICIT:
            imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=context, timeout=timeout)
        else:
            imap = imaplib.IMAP4(server.host, server.port, timeout=timeout)
        try:
            if server.tls is Tls.STARTTLS:
                imap.starttls(ssl_context=context)
            try:
                imap.login(server.user, password)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise _refused("IMAP", server, _imap_text(exc), password) from None
        except BaseException:
            imap.shutdown()
            raise
    return imap


@contextmanager
def imap_errors(server: MailServer, password: str) -> Iterator[None]:
    """Turn what imaplib and the socket raise during a session into an ExternalServiceError."""
    with _translated("IMAP", server, password):
        yield


def sent_folder(imap: imaplib.IMAP4) -> str:
    """Servers name the Sent folder differently (and localize it); the special-use flag is the
    reliable sign, the usual names the fallback for servers without RFC 6154."""
    status, data = imap.list()
    if status != "OK":
        raise ExternalServiceError(f"the IMAP server refused to list folders: {data!r}")
    names: list[str] = []
    for flags, name in _list_entries(data):
        if "\\sent" in flags.lower().split():
            return name
        names.append(name)
    for candidate in SENT_NAMES:
        if candidate in names:
            return candidate
    raise ExternalServiceError(
        "the mailbox has no Sent folder: none is marked \\Sent and none is named "
        + ", ".join(f'"{name}"' for name in SENT_NAMES)
    )


def find_in_sent(
    server: MailServer,
    password: str,
    message_ids: Sequence[str],
    *,
    ca_file: str | None = None,
) -> set[str]:
    """Which messages the server really filed as sent (proof a campaign mail left), all in
    one session: one SEARCH per Message-ID, in the Sent folder opened read-only."""
    for message_id in message_ids:
        if not _PRINTABLE.fullmatch(message_id):
            raise ValidationError(
                f"not a Message-ID: {message_id!r}", field="message_id", value=message_id
            )
    found: set[str] = set()
    with open_imap(server, password, ca_file=ca_file) as imap, imap_errors(server, password):
        folder = sent_folder(imap)
        status, data = imap.select(quote(folder), readonly=True)
        if status != "OK":
            raise ExternalServiceError(f'IMAP {_where(server)} cannot open "{folder}": {data!r}')
        for message_id in message_ids:
            status, data = imap.uid("SEARCH", "HEADER", "Message-ID", quote(message_id))
            if status == "OK" and data and data[0] and data[0].split():
                found.add(message_id)
        imap.logout()
    return found


def quote(text: str) -> str:
    """An IMAP quoted string: imaplib sends arguments as they are."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list_entries(data: Sequence[object]) -> Iterator[tuple[str, str]]:
    """(flags, folder name) per LIST line; a name sent as a literal arrives as a tuple."""
    for item in data:
        line, literal = (item[0], item[1]) if isinstance(item, tuple) else (item, None)
        if not isinstance(line, bytes):
            continue
        match = _LIST_LINE.match(line)
        if match is None:
            continue
        raw = literal if isinstance(literal, bytes) else match["name"].strip()
        name = raw.decode("utf-8", "replace")
        if name.startswith('"') and name.endswith('"') and len(name) >= 2:
            name = re.sub(r"\\(.)", r"\1", name[1:-1])
        yield match["flags"].decode("ascii", "replace"), name


def _smtp_connect(server: MailServer, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    client: smtplib.SMTP
    if server.tls is Tls.IMPLICIT:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    try:
        client.ehlo()
        if server.tls is Tls.STARTTLS:
            if not client.has_extn("starttls"):
                raise ExternalServiceError(f"SMTP {_where(server)} does not offer STARTTLS")
            client.starttls(context=context)
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client


@contextmanager
def _translated(protocol: str, server: MailServer, password: str) -> Iterator[None]:
    """One sentence per way a connection fails, naming the server and never the password."""
    where = f"{protocol} {_where(server)}"
    try:
        yield
    except PenguinError:
        raise
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or str(exc)
        raise ExternalServiceError(
            f"{where}: TLS certificate rejected: certificate verify failed: {reason}"
        ) from None
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        raise ExternalServiceError(f"{where}: TLS handshake failed: {reason}") from None
    except ConnectionRefusedError:
        raise ExternalServiceError(
            f"{where}: connection refused: is the mail server running and the port open?"
        ) from None
    except TimeoutError:
        raise ExternalServiceError(f"{where}: no answer in time (timed out)") from None
    except socket.gaierror as exc:
        raise ExternalServiceError(f"{where}: cannot resolve {server.host}: {exc}") from None
    except smtplib.SMTPException as exc:
        text = _scrub(_smtp_text(exc), password)
        raise ExternalServiceError(f"{where}: unexpected answer: {text}") from None
    except imaplib.IMAP4.error as exc:
        text = _scrub(_imap_text(exc), password)
        raise ExternalServiceError(f"{where}: unexpected answer: {text}") from None
    except OSError as exc:
        text = _scrub(exc.strerror or str(exc), password)
        raise ExternalServiceError(f"{where}: connection failed: {text}") from None


def _refused(protocol: str, server: MailServer, answer: str, password: str) -> MailLoginRefused:
    return MailLoginRefused(
        f"{protocol} {_where(server)} refused the login of {server.user}: "
        f"{_scrub(answer, password)}",
        field="password",
    )


def _smtp_text(exc: smtplib.SMTPException) -> str:
    error = getattr(exc, "smtp_error", None)
    if isinstance(error, bytes):
        return f"{getattr(exc, 'smtp_code', '')} {error.decode('utf-8', 'replace')}".strip()
    return str(exc)


def _imap_text(exc: imaplib.IMAP4.error) -> str:
    arg = exc.args[0] if exc.args else ""
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)


def _scrub(text: str, password: str) -> str:
    one_line = " ".join(text.split())[:300]
    return one_line.replace(password, "***") if password else one_line


def _where(server: MailServer) -> str:
    return f"{server.host}:{server.port}"


def _tls_label(tls: Tls) -> str:
    return {Tls.NONE: "without TLS", Tls.STARTTLS: "STARTTLS", Tls.IMPLICIT: "implicit TLS"}[tls]
