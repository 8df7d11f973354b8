"""Appending to the audit chain inside the caller's transaction.

The head row is read FOR UPDATE (PostgreSQL) or under SQLite's BEGIN IMMEDIATE, so concurrent
writers from several laptops queue instead of forking the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.audit.chain import CHAINED_COLUMNS, canonical_summary, entry_hash
from penguin_desktop.core.platform.models import Outcome
from penguin_desktop.core.platform.store.tables import AuditEventRow, AuditHeadRow

_FORBIDDEN_SUMMARY_KEYS = ("password", "secret", "token", "private_key", "passphrase")


@dataclass(frozen=True)
class AuditRecord:
    """What happened, before it is given a place in the chain."""

    actor: str
    face: str
    action: str
    target: str
    workspace_id: int | None = None
    workspace: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = Outcome.OK

    def __post_init__(self) -> None:
        for key in self.summary:
            if any(bad in key.lower() for bad in _FORBIDDEN_SUMMARY_KEYS):
                raise ValueError(f"audit summary key {key!r} looks like a secret; never log it")


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(session: Session, records: Sequence[AuditRecord], ts: str | None = None) -> int:
    """Chain `records` after the current head; returns the new head's sequence number."""
    head = session.execute(
        select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
    ).scalar_one()
    seq, prev = head.seq, head.hash
    stamp = ts or iso_now()
    rows: list[dict[str, Any]] = []
    for record in records:
        seq += 1
        values: dict[str, Any] = {
            "seq": seq,
            "ts": stamp,
            "actor": record.actor,
            "face": record.face,
            "workspace_id": record.workspace_id,
            "workspace": record.workspace,
            "action": record.action,
            "target": record.target,
            "outcome": record.outcome.value,
            "summary": canonical_summary(record.summary),
            "prev_hash": prev,
        }
        prev = entry_hash([values[c] for c in CHAINED_COLUMNS])
        values["hash"] = prev
        rows.append(values)
    if rows:
        session.execute(insert(AuditEventRow), rows)
        session.execute(update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=seq, hash=prev))
    return seq
