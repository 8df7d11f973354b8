"""Audit entries, filters, signed checkpoints and the results of verify and export."""

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


SIGNED_HEADER = "penguin-desktop audit checkpoint v1"


@dataclass(frozen=True)
class Checkpoint:
    """Entry `seq` of the trail had hash `hash` at `ts`, signed with the trail's Ed25519 key:
    `signature` and `public_key` are standard base64 of Ed25519's raw bytes (64 and 32)."""

    seq: int
    hash: str
    ts: str
    public_key: str
    signature: str

    @property
    def signed_text(self) -> str:
        """What the signature covers, as UTF-8: four lines, each ending in a line feed. README.md
        spells it out so a reader can check a report's signed head with the public key alone."""
        return f"{SIGNED_HEADER}\nseq {self.seq}\nhash {self.hash}\ntime {self.ts}\n"


@dataclass(frozen=True)
class VerifyResult:
    """`checkpoint` is the newest signed checkpoint the chain was checked against (None: none
    yet), `checkpoint_source` where it was found."""

    ok: bool
    checked: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None
    checkpoint: Checkpoint | None = None
    checkpoint_source: str = ""


@dataclass(frozen=True)
class ExportResult:
    """`signed` is the signed checkpoint the report carries; a CSV report carries it in the
    file `signed_head_path` beside it."""

    path: str
    format: str
    rows: int
    head_hash: str
    filters: list[tuple[str, str]] = field(default_factory=list)
    signed: Checkpoint | None = None
    signed_head_path: str | None = None
