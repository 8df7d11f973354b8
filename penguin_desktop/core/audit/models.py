"""Audit entries, filters and the results of verify and export."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class AuditEntry:
    """One link of the hash chain as stored; `summary` is canonical JSON text."""

    seq: int
    ts: str
    actor: str
    face: str
    workspace: str
    action: str
    target: str
    outcome: str
    summary: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditFilter:
    """Filters shared by audit list, the audit page and every export format."""

    workspace: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> list[tuple[str, str]]:
        """Human-readable filter lines for report headers."""
        return [
            ("Workspace", self.workspace or "all visible"),
            ("Actor", self.actor or "any"),
            ("Action", self.action or "any"),
            ("Since", self.since.isoformat() if self.since else "beginning"),
            ("Until", self.until.isoformat() if self.until else "now"),
        ]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    rows: int
    head_hash: str
    filters: list[tuple[str, str]] = field(default_factory=list)
