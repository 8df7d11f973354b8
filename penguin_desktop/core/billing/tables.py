"""Billing's tables: a local mirror of the agency's Stripe account, and the agency's own billing
state beside it (the connection, the sync's position, links to workspaces, MRR history, refund
requests, feature-flag overrides).

Stripe objects keep Stripe's ids as primary keys, so a sync writes each object by upsert and a
sync run twice, or killed and run again, ends with the same rows. Stripe times stay Unix
seconds as Stripe sends them; `month` ("2026-11", UTC) is kept beside the money rows so that
monthly figures are one GROUP BY on any database. Stripe tables name each other by id without
foreign keys: events and pages arrive in any order (an invoice before its customer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow

ID = 255


class BillingAccountRow(Base):
    """The one Stripe connection (id 1): where the key is kept, which account it opened, and
    where the sync stands. `sync_resource`/`sync_after` are the full sync's bookmark: the list
    being paged and the last id written, so a killed sync resumes there."""

    __tablename__ = "billing_account"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_backend: Mapped[str] = mapped_column(String(16))
    api_base: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    account_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_backend: Mapped[str | None] = mapped_column(String(16), nullable=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    full_sync_done: Mapped[bool] = mapped_column(Boolean, default=False)
    sync_resource: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sync_after: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    # The newest event applied or seen: the next incremental sync asks for the ones after it.
    event_cursor: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_sync_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_sync_requests: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_sync_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class CustomerRow(Base):
    """A Stripe customer and, when linked, its client workspace (`link`: metadata or manual)."""

    __tablename__ = "stripe_customers"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    delinquent: Mapped[bool] = mapped_column(Boolean, default=False)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="SET NULL"), nullable=True
    )
    link: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (Index("ix_stripe_customers_ws", "workspace_id"),)


class ProductRow(Base):
    __tablename__ = "stripe_products"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")


class PlanRow(Base):
    """A Stripe plan (a recurring price, as the Plans API shows every recurring price)."""

    __tablename__ = "stripe_plans"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    product: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    nickname: Mapped[str | None] = mapped_column(String(255), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    interval: Mapped[str] = mapped_column(String(8), default="month")
    interval_count: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    created: Mapped[int] = mapped_column(BigInteger, default=0)


class SubscriptionRow(Base):
    """A subscription as last seen; `mrr` is its monthly value in minor units, worked out when
    the row was written (0 while trialing, canceled or incomplete)."""

    __tablename__ = "stripe_subscriptions"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer: Mapped[str] = mapped_column(String(ID))
    status: Mapped[str] = mapped_column(String(24))
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    start_date: Mapped[int] = mapped_column(BigInteger, default=0)
    canceled_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    ended_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    trial_end: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    current_period_end: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    percent_off: Mapped[float | None] = mapped_column(Float, nullable=True)
    amount_off: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    discount_end: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    mrr: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (
        Index("ix_stripe_subscriptions_customer", "customer"),
        Index("ix_stripe_subscriptions_status", "status"),
    )


class SubscriptionItemRow(Base):
    __tablename__ = "stripe_subscription_items"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    subscription: Mapped[str] = mapped_column(String(ID))
    plan: Mapped[str] = mapped_column(String(ID))
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_stripe_items_subscription", "subscription"),)


class InvoiceRow(Base):
    __tablename__ = "stripe_invoices"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    subscription: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    total: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_due: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_remaining: Mapped[int] = mapped_column(BigInteger, default=0)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_payment_attempt: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    invoice_pdf: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    charge: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    month: Mapped[str] = mapped_column(String(7), default="")

    __table_args__ = (
        Index("ix_stripe_invoices_customer", "customer"),
        Index("ix_stripe_invoices_month", "month", "currency"),
    )


class ChargeRow(Base):
    """A charge; a failed one keeps its decline (`failure_code`, the issuer's `decline_code`,
    and Stripe's sentence)."""

    __tablename__ = "stripe_charges"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    invoice: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    payment_intent: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    refunded: Mapped[bool] = mapped_column(Boolean, default=False)
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decline_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    month: Mapped[str] = mapped_column(String(7), default="")

    __table_args__ = (
        Index("ix_stripe_charges_customer", "customer"),
        # Covering: the monthly payment figures are read from the index alone.
        Index("ix_stripe_charges_month", "month", "currency", "status", "amount"),
    )


class PaymentIntentRow(Base):
    __tablename__ = "stripe_payment_intents"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    customer: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    invoice: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(32), default="")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[int] = mapped_column(BigInteger, default=0)


class RefundRow(Base):
    __tablename__ = "stripe_refunds"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    charge: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="usd")
    status: Mapped[str] = mapped_column(String(24), default="succeeded")
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    month: Mapped[str] = mapped_column(String(7), default="")

    __table_args__ = (
        Index("ix_stripe_refunds_charge", "charge"),
        Index("ix_stripe_refunds_month", "month", "currency"),
    )


class EventRow(Base):
    """A Stripe event applied once: the sync and the webhook both insert here first, in the
    transaction that applies the event, so a second copy finds its id taken and does nothing."""

    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    created: Mapped[int] = mapped_column(BigInteger, default=0)
    source: Mapped[str] = mapped_column(String(16))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MrrLogRow(Base):
    """A subscription's MRR from `at` (Unix seconds) on; a row is written only when the value
    changes. MRR movements are read from here; `source` names the event or sync it came from."""

    __tablename__ = "billing_mrr_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription: Mapped[str] = mapped_column(String(ID))
    customer: Mapped[str] = mapped_column(String(ID))
    currency: Mapped[str] = mapped_column(String(3))
    at: Mapped[int] = mapped_column(BigInteger)
    mrr: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(ID))

    __table_args__ = (
        Index("ix_billing_mrr_log_sub", "subscription", "at"),
        Index("ix_billing_mrr_log_at", "at"),
    )


class RefundRequestRow(Base):
    """One refund asked for, keyed by its idempotency key, written before Stripe is called:
    a second request with the key returns the first one's refund instead of refunding again."""

    __tablename__ = "billing_refund_requests"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    charge: Mapped[str] = mapped_column(String(ID))
    amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refund_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class FlagOverrideRow(Base):
    """A feature flag turned on or off for one workspace, whatever its plan says."""

    __tablename__ = "billing_flag_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (UniqueConstraint("workspace_id", "flag", name="ux_billing_flag_ws"),)
