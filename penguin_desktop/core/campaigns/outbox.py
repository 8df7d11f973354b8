"""SMTP out: one open connection per mailbox, reused for every message of a pass, and each
failure sorted by what it means for the ledger.

The conversation is driven step by step (MAIL, RCPT, then DATA) rather than through
`sendmail`, because the ledger must know whether DATA had begun: a failure before it means the
message certainly did not go (the reservation is released), a connection lost during it means
nobody knows (the row becomes `unknown` and is never sent again by itself)."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage

from penguin_desktop.core.mailboxes import MailServer, Tls, tls_context


class SendFailure(Exception):
    """`kind`: login (the mailbox's credentials or TLS were refused), connect, temporary (4xx,
    try later), permanent (5xx for this recipient: a hard bounce), rejected (5xx for the
    sender or the message), unclear (lost during DATA)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind, self.detail = kind, detail[:300]

    @property
    def before_data(self) -> bool:
        return self.kind != "unclear"


def _text(exc: smtplib.SMTPResponseException) -> str:
    message = exc.smtp_error
    words = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    return f"{exc.smtp_code} {' '.join(words.split())}"


@dataclass
class Outbox:
    ca_file: str | None = None
    timeout: float = 30
    local_name: str | None = None
    _open: dict[str, smtplib.SMTP] = field(default_factory=dict)

    def _connect(self, server: MailServer, password: str) -> smtplib.SMTP:
        where = f"{server.host}:{server.port}"
        try:
            if server.tls is Tls.IMPLICIT:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    server.host, server.port, local_hostname=self.local_name,
                    timeout=self.timeout, context=tls_context(self.ca_file),
                )  # fmt: skip
            else:
                conn = smtplib.SMTP(
                    server.host, server.port, local_hostname=self.local_name, timeout=self.timeout
                )
                if server.tls is Tls.STARTTLS:
                    conn.starttls(context=tls_context(self.ca_file))
            if password and server.user:
                conn.login(server.user, password)
            return conn
        except smtplib.SMTPAuthenticationError as exc:
            raise SendFailure("login", f"SMTP login refused at {where}: {_text(exc)}") from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise SendFailure("login", f"TLS with {where} failed: {exc}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise SendFailure("login", f"{where} does not offer what is needed: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailure("connect", f"cannot reach {where}: {exc}") from None

    def send(
        self, server: MailServer, password: str, sender: str, recipient: str, msg: EmailMessage
    ) -> None:
        key = f"{server.user}@{server.host}:{server.port}"
        conn = self._open.get(key)
        if conn is None:
            conn = self._open[key] = self._connect(server, password)
        try:
            self._envelope(conn, sender, recipient)
        except SendFailure:
            self._reset(key)
            raise
        except (OSError, smtplib.SMTPServerDisconnected):
            self._drop(key)
            conn = self._open[key] = self._connect(server, password)
            self._envelope(conn, sender, recipient)
        try:
            code, reply = conn.data(msg.as_bytes())
        except smtplib.SMTPResponseException as exc:
            self._reset(key)
            kind = "temporary" if 400 <= exc.smtp_code < 500 else "rejected"
            raise SendFailure(kind, f"message refused: {_text(exc)}") from None
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self._drop(key)
            raise SendFailure("unclear", f"connection lost during DATA: {exc}") from None
        if code != 250:
            self._reset(key)
            raise SendFailure("rejected", f"message refused: {code} {reply!r}")

    @staticmethod
    def _envelope(conn: smtplib.SMTP, sender: str, recipient: str) -> None:
        code, reply = conn.mail(sender)
        if code != 250:
            kind = "temporary" if 400 <= code < 500 else "rejected"
            raise SendFailure(kind, f"sender refused: {code} {reply.decode(errors='replace')}")
        code, reply = conn.rcpt(recipient)
        if code not in (250, 251):
            kind = "temporary" if 400 <= code < 500 else "permanent"
            raise SendFailure(kind, f"recipient refused: {code} {reply.decode(errors='replace')}")

    def _reset(self, key: str) -> None:
        conn = self._open.get(key)
        if conn is None:
            return
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop(key)

    def _drop(self, key: str) -> None:
        conn = self._open.pop(key, None)
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        for key, conn in list(self._open.items()):
            with contextlib.suppress(OSError, smtplib.SMTPException):
                conn.quit()
            self._open.pop(key, None)
