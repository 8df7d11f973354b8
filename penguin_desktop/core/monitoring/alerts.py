"""Alerts: opened and resolved by the monitor from the rules' verdicts, acknowledged and
resolved by people. One alert not yet resolved per check and condition (the database refuses a
second); its `dedup_key` stays the same for that check and condition, so PagerDuty folds every
trigger and the resolve into one incident."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.monitoring import checks, rules
from penguin_desktop.core.monitoring.models import (
    SEVERITY,
    AlertEvent,
    AlertEventKind,
    AlertInfo,
    AlertState,
    CheckKind,
    Status,
)
from penguin_desktop.core.monitoring.tables import AlertRow, CheckRow
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

LIST_LIMIT = 500
QueueEvents = Callable[[Session, Sequence[AlertEvent], datetime], int]


def dedup_key(check_id: int, condition: str) -> str:
    return f"penguin-check-{check_id}-{condition}"


def alert_info(row: AlertRow, workspace: str, kind: CheckKind, target: str) -> AlertInfo:
    return AlertInfo(
        id=row.id,
        workspace=workspace,
        check_id=row.check_id,
        check_kind=kind,
        target=target,
        condition=row.condition,
        severity=Status(row.severity),
        state=AlertState(row.state),
        message=row.message,
        dedup_key=row.dedup_key,
        opened_at=row.opened_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
    )


def apply(
    session: Session,
    actor: Actor,
    ws: WorkspaceRow,
    check: CheckRow,
    target: str,
    verdicts: Sequence[rules.Verdict],
    now: datetime,
    current: dict[str, AlertRow] | None = None,
) -> list[AlertEvent]:
    """Open, update or resolve the check's alerts after one result; the events owed to the
    notifiers. Opening and resolving are audited as done by the monitor for `actor`.
    `current`: the check's alerts not yet resolved by condition, when the caller read them."""
    if current is None:
        current = unresolved(session, [check.id]).get(check.id, {})
    kind = CheckKind(check.kind)
    events: list[AlertEvent] = []
    for verdict in verdicts:
        row = current.get(verdict.condition.value)
        if verdict.severity is Status.UNKNOWN:
            continue
        if verdict.severity is None:
            if row is not None:
                row.state, row.resolved_at = AlertState.RESOLVED.value, now
                row.message = f"recovered: {verdict.message}"
                _audit_alert(session, actor, ws, "alert.resolve", row, by="monitor")
                events.append(
                    AlertEvent(AlertEventKind.RESOLVED, alert_info(row, ws.name, kind, target), now)
                )
            continue
        if row is None:
            row = AlertRow(
                workspace_id=ws.id,
                check_id=check.id,
                condition=verdict.condition.value,
                severity=verdict.severity.value,
                state=AlertState.OPEN.value,
                message=verdict.message,
                dedup_key=dedup_key(check.id, verdict.condition.value),
                opened_at=now,
            )
            session.add(row)
            session.flush()
            _audit_alert(session, actor, ws, "alert.open", row, severity=row.severity)
            events.append(
                AlertEvent(AlertEventKind.TRIGGERED, alert_info(row, ws.name, kind, target), now)
            )
            continue
        escalated = SEVERITY[verdict.severity] > SEVERITY[Status(row.severity)]
        row.severity, row.message = verdict.severity.value, verdict.message
        if escalated:
            events.append(
                AlertEvent(AlertEventKind.TRIGGERED, alert_info(row, ws.name, kind, target), now)
            )
    return events


def _audit_alert(
    session: Session, actor: Actor, ws: WorkspaceRow, action: str, row: AlertRow, **extra: str
) -> None:
    Service._audit(
        session, actor, action, f"alert:{row.id}", ws,
        check=row.check_id, condition=row.condition, **extra,
    )  # fmt: skip


def unresolved(session: Session, check_ids: Sequence[int]) -> dict[int, dict[str, AlertRow]]:
    """The alerts not yet resolved of these checks, by check and condition, in one query."""
    found: dict[int, dict[str, AlertRow]] = {}
    for a in session.execute(
        select(AlertRow).where(AlertRow.check_id.in_(check_ids), AlertRow.state != "resolved")
    ).scalars():
        found.setdefault(a.check_id, {})[a.condition] = a
    return found


class AlertService(Service):
    """Listing, acknowledging and resolving alerts; the events go to the notifiers through
    `queue_events`, in the same transaction as the change."""

    def __init__(self, db: Database, queue_events: QueueEvents) -> None:
        super().__init__(db)
        self._queue = queue_events

    def all(
        self, actor: Actor, workspace: str | None = None, *, include_resolved: bool = False
    ) -> list[AlertInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.MONITOR_READ)
            query = select(AlertRow).where(AlertRow.workspace_id.in_(sorted(spaces)))
            if not include_resolved:
                query = query.where(AlertRow.state != AlertState.RESOLVED.value)
            found = list(
                session.execute(
                    query.order_by(AlertRow.opened_at.desc()).limit(LIST_LIMIT)
                ).scalars()
            )
            return self._infos(session, found, {i: w.name for i, w in spaces.items()})

    @staticmethod
    def _infos(session: Session, found: list[AlertRow], names: dict[int, str]) -> list[AlertInfo]:
        check_rows = {
            c.id: c
            for c in session.execute(
                select(CheckRow).where(CheckRow.id.in_({a.check_id for a in found}))
            ).scalars()
        }
        targets = checks.target_names(session, list(check_rows.values()))
        return [
            alert_info(
                a,
                names[a.workspace_id],
                CheckKind(check_rows[a.check_id].kind),
                targets[a.check_id][1],
            )
            for a in found
        ]

    def _alert(
        self, session: Session, actor: Actor, alert_id: int
    ) -> tuple[WorkspaceRow, AlertRow]:
        row = session.get(AlertRow, alert_id)
        ws = session.get(WorkspaceRow, row.workspace_id) if row else None
        if row is None or ws is None or self.role_in(session, actor, ws.id) is None:
            raise NotFoundError(f"no alert #{alert_id} among yours", field="alert")
        self._workspace(session, actor, ws.name, Permission.ALERT_HANDLE)
        return ws, row

    def acknowledge(self, actor: Actor, alert_id: int, now: datetime | None = None) -> AlertInfo:
        return self._handle(actor, alert_id, AlertState.ACKNOWLEDGED, now or utcnow())

    def resolve(self, actor: Actor, alert_id: int, now: datetime | None = None) -> AlertInfo:
        return self._handle(actor, alert_id, AlertState.RESOLVED, now or utcnow())

    def _handle(self, actor: Actor, alert_id: int, to: AlertState, now: datetime) -> AlertInfo:
        with self._writing(actor) as session:
            ws, row = self._alert(session, actor, alert_id)
            if row.state == AlertState.RESOLVED.value:
                raise ConflictError(f"alert #{alert_id} is already resolved")
            if to is AlertState.ACKNOWLEDGED and row.state == to.value:
                raise ConflictError(
                    f"alert #{alert_id} was already acknowledged by {row.acknowledged_by}"
                )
            row.state = to.value
            if to is AlertState.ACKNOWLEDGED:
                row.acknowledged_by, row.acknowledged_at = actor.email, now
                action, kind = "alert.acknowledge", AlertEventKind.ACKNOWLEDGED
            else:
                row.resolved_at = now
                action, kind = "alert.resolve", AlertEventKind.RESOLVED
            _audit_alert(session, actor, ws, action, row, by=actor.email)
            info = self._infos(session, [row], {ws.id: ws.name})[0]
            self._queue(session, [AlertEvent(kind, info, now)], now)
            return info
