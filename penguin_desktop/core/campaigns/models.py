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
