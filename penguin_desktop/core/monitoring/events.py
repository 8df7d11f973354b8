"""Alert events as notifiers receive them and as the delivery queue keeps them: the alert as a
document (the same fields for webhooks and PagerDuty's custom details), and the queue itself,
written in the transaction that changed the alert. No HTTP here: opening or acknowledging an
alert must not load the notifiers' client."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.monitoring.models import (
    AlertEvent,
    AlertEventKind,
    AlertInfo,
    AlertState,
    CheckKind,
    Status,
)
from penguin_desktop.core.monitoring.tables import DeliveryRow, NotifierRow
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z. Naive datetimes are taken as UTC, as the database stores them."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat(timespec="seconds").replace("+00:00", "Z")


def alert_document(alert: AlertInfo) -> dict[str, Any]:
    """The alert as webhook receivers see it; PagerDuty gets the same fields as custom details,
    so a responder finds the same names whichever notifier told them."""
    return {
        "id": alert.id,
        "workspace": alert.workspace,
        "check_id": alert.check_id,
        "check": alert.check_kind.value,
        "target": alert.target,
        "condition": alert.condition,
        "severity": alert.severity.value,
        "state": alert.state.value,
        "message": alert.message,
        "dedup_key": alert.dedup_key,
        "opened_at": iso_utc(alert.opened_at),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledged_at": iso_utc(alert.acknowledged_at),
        "resolved_at": iso_utc(alert.resolved_at),
    }


def event_json(event: AlertEvent) -> str:
    """An event as the delivery queue keeps it: no secret in it, enough to send it again."""
    return json.dumps(
        {
            "event": event.kind.value,
            "at": event.at.isoformat(),
            "alert": alert_document(event.alert),
        },
        sort_keys=True,
    )


def event_from_json(text: str) -> AlertEvent:
    data: dict[str, Any] = json.loads(text)
    doc = data["alert"]

    def when(key: str) -> datetime | None:
        raw = doc.get(key)
        return datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else None

    alert = AlertInfo(
        id=int(doc["id"]),
        workspace=str(doc["workspace"]),
        check_id=int(doc["check_id"]),
        check_kind=CheckKind(doc["check"]),
        target=str(doc["target"]),
        condition=str(doc["condition"]),
        severity=Status(doc["severity"]),
        state=AlertState(doc["state"]),
        message=str(doc["message"]),
        dedup_key=str(doc["dedup_key"]),
        opened_at=when("opened_at") or utcnow(),
        acknowledged_by=doc.get("acknowledged_by"),
        acknowledged_at=when("acknowledged_at"),
        resolved_at=when("resolved_at"),
    )
    return AlertEvent(AlertEventKind(data["event"]), alert, datetime.fromisoformat(data["at"]))


def queue(session: Session, events: Sequence[AlertEvent], now: datetime) -> int:
    """Owe every event to each enabled notifier of its workspace and of the agency."""
    if not events:
        return 0
    notifiers = list(session.execute(select(NotifierRow).where(NotifierRow.enabled)).scalars())
    ws_ids = {name_key(w.name): w.id for w in session.execute(select(WorkspaceRow)).scalars()}
    count = 0
    for event in events:
        ws_id = ws_ids.get(name_key(event.alert.workspace))
        for n in notifiers:
            if n.workspace_id is None or n.workspace_id == ws_id:
                session.add(
                    DeliveryRow(
                        notifier_id=n.id,
                        alert_id=event.alert.id,
                        event=event.kind.value,
                        body=event_json(event),
                        next_attempt_at=now,
                    )
                )
                count += 1
    return count
