"""Mailboxes on MailU servers and mailboxes hosted elsewhere, and how fast each may send;
their passwords live in the secret store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow


class MailboxRow(Base):
    """A MailU user (mailbox) on one of the workspace's servers; its password only as a secret
    reference."""

    __tablename__ = "mailboxes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    quota_mb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    password_secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_mailboxes_ws_email", "workspace_id", "email", unique=True),)


class OutsideMailboxRow(Base):
    """A mailbox hosted elsewhere (Google Workspace, Microsoft 365, any SMTP/IMAP host) that
    campaigns send through; one password, as a secret reference, for both logins. `tls`:
    none, starttls or implicit."""

    __tablename__ = "outside_mailboxes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    smtp_host: Mapped[str] = mapped_column(String(255))
    smtp_port: Mapped[int] = mapped_column(Integer)
    smtp_tls: Mapped[str] = mapped_column(String(10))
    smtp_user: Mapped[str] = mapped_column(String(320))
    imap_host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    imap_port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    imap_tls: Mapped[str | None] = mapped_column(String(10), nullable=True)
    imap_user: Mapped[str | None] = mapped_column(String(320), nullable=True)
    password_secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_outside_mailboxes_ws_email", "workspace_id", "email", unique=True),)


class SendingLimitRow(Base):
    """How fast one mailbox (MailU or outside, by address) may send, shared by every campaign
    that uses it, and whether it is paused and why. The warm-up ramp starts at `warmup_start`
    a day on `warmup_since` and adds `warmup_step` a day up to `daily_limit`; None: no ramp."""

    __tablename__ = "sending_limits"
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    daily_limit: Mapped[int] = mapped_column(Integer, default=50)
    min_gap_seconds: Mapped[int] = mapped_column(Integer, default=60)
    warmup_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    warmup_step: Mapped[int] = mapped_column(Integer, default=2)
    warmup_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bounce_threshold: Mapped[float] = mapped_column(Float, default=0.02)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pause_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)


class SendingDomainLimitRow(Base):
    """The daily cap of one sending domain over all its mailboxes."""

    __tablename__ = "sending_domain_limits"
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    daily_limit: Mapped[int] = mapped_column(Integer)
