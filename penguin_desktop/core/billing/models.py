"""What billing hands the faces: frozen values, amounts always in the currency's minor unit
(cents) as Stripe counts them, currencies as Stripe's lower-case ISO codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SyncKind(enum.StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"


class LimitMode(enum.StrEnum):
    """What going over a plan's limit does: warn only, or refuse to create more."""

    WARN = "warn"
    BLOCK = "block"


@dataclass(frozen=True)
class ConnectionInfo:
    account_id: str | None
    account_name: str | None
    livemode: bool
    key_backend: str
    api_base: str
    api_base_from: str  # "environment", "setting" or "default"
    connected_at: datetime
    webhook_secret: bool


@dataclass(frozen=True)
class KeyTest:
    """What "Test connection" found: the account, and which lists the key may read (a
    restricted key may read some and not others)."""

    account_id: str | None
    account_name: str | None
    livemode: bool
    readable: tuple[str, ...]
    unreadable: tuple[str, ...]


@dataclass(frozen=True)
class SyncStatus:
    connected: bool
    account_name: str | None
    full_sync_done: bool
    resume_at: str | None  # the list a killed full sync resumes, if any
    last_sync_at: datetime | None
    last_sync_kind: str | None
    last_sync_requests: int | None
    last_sync_error: str | None
    counts: tuple[tuple[str, int], ...]
    unlinked_customers: int


@dataclass(frozen=True)
class SyncReport:
    kind: SyncKind
    requests: int
    written: int
    events_applied: int


@dataclass(frozen=True)
class CustomerInfo:
    id: str
    name: str | None
    email: str | None
    workspace: str | None
    link: str | None  # "metadata", "manual" or None
    metadata_workspace: str | None


@dataclass(frozen=True)
class Payment:
    """A charge (paid, failed or refunded) or a refund, for the payment history. A failed one
    carries the decline and, when its invoice will be retried, the next attempt."""

    kind: str  # "charge" or "refund"
    id: str
    created: datetime
    workspace: str | None
    customer: str | None
    customer_name: str | None
    amount: int
    currency: str
    status: str
    refunded: int
    failure: str | None
    decline_code: str | None
    next_retry: datetime | None
    invoice: str | None
    charge: str | None


@dataclass(frozen=True)
class InvoiceInfo:
    id: str
    number: str | None
    created: datetime
    workspace: str | None
    customer: str | None
    customer_name: str | None
    status: str
    currency: str
    total: int
    amount_paid: int
    amount_remaining: int
    attempt_count: int
    next_retry: datetime | None
    hosted_invoice_url: str | None
    invoice_pdf: str | None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    charge: str
    amount: int
    currency: str
    status: str
    repeated: bool  # the idempotency key had already refunded: nothing new was done


@dataclass(frozen=True)
class PlanLimits:
    max_domains: int | None
    max_mailboxes: int | None
    max_emails_month: int | None
    mode: LimitMode


@dataclass(frozen=True)
class PlanInfo:
    """A plan of the catalogue with what its metadata (or its product's) says. `problems` are
    metadata values that could not be read (a limit that is not a whole number counts as no
    limit), in words, so the agency can fix them in Stripe."""

    id: str
    name: str
    amount: int
    currency: str
    interval: str
    interval_count: int
    active: bool
    limits: PlanLimits
    features: tuple[str, ...]
    product: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class UsageLine:
    """One limited resource of a workspace: `used` None when it cannot be counted yet,
    `limit` None when the plan sets none."""

    resource: str  # "domains", "mailboxes", "emails_month"
    used: int | None
    limit: int | None

    @property
    def over(self) -> bool:
        return self.used is not None and self.limit is not None and self.used > self.limit

    @property
    def full(self) -> bool:
        return self.used is not None and self.limit is not None and self.used >= self.limit


@dataclass(frozen=True)
class WorkspacePlan:
    workspace: str
    plan: PlanInfo | None
    subscription: str | None
    subscription_status: str | None
    usage: tuple[UsageLine, ...]


@dataclass(frozen=True)
class FlagInfo:
    flag: str
    enabled: bool
    source: str  # "plan", "override" or "none" (not in the plan, no override: off)


@dataclass(frozen=True)
class CurrencyRevenue:
    """Today's figures in one currency."""

    currency: str
    mrr: int
    arr: int
    active_subscriptions: int
    paying_customers: int
    arpa: int


@dataclass(frozen=True)
class MonthFigures:
    """One calendar month (UTC) in one currency. `start_mrr` + new + expansion + reactivation
    - contraction - churn == `end_mrr` (contraction and churn are positive amounts lost)."""

    month: str  # "2026-11"
    currency: str
    start_mrr: int
    new: int
    expansion: int
    contraction: int
    churn: int
    reactivation: int
    end_mrr: int
    payments: int
    failed_payments: int
    failed_payment_rate: float | None
    collected: int
    refunds: int
    net_revenue: int
    net_revenue_retention: float | None


@dataclass(frozen=True)
class Revenue:
    as_of: datetime
    currencies: tuple[CurrencyRevenue, ...]
    months: tuple[MonthFigures, ...]
