"""A recording SMTP server for the send engine's tests: aiosmtpd on loopback accepting one
login, keeping every message it accepts (envelope and parsed headers), refusing the
recipients a test names (550 for good, 451 for later), optionally slow, and optionally
handing each accepted message on (to a Dovecot Sent folder, as Gmail or Microsoft 365 keep a
copy of what is submitted)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.campaigns.mail_servers import _Accounts
from tests.servers.common import free_port
from tests.servers.mail_tls import HOST


@dataclass(frozen=True)
class Received:
    sender: str
    recipient: str
    raw: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.raw, policy=default)


@dataclass
class Recorder:
    """What the server accepted; `refuse` maps a recipient to an SMTP reply for RCPT."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    on_message: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        answer = self.refuse.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.delay:
            time.sleep(self.delay)
        raw = envelope.original_content or b""
        for rcpt in envelope.rcpt_tos:
            got = Received(str(envelope.mail_from), rcpt.lower(), raw)
            with self.lock:
                self.received.append(got)
            if self.on_message is not None:
                self.on_message(got)
        return "250 OK queued"

    def recipients(self) -> list[str]:
        with self.lock:
            return [r.recipient for r in self.received]


@contextmanager
def recording_smtp(
    users: dict[str, str], recorder: Recorder | None = None
) -> Iterator[tuple[int, Recorder]]:
    """Plain-text SMTP with AUTH (loopback only): the port and the recorder."""
    kept = recorder or Recorder()
    controller = Controller(
        kept, hostname=HOST, port=free_port(), authenticator=_Accounts(users),
        auth_require_tls=False, data_size_limit=10 * 1024 * 1024,
    )  # fmt: skip
    controller.start()
    try:
        yield controller.port, kept
    finally:
        controller.stop()
