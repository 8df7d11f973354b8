"""The Home page's figures, read in one go from the checks' last results and the roll-ups:
never from the raw results, so a year of history costs what a day does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import DomainRow
from penguin_desktop.core.monitoring import series
from penguin_desktop.core.monitoring.alerts import AlertService
from penguin_desktop.core.monitoring.defaults import NETWORK_DEFAULTS
from penguin_desktop.core.monitoring.models import (
    SEVERITY,
    AlertInfo,
    CheckKind,
    Dashboard,
    DueSecret,
    ExpiringCertificate,
    Series,
    SeriesPoint,
    Status,
    Tile,
    worst,
)
from penguin_desktop.core.monitoring.tables import AlertRow, CheckRow, RollupRow
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.servers import ServerRow

if TYPE_CHECKING:
    from penguin_desktop.core.secrets import SecretService

CHART_LINES = 8
CHART_SPAN = timedelta(days=7)
EXPIRING_SHOWN = 10
ALERTS_SHOWN = 50
REACH_KINDS = {k.value for k in (*NETWORK_DEFAULTS, CheckKind.SSH_HEALTH)}
CHART_METRICS = {
    "latency_ms": {k.value for k in NETWORK_DEFAULTS},
    "queue_size": {CheckKind.SSH_HEALTH.value},
    "disk_percent": {CheckKind.SSH_HEALTH.value},
    "cert_days": {k.value for k in NETWORK_DEFAULTS},
}
Target = tuple[int, str, int]  # workspace id, "server" or "domain", row id


class DashboardService(Service):
    def __init__(self, db: Database, secrets: Callable[[], SecretService]) -> None:
        super().__init__(db)
        self._secrets = secrets

    def build(self, actor: Actor, now: datetime | None = None) -> Dashboard:
        now = now or utcnow()
        with self._reading(actor) as session:
            spaces = self._rows_visible(session, actor, Permission.MONITOR_READ)
            ids = sorted(spaces)
            check_rows = list(
                session.execute(
                    select(CheckRow).where(CheckRow.workspace_id.in_(ids), CheckRow.enabled)
                ).scalars()
            )
            names = _target_names(session, ids)
            alert_rows = list(
                session.execute(
                    select(AlertRow)
                    .where(AlertRow.workspace_id.in_(ids), AlertRow.state != "resolved")
                    .order_by(AlertRow.opened_at.desc())
                ).scalars()
            )
            tiles = self._tiles(session, spaces, names, check_rows, alert_rows, now)
            infos = AlertService._infos(
                session, alert_rows[:ALERTS_SHOWN], {i: w.name for i, w in spaces.items()}
            )
            expiring = _expiring(session, spaces, names, check_rows, now)
            charts = _series(session, spaces, names, check_rows, now)
            sees_secrets = bool(self._visible_workspaces(session, actor, Permission.SECRET_LIST))
        return Dashboard(
            workspaces=tuple(sorted((w.name for w in spaces.values()), key=str.casefold)),
            tiles=tiles,
            open_alerts=tuple(_by_severity(infos)),
            expiring=expiring,
            due_secrets=self._due_secrets(actor) if sees_secrets else (),
            series=charts,
            generated_at=now,
        )

    def _tiles(
        self,
        session: Session,
        spaces: dict[int, WorkspaceRow],
        names: dict[Target, str],
        check_rows: list[CheckRow],
        alert_rows: list[AlertRow],
        now: datetime,
    ) -> tuple[Tile, ...]:
        by_target: dict[Target, list[CheckRow]] = defaultdict(list)
        for row in check_rows:
            by_target[_target_of(row)].append(row)
        alerts_of: dict[int, int] = defaultdict(int)
        for a in alert_rows:
            alerts_of[a.check_id] += 1
        reach_ids = [r.id for r in check_rows if r.kind in REACH_KINDS]
        reach = set(reach_ids)
        day = series.reach_counts(session, reach_ids, series.HOUR, now - timedelta(hours=24))
        week = series.reach_counts(
            session, reach_ids, series.DAY, series.day_of(now - timedelta(days=6))
        )
        month = series.reach_counts(
            session, reach_ids, series.DAY, series.day_of(now - timedelta(days=29))
        )
        tiles = []
        for target, name in names.items():
            rows = by_target.get(target, [])
            ran = [r for r in rows if r.last_status]
            status = worst([Status(r.last_status or "unknown") for r in ran]) if ran else None
            tiles.append(
                Tile(
                    workspace=spaces[target[0]].name,
                    target=name,
                    target_type=target[1],
                    status=status,
                    summary=_summary(rows, ran, status),
                    open_alerts=sum(alerts_of[r.id] for r in rows),
                    uptime=series.uptime(day, week, month, [r.id for r in rows if r.id in reach]),
                )
            )
        tiles.sort(key=lambda t: (t.workspace.casefold(), t.target_type != "server", t.target))
        return tuple(tiles)

    def _due_secrets(self, actor: Actor) -> tuple[DueSecret, ...]:
        """Only asked of someone who may see secret references somewhere: asking for another
        would audit a refusal at every refresh."""
        due = [s for s in self._secrets().due(actor) if s.due_at is not None]
        due.sort(key=lambda s: s.due_at or utcnow())
        return tuple(DueSecret(s.workspace or None, s.name, s.due_at) for s in due if s.due_at)


def _target_of(row: CheckRow) -> Target:
    if row.server_id is not None:
        return (row.workspace_id, "server", row.server_id)
    return (row.workspace_id, "domain", row.domain_id or 0)


def _target_names(session: Session, ids: list[int]) -> dict[Target, str]:
    found: dict[Target, str] = {}
    for ws, sid, name in session.execute(
        select(ServerRow.workspace_id, ServerRow.id, ServerRow.name).where(
            ServerRow.workspace_id.in_(ids)
        )
    ):
        found[(ws, "server", sid)] = name
    for ws, did, name in session.execute(
        select(DomainRow.workspace_id, DomainRow.id, DomainRow.name).where(
            DomainRow.workspace_id.in_(ids)
        )
    ):
        found[(ws, "domain", did)] = name
    return found


def _summary(rows: list[CheckRow], ran: list[CheckRow], status: Status | None) -> str:
    if not rows:
        return "no checks"
    if status is None:
        return f"{len(rows)} checks, none run yet"
    if status is Status.OK:
        return f"all {len(ran)} checks ok"
    bad = max(ran, key=lambda r: SEVERITY[Status(r.last_status or "ok")])
    return f"{bad.kind}: {bad.last_message or bad.last_status}"


def _by_severity(infos: list[AlertInfo]) -> list[AlertInfo]:
    return sorted(infos, key=lambda a: (-SEVERITY[a.severity], -a.opened_at.timestamp()))


def _latest_rollups(session: Session, ids: list[int], now: datetime) -> dict[int, dict[str, float]]:
    """Each check's metric means from its latest hourly roll-up of the last two days."""
    latest: dict[int, tuple[datetime, str]] = {}
    if not ids:
        return {}
    for check_id, start, metrics in session.execute(
        select(RollupRow.check_id, RollupRow.start, RollupRow.metrics).where(
            RollupRow.period == series.HOUR,
            RollupRow.start >= now - timedelta(days=2),
            RollupRow.check_id.in_(ids),
        )
    ):
        if check_id not in latest or start > latest[check_id][0]:
            latest[check_id] = (start, metrics)
    return {cid: series.means(m) for cid, (_, m) in latest.items()}


def _expiring(
    session: Session,
    spaces: dict[int, WorkspaceRow],
    names: dict[Target, str],
    check_rows: list[CheckRow],
    now: datetime,
) -> tuple[ExpiringCertificate, ...]:
    network = [r for r in check_rows if r.kind in CHART_METRICS["cert_days"]]
    latest = _latest_rollups(session, [r.id for r in network], now)
    found = [
        ExpiringCertificate(
            spaces[r.workspace_id].name,
            names.get(_target_of(r), "?"),
            r.port or 0,
            latest[r.id]["cert_days"],
            r.last_run_at or now,
        )
        for r in network
        if "cert_days" in latest.get(r.id, {})
    ]
    found.sort(key=lambda e: e.days_left)
    return tuple(found[:EXPIRING_SHOWN])


def _series(
    session: Session,
    spaces: dict[int, WorkspaceRow],
    names: dict[Target, str],
    check_rows: list[CheckRow],
    now: datetime,
) -> tuple[Series, ...]:
    """Per chart the checks in the worst state first (then by name), at most CHART_LINES
    lines, so 200 servers never make one unreadable chart; their roll-ups read in one query
    (latency and certificate days come from the same checks)."""
    chosen: dict[str, list[CheckRow]] = {}
    for metric, kinds in CHART_METRICS.items():
        candidates = [r for r in check_rows if r.kind in kinds and r.last_status]
        candidates.sort(
            key=lambda r: (-SEVERITY[Status(r.last_status or "ok")], names.get(_target_of(r), ""))
        )
        chosen[metric] = candidates[:CHART_LINES]
    ids = sorted({r.id for rows in chosen.values() for r in rows})
    figures: dict[int, list[tuple[datetime, dict[str, float]]]] = defaultdict(list)
    for check_id, start, metrics in session.execute(
        select(RollupRow.check_id, RollupRow.start, RollupRow.metrics)
        .where(
            RollupRow.period == series.HOUR,
            RollupRow.start >= now - CHART_SPAN,
            RollupRow.check_id.in_(ids),
        )
        .order_by(RollupRow.start)
    ):
        figures[check_id].append((start, series.means(metrics)))
    out = []
    for metric, rows in chosen.items():
        for r in rows:
            label = names.get(_target_of(r), "?")
            if r.port and metric in ("latency_ms", "cert_days"):
                label = f"{label}:{r.port}"
            points = tuple(SeriesPoint(at, f[metric]) for at, f in figures[r.id] if metric in f)
            out.append(Series(metric, spaces[r.workspace_id].name, label, points))
    return tuple(out)
