"""Notifiers: where alert events go (PagerDuty, signed webhooks), the queue of deliveries owed
to them with retries and backoff, and the delivery log.

Events are queued in the transaction that opened, acknowledged or resolved the alert, and sent
afterwards, outside any transaction: a receiver that is down only delays its own deliveries and
never stops the checks. A delivery is retried with backoff until it succeeds, is refused for
good (a 4xx other than 408/429), or has used its attempts."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.monitoring.events import event_from_json
from penguin_desktop.core.monitoring.models import (
    AlertEvent,
    AlertEventKind,
    AlertInfo,
    AlertState,
    CheckKind,
    DeliveryAttempt,
    DeliveryInfo,
    NotifierInfo,
    NotifierKind,
    Status,
)
from penguin_desktop.core.monitoring.notifiers import backoff, pagerduty, webhook
from penguin_desktop.core.monitoring.settings import read as read_settings
from penguin_desktop.core.monitoring.tables import DeliveryRow, NotifierRow
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.secrets import BackendKind, SecretKind, SecretService

TIMEOUT = 10.0
LOG_LIMIT = 500
PURPOSE = "alert notification"


def _info(row: NotifierRow, workspace: str | None) -> NotifierInfo:
    return NotifierInfo(
        row.id, row.name, NotifierKind(row.kind), workspace, row.url, row.secret, row.enabled
    )


def _check_name(raw: str) -> str:
    name = raw.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_." for c in name):
        raise ValidationError(
            f"{raw!r} is not a notifier name: 1 to 64 letters, digits, '-', '_' or '.'",
            field="name",
            value=raw,
        )
    return name


def _check_url(raw: str) -> str:
    url = raw.strip()
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValidationError(f"{raw!r} is not an http(s) address", field="url", value=raw)
    return url


class NotifierService(Service):
    def __init__(
        self,
        db: Database,
        secrets: SecretService,
        client: Callable[[], httpx.Client] | None = None,
    ) -> None:
        super().__init__(db)
        self.secrets = secrets
        self._client = client or (lambda: httpx.Client(timeout=TIMEOUT))
        self._jitter = random.Random()

    # --- adding, listing, removing ---------------------------------------------------------
    def add(
        self,
        actor: Actor,
        kind: NotifierKind,
        raw_name: str,
        secret_value: str,
        *,
        workspace: str | None = None,
        url: str | None = None,
    ) -> NotifierInfo:
        """A PagerDuty notifier (the routing key as `secret_value`) or a webhook (its signing
        secret); the value goes to the secret store, the database keeps its name."""
        name = _check_name(raw_name)
        if kind is NotifierKind.WEBHOOK:
            url = _check_url(url or "")
        elif url is not None:
            raise ValidationError("a PagerDuty notifier takes no URL", field="url")
        if kind is NotifierKind.PAGERDUTY and len(secret_value.strip()) != 32:
            raise ValidationError(
                "a PagerDuty routing key is the 32-character integration key of an Events API "
                "v2 integration",
                field="routing_key",
            )
        if not secret_value.strip():
            raise ValidationError("the secret is empty", field="secret")
        ws_name = self._authorize(actor, workspace, f"notifier:{name}")
        with self.db.read() as session:
            if session.execute(select(NotifierRow.id).where(NotifierRow.name == name)).first():
                raise ConflictError(f"a notifier named {name!r} already exists")
        secret_name = f"notifier-{name_key(name)}"
        secret_kind = (
            SecretKind.API_KEY if kind is NotifierKind.PAGERDUTY else SecretKind.WEBHOOK_SECRET
        )
        backend: BackendKind | None = None
        if ws_name is None:
            backend = self.secrets.put_system_secret(
                secret_name, secret_value.strip(), PURPOSE, actor
            )
        else:
            self.secrets.set(
                actor,
                ws_name,
                secret_name,
                secret_kind,
                secret_value.strip(),
                reason=f"notifier {name}",
            )
        with self._writing(actor) as session:
            ws = (
                self._workspace(session, actor, ws_name, Permission.NOTIFIER_WORKSPACE)[0]
                if ws_name
                else None
            )
            row = NotifierRow(
                workspace_id=ws.id if ws else None,
                name=name,
                kind=kind.value,
                url=url,
                secret=secret_name,
                secret_backend=backend.value if backend else None,
            )
            session.add(row)
            session.flush()
            self._audit(
                session,
                actor,
                "notifier.add",
                f"notifier:{name}",
                ws,
                kind=kind.value,
                url=url,
                stored_as=secret_name,
            )
            return _info(row, ws.name if ws else None)

    def _authorize(self, actor: Actor, workspace: str | None, target: str) -> str | None:
        with self._reading(actor) as session:
            if workspace is None:
                self._require_org(actor, Permission.NOTIFIER_AGENCY, target)
                return None
            ws, _ = self._workspace(
                session, actor, workspace, Permission.NOTIFIER_WORKSPACE, writable=True
            )
            return ws.name

    def all(self, actor: Actor) -> list[NotifierInfo]:
        """The agency's notifiers and those of the workspaces the actor may read."""
        with self._reading(actor) as session:
            spaces = self._rows_visible(session, actor, Permission.MONITOR_READ)
            rows = session.execute(select(NotifierRow).order_by(NotifierRow.name)).scalars()
            return [
                _info(r, spaces[r.workspace_id].name if r.workspace_id else None)
                for r in rows
                if r.workspace_id is None or r.workspace_id in spaces
            ]

    def _row(
        self, session: Session, actor: Actor, name: str
    ) -> tuple[WorkspaceRow | None, NotifierRow]:
        row = session.execute(
            select(NotifierRow).where(NotifierRow.name == name.strip())
        ).scalar_one_or_none()
        ws = session.get(WorkspaceRow, row.workspace_id) if row and row.workspace_id else None
        if row is None or (ws is not None and self.role_in(session, actor, ws.id) is None):
            raise NotFoundError(f"no notifier named {name.strip()!r}", field="name")
        if ws is None:
            self._require_org(actor, Permission.NOTIFIER_AGENCY, f"notifier:{row.name}")
        else:
            self._workspace(session, actor, ws.name, Permission.NOTIFIER_WORKSPACE)
        return ws, row

    def set_enabled(self, actor: Actor, name: str, enabled: bool) -> NotifierInfo:
        """Mute a notifier (maintenance, a receiver being moved) or turn it back on. A muted
        one is owed nothing: events while it is off are not sent later."""
        with self._writing(actor) as session:
            ws, row = self._row(session, actor, name)
            if row.enabled != enabled:
                row.enabled = enabled
                action = "notifier.enable" if enabled else "notifier.disable"
                self._audit(session, actor, action, f"notifier:{row.name}", ws)
            return _info(row, ws.name if ws else None)

    def remove(self, actor: Actor, name: str) -> None:
        with self._writing(actor) as session:
            ws, row = self._row(session, actor, name)
            secret, ws_name, backend = row.secret, ws.name if ws else None, row.secret_backend
            session.delete(row)
            self._audit(session, actor, "notifier.remove", f"notifier:{row.name}", ws)
        if ws_name is not None:
            self.secrets.delete(actor, ws_name, secret, reason=f"notifier {name} removed")
        elif backend is not None:
            self.secrets.delete_system_secret(secret, BackendKind(backend), PURPOSE, actor)

    def deliveries(self, actor: Actor, name: str | None = None) -> list[DeliveryInfo]:
        """The delivery log, newest first."""
        visible = {n.id: n for n in self.all(actor) if name is None or n.name == name.strip()}
        if name is not None and not visible:
            raise NotFoundError(f"no notifier named {name.strip()!r}", field="name")
        with self.db.read() as session:
            rows = session.execute(
                select(DeliveryRow)
                .where(DeliveryRow.notifier_id.in_(sorted(visible)))
                .order_by(DeliveryRow.id.desc())
                .limit(LOG_LIMIT)
            ).scalars()
            return [
                DeliveryInfo(
                    r.id,
                    visible[r.notifier_id].name,
                    r.alert_id,
                    AlertEventKind(r.event),
                    r.attempts,
                    r.status_code,
                    r.error,
                    r.delivered,
                    r.created_at,
                    r.next_attempt_at,
                )
                for r in rows
            ]

    # --- sending ---------------------------------------------------------------------------
    def test(self, actor: Actor, name: str) -> DeliveryAttempt:
        """Send a made-up triggered-then-resolved pair to the notifier; audited."""
        with self._writing(actor) as session:
            ws, row = self._row(session, actor, name)
            self._audit(session, actor, "notifier.test", f"notifier:{row.name}", ws)
            target = _Target.of(row, ws.name if ws else None)
        now = utcnow()
        alert = AlertInfo(
            id=0,
            workspace=target.workspace or "agency",
            check_id=0,
            check_kind=CheckKind.SMTP,
            target="test.penguin.invalid",
            condition="test",
            severity=Status.WARNING,
            state=AlertState.OPEN,
            message="a test alert from PenguinMails: nothing is wrong",
            dedup_key=f"penguin-test-{row.name}",
            opened_at=now,
            acknowledged_by=None,
            acknowledged_at=None,
            resolved_at=None,
        )
        with self._client() as client:
            first = self._send(
                client, actor, target, AlertEvent(AlertEventKind.TRIGGERED, alert, now)
            )
            if not first.ok:
                return first
            closed = AlertInfo(
                **{**alert.__dict__, "state": AlertState.RESOLVED, "resolved_at": now}
            )
            return self._send(
                client, actor, target, AlertEvent(AlertEventKind.RESOLVED, closed, now)
            )

    def deliver_due(self, actor: Actor, now: datetime | None = None) -> tuple[int, int]:
        """Send what is due; (delivered, failed this time). Never raises for a receiver."""
        now = now or utcnow()
        with self.db.read() as session:
            due = list(
                session.execute(
                    select(DeliveryRow, NotifierRow)
                    .join(NotifierRow, NotifierRow.id == DeliveryRow.notifier_id)
                    .where(DeliveryRow.delivered.is_(False), DeliveryRow.next_attempt_at <= now)
                    .order_by(DeliveryRow.id)
                )
            )
            names = {w.id: w.name for w in session.execute(select(WorkspaceRow)).scalars()}
            jobs = [
                (d.id, d.body, d.attempts, _Target.of(n, names.get(n.workspace_id or 0)))
                for d, n in due
            ]
        if not jobs:
            return 0, 0
        sent = failed = 0
        with self._client() as client:
            for delivery_id, body, attempts, target in jobs:
                outcome = self._send(client, actor, target, event_from_json(body))
                self._log(delivery_id, attempts + 1, outcome)
                sent, failed = sent + outcome.ok, failed + (not outcome.ok)
        return sent, failed

    def _send(
        self, client: httpx.Client, actor: Actor, target: _Target, event: AlertEvent
    ) -> DeliveryAttempt:
        try:
            secret = self._secret(actor, target)
        except Exception as exc:  # a secret that cannot be read is a failed delivery, logged
            message = getattr(exc, "message", None) or type(exc).__name__
            return DeliveryAttempt(
                False, None, f"cannot read the notifier's secret: {message}", True
            )
        if target.kind is NotifierKind.WEBHOOK:
            return webhook.send_webhook(client, target.url or "", secret, event, time.time())
        with self.db.read() as session:
            url = read_settings(session).pagerduty_url
        return pagerduty.send_pagerduty(client, url, secret, event, event.alert.target)

    def _secret(self, actor: Actor, target: _Target) -> str:
        if target.workspace is None:
            value = self.secrets.system_secret(
                target.secret, BackendKind(target.backend or "keyring"), PURPOSE, actor
            )
            if value is None:
                raise NotFoundError("it is not in the organization's secret store")
            return value
        return self.secrets.use(actor, target.workspace, target.secret, PURPOSE)

    def _log(self, delivery_id: int, attempts: int, outcome: DeliveryAttempt) -> None:
        with self.db.write() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is None:
                return
            row.attempts, row.status_code, row.error = attempts, outcome.status_code, outcome.error
            row.delivered = outcome.ok
            if outcome.ok or not outcome.retryable or attempts >= backoff.MAX_ATTEMPTS:
                row.next_attempt_at = None
            else:
                delay = backoff.next_delay(attempts, jitter=self._jitter)
                row.next_attempt_at = utcnow() + timedelta(seconds=delay)


@dataclass(frozen=True)
class _Target:
    """What sending needs from a notifier row, read inside the transaction."""

    kind: NotifierKind
    url: str | None
    secret: str
    backend: str | None
    workspace: str | None

    @classmethod
    def of(cls, row: NotifierRow, workspace: str | None) -> _Target:
        return cls(NotifierKind(row.kind), row.url, row.secret, row.secret_backend, workspace)
