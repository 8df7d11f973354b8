"""Filtered, scoped selects over the audit trail, shared by list, page and export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from penguin_desktop.core.models import AuditEntry, AuditFilter
from penguin_desktop.core.store.tables import AuditEventRow

COLUMNS = (
    AuditEventRow.seq,
    AuditEventRow.ts,
    AuditEventRow.actor,
    AuditEventRow.face,
    AuditEventRow.workspace,
    AuditEventRow.action,
    AuditEventRow.target,
    AuditEventRow.outcome,
    AuditEventRow.summary,
    AuditEventRow.prev_hash,
    AuditEventRow.hash,
)
HEADERS = tuple(c.key for c in COLUMNS)


@dataclass(frozen=True)
class Scope:
    """Which events an actor may read: all of them, or these workspaces (and maybe org-level)."""

    everything: bool
    workspace_ids: frozenset[int] = frozenset()
    organization: bool = False


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def filtered(
    scope: Scope, flt: AuditFilter, workspace_id: int | None = None, descending: bool = False
) -> Select[*tuple[Any, ...]]:
    stmt = select(*COLUMNS)
    if not scope.everything:
        visible: ColumnElement[bool] = AuditEventRow.workspace_id.in_(sorted(scope.workspace_ids))
        if scope.organization:
            visible = or_(visible, AuditEventRow.workspace_id.is_(None))
        stmt = stmt.where(visible)
    conditions = []
    if workspace_id is not None:
        conditions.append(AuditEventRow.workspace_id == workspace_id)
    if flt.actor:
        conditions.append(AuditEventRow.actor == flt.actor.strip().lower())
    if flt.action:
        action = flt.action.strip()
        if action.endswith("*") or action.endswith("."):
            conditions.append(AuditEventRow.action.startswith(action.rstrip("*")))
        else:
            conditions.append(AuditEventRow.action == action)
    if flt.since:
        conditions.append(AuditEventRow.ts >= _iso(flt.since))
    if flt.until:
        conditions.append(AuditEventRow.ts < _iso(flt.until))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    order = AuditEventRow.seq.desc() if descending else AuditEventRow.seq.asc()
    return stmt.order_by(order)


def to_entry(row: tuple[object, ...]) -> AuditEntry:
    return AuditEntry(*row)  # type: ignore[arg-type]
