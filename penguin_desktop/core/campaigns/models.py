"""What campaigns' services hand out: frozen values, never ORM rows."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class LawfulBasis(enum.StrEnum):
    CONSENT = "consent"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONTRACT = "contract"


class SuppressionReason(enum.StrEnum):
    MANUAL = "manual"
    UNSUBSCRIBE = "unsubscribe"
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    ERASURE = "erasure"


class SuppressionKind(enum.StrEnum):
    ADDRESS = "address"
    DOMAIN = "domain"
    HASH = "hash"


@dataclass(frozen=True)
class Lead:
    id: int
    workspace: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    phone: str | None = None
    website: str | None = None
    country: str | None = None
    lawful_basis: str | None = None
    consent_source: str | None = None
    consent_at: str | None = None
    custom: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportReport:
    """One import's counts. imported + duplicates + invalid + suppressed == rows: `imported`
    are the rows added to the list (`existing` of them were leads of the workspace already,
    kept as they were), `duplicates` repeat an earlier row of the file or a lead already on the
    list, `needs_consent` imported leads the send engine will hold back (consent_blocks)."""

    workspace: str
    list: str
    rows: int
    imported: int
    duplicates: int
    invalid: int
    suppressed: int
    existing: int
    needs_consent: int
    reasons: dict[str, int]
    rejects_file: str | None
    encoding: str
    delimiter: str


@dataclass(frozen=True)
class ImportPreview:
    encoding: str
    delimiter: str
    mapping: dict[str, str]
    rows: list[dict[str, str]]


@dataclass(frozen=True)
class Suppression:
    id: int
    workspace: str | None
    kind: str
    value: str
    reason: str
    added_at: datetime
    added_by: str


@dataclass(frozen=True)
class ErasureResult:
    workspace: str
    found: bool
    hash: str
    lists: int


@dataclass(frozen=True)
class ComplianceInfo:
    workspace: str
    postal_address: str
    unsubscribe_url: str
    updated_at: datetime


@dataclass(frozen=True)
class ConsentCountry:
    country: str
    needs_consent: bool


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"


@dataclass(frozen=True)
class VariantInfo:
    name: str
    subject: str
    body_text: str
    body_html: str | None


@dataclass(frozen=True)
class StepInfo:
    position: int
    delay_days: int
    variants: tuple[VariantInfo, ...]


@dataclass(frozen=True)
class CampaignInfo:
    """`window` in words ("Mon-Fri 09:00-17:00"), `timezone` a zone or "lead"."""

    workspace: str
    name: str
    list: str
    status: str
    mailboxes: tuple[str, ...]
    window: str
    timezone: str
    daily_limit: int | None
    recipient_domain_limit: int | None
    steps: tuple[StepInfo, ...]
    leads: int
    created_at: datetime
    started_at: datetime | None


@dataclass(frozen=True)
class MessagePreview:
    """What one lead would receive for one step, or the rule that blocks it."""

    lead: str
    step: int
    variant: str
    sender: str | None
    subject: str
    text: str
    html: str | None
    blocked: str | None


@dataclass(frozen=True)
class DayPlan:
    """The next day's forecast: sends per mailbox and the leads held, by limit."""

    workspace: str
    due: int
    planned: int
    by_mailbox: dict[str, int]
    held_by: dict[str, int]


@dataclass(frozen=True)
class RunReport:
    """One engine pass: what went out, what was held (by limit) or blocked (by rule), what the
    inboxes and the reconciliation found."""

    sent: int
    failed: int
    held_by: dict[str, int]
    blocked_by: dict[str, int]
    reconciled: dict[str, int]
    inbox: dict[str, int]
    paused_mailboxes: dict[str, str]
    cancelled: bool = False


@dataclass(frozen=True)
class VariantResult:
    step: int
    variant: str
    sent: int
    failed: int
    unknown: int
    bounced: int
    replied: int
    unsubscribed: int
    complained: int

    @property
    def reply_rate(self) -> float:
        return self.replied / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class AbVerdict:
    """A step's A/B test on reply rate: a winner only past `min_sample` sends per variant and
    at p < `alpha` (two-proportion z-test)."""

    step: int
    leader: str
    runner_up: str
    z: float | None
    p_value: float | None
    winner: str | None
    note: str


@dataclass(frozen=True)
class CampaignStats:
    workspace: str
    campaign: str
    status: str
    leads: int
    active: int
    finished: int
    stopped: dict[str, int]
    variants: tuple[VariantResult, ...]
    deferred_by: dict[str, int]
    blocked_by: dict[str, int]
    ab: tuple[AbVerdict, ...]
