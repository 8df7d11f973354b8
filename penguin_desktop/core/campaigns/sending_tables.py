"""Campaigns' sending tables: campaigns, their mailboxes, steps and A/B variants, each lead's
place in a campaign, the send ledger, the tallies of held and blocked sends, the engines that
are running, and where each mailbox's inbox was last read.

The ledger (`campaign_sends`) is what makes a send happen once: its unique (campaign, step,
lead) row, with the Message-ID, is committed before SMTP DATA, so no engine, crashed or not,
can send that step to that lead again. Its (sender, reserved_at) index answers the sliding
24-hour caps. Times are UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow

EMAIL = 320


class CampaignRow(Base):
    """`window_days` is a bit mask (Monday = 1 ... Sunday = 64), `window_start`/`window_end`
    minutes of the day; `timezone` an IANA zone or "lead" (the lead's country's zone)."""

    __tablename__ = "campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(128))
    list_id: Mapped[int] = mapped_column(ForeignKey("lead_lists.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    window_days: Mapped[int] = mapped_column(Integer, default=31)
    window_start: Mapped[int] = mapped_column(Integer, default=9 * 60)
    window_end: Mapped[int] = mapped_column(Integer, default=17 * 60)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    daily_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    recipient_domain_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stop_on_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="ux_campaigns_ws_name"),)


class CampaignMailboxRow(Base):
    """A mailbox the campaign rotates over, by address (a MailU or an outside mailbox)."""

    __tablename__ = "campaign_mailboxes"
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(EMAIL), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CampaignStepRow(Base):
    """`delay_days` are business days after the previous step (the first step's: after the
    campaign starts)."""

    __tablename__ = "campaign_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    delay_days: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("campaign_id", "position", name="ux_campaign_steps_position"),
    )


class StepVariantRow(Base):
    __tablename__ = "campaign_variants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("campaign_steps.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (UniqueConstraint("step_id", "name", name="ux_campaign_variants_name"),)


class CampaignLeadRow(Base):
    """A lead's place in a campaign: the next step (`step` counts from 0), when it is due,
    the mailbox that wrote to it first (follow-ups keep it), and the last thing that held or
    stopped it, in words."""

    __tablename__ = "campaign_leads"
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(12), default="active")
    step: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sender: Mapped[str | None] = mapped_column(String(EMAIL), nullable=True)
    held_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (Index("ix_campaign_leads_due", "campaign_id", "state", "due_at"),)


class SendRow(Base):
    """The ledger. `status`: sending (reserved, DATA may be under way), sent, failed (the
    server refused it), unknown (a crash left it unclear; the user decides). `token` is the
    random half of the lead's unsubscribe link."""

    __tablename__ = "campaign_sends"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("campaign_steps.id", ondelete="CASCADE"))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), nullable=True
    )
    variant: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(EMAIL))
    recipient_domain: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="sending")
    engine: Mapped[str] = mapped_column(String(96))
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    detail: Mapped[str | None] = mapped_column(String(300), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    complained_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("campaign_id", "step_id", "lead_id", name="ux_campaign_sends_once"),
        Index("ix_campaign_sends_sender", "sender", "reserved_at"),
        Index("ix_campaign_sends_campaign", "campaign_id", "reserved_at"),
    )


class HoldTallyRow(Base):
    """How many times a step's sends were deferred by a limit or blocked by a rule, and when
    last: the results' "deferred (by limit)" and "blocked (by rule)"."""

    __tablename__ = "campaign_holds"
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    reason: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SendEngineRow(Base):
    """A running send engine: its `sending` rows are its own while it beats."""

    __tablename__ = "send_engines"
    token: Mapped[str] = mapped_column(String(96), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxCursorRow(Base):
    """Where the last read of a mailbox's inbox (replies, bounces, mailto unsubscribes) ended."""

    __tablename__ = "inbox_cursors"
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(EMAIL), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(Integer, default=0)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
