"""Mailboxes as the faces see them; passwords stay in the secret store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from penguin_desktop.core.mailboxes.mailconn import MailServer


@dataclass(frozen=True)
class MailboxInfo:
    """A mailbox and how mail clients reach it; the password stays in the secret store."""

    workspace: str
    server: str
    email: str
    enabled: bool
    quota_mb: int | None
    password_secret: str
    smtp_host: str
    smtp_port: int  # submission with STARTTLS
    imap_host: str
    imap_port: int  # IMAPS
    created_at: datetime


@dataclass(frozen=True)
class SendingLimits:
    """How fast one mailbox may send (shared by every campaign using it) and whether it is
    paused and why; the warm-up ramp starts at `warmup_start` a day on `warmup_since` and adds
    `warmup_step` a day up to `daily_limit` (None: no ramp)."""

    workspace: str
    email: str
    daily_limit: int
    min_gap_seconds: int
    warmup_start: int | None
    warmup_step: int
    warmup_since: datetime | None
    bounce_threshold: float
    paused_at: datetime | None
    pause_reason: str | None


@dataclass(frozen=True)
class OutsideMailboxInfo:
    """A mailbox hosted elsewhere that campaigns send through; its password only named."""

    workspace: str
    email: str
    smtp: MailServer
    imap: MailServer | None
    password_secret: str
    created_at: datetime
    limits: SendingLimits

    @property
    def smtp_text(self) -> str:
        return f"{self.smtp.host}:{self.smtp.port} {self.smtp.tls}"

    @property
    def imap_text(self) -> str:
        return f"{self.imap.host}:{self.imap.port} {self.imap.tls}" if self.imap else "-"

    @property
    def daily_limit(self) -> int:
        return self.limits.daily_limit

    @property
    def pause_reason(self) -> str:
        return self.limits.pause_reason or ""


@dataclass(frozen=True)
class SendingAccount:
    """Everything the send engine needs about one mailbox (MailU or outside), read in bulk."""

    workspace: str
    email: str
    kind: str  # "mailu" or "outside"
    smtp: MailServer
    imap: MailServer | None
    password_secret: str
    enabled: bool
    limits: SendingLimits
