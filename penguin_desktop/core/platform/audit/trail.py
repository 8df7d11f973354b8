"""Appending to the audit chain inside the caller's transaction.

The head row is read FOR UPDATE (PostgreSQL) or under SQLite's BEGIN IMMEDIATE, so concurrent
writers from several laptops queue instead of forking the chain. Every CHECKPOINT_EVERY entries
the write is marked for a signed checkpoint of the head, which the database makes after commit
(core/audit/anchor.py): the append itself pays one integer comparison for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.audit.chain import CHAINED_COLUMNS, canonical_summary, entry_hash
from penguin_desktop.core.platform.errors import DatabaseError, Remedy
from penguin_desktop.core.platform.models import Outcome
from penguin_desktop.core.platform.store.database import CHECKPOINT_DUE
from penguin_desktop.core.platform.store.tables import AuditEventRow, AuditHeadRow

_FORBIDDEN_SUMMARY_KEYS = ("password", "secret", "token", "private_key", "passphrase")
CHECKPOINT_EVERY = 100  # entries between automatic signed checkpoints of the head


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


def head_missing() -> DatabaseError:
    """The error for a database whose chain head row is gone: nothing can be chained onto it,
    and saying so beats a query error from deep inside every write."""
    return DatabaseError(
        "the audit trail is damaged: its head record is missing, so no change can be recorded; "
        "restore the workspace database from a backup",
        remedy=Remedy("audit.verify"),
    )


def read_head(session: Session, *, for_update: bool = False) -> tuple[int, str]:
    """(seq, hash) of the chain's head; raises `head_missing()` when the row is gone."""
    stmt = select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == 1)
    row = session.execute(stmt.with_for_update() if for_update else stmt).first()
    if row is None:
        raise head_missing()
    return int(row.seq), str(row.hash)


def append(session: Session, records: Sequence[AuditRecord], ts: str | None = None) -> int:
    """Chain `records` after the current head; returns the new head's sequence number."""
    first, prev = read_head(session, for_update=True)
    seq = first
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
        if seq // CHECKPOINT_EVERY != first // CHECKPOINT_EVERY:
            session.info[CHECKPOINT_DUE] = True
    return seq
