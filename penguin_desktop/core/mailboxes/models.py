"""Mailboxes as the faces see them; passwords stay in the secret store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
