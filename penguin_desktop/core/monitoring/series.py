"""Results as time series: each run kept raw for 7 days and folded, as it is written, into
its hour (kept a year) and its day (kept for the uptime figures). Folding on write keeps the
roll-ups current without a catch-up job, so the Home page reads only roll-ups."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.monitoring.models import (
    SEVERITY,
    ProbeResult,
    ResultPoint,
    Status,
    Uptime,
)
from penguin_desktop.core.monitoring.tables import ResultRow, RollupRow

RAW_KEPT = timedelta(days=7)
HOURLY_KEPT = timedelta(days=366)
DAILY_KEPT = timedelta(days=400)
HOUR, DAY = "h", "d"


def hour_of(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def day_of(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def metrics_of(result: ProbeResult) -> dict[str, float]:
    return {m.name: m.value for m in result.metrics}


Rollups = dict[tuple[int, str, datetime], RollupRow]


def preload(session: Session, check_ids: Sequence[int], at: datetime) -> Rollups:
    """The hour's and day's roll-ups of these checks, in one query: a round writes thousands
    of results and must not look each roll-up up on its own."""
    found = session.execute(
        select(RollupRow).where(
            RollupRow.check_id.in_(check_ids),
            ((RollupRow.period == HOUR) & (RollupRow.start == hour_of(at)))
            | ((RollupRow.period == DAY) & (RollupRow.start == day_of(at))),
        )
    ).scalars()
    return {(r.check_id, r.period, r.start): r for r in found}


def record(
    session: Session,
    check_id: int,
    result: ProbeResult,
    at: datetime,
    rollups: Rollups | None = None,
) -> None:
    """Keep one run raw and fold it into its hour and day (`rollups`: from `preload`)."""
    figures = metrics_of(result)
    session.add(
        ResultRow(
            check_id=check_id,
            at=at,
            status=result.status.value,
            reachable=result.reachable,
            latency_ms=figures.get("latency_ms"),
            message=result.message[:2000],
            metrics=json.dumps(figures, separators=(",", ":")),
        )
    )
    for period, start in ((HOUR, hour_of(at)), (DAY, day_of(at))):
        _fold(session, (check_id, period, start), result, figures, rollups)


def _fold(
    session: Session,
    key: tuple[int, str, datetime],
    result: ProbeResult,
    figures: dict[str, float],
    rollups: Rollups | None,
) -> None:
    check_id, period, start = key
    row = rollups.get(key) if rollups is not None else session.get(RollupRow, key)
    if row is None:
        row = RollupRow(
            check_id=check_id,
            period=period,
            start=start,
            runs=0,
            reached=0,
            ok=0,
            worst=Status.OK.value,
            metrics="{}",
        )
        session.add(row)
        if rollups is not None:
            rollups[key] = row
    row.runs += 1
    row.reached += int(result.reachable)
    row.ok += int(result.status is Status.OK)
    if SEVERITY[result.status] > SEVERITY[Status(row.worst)]:
        row.worst = result.status.value
    sums: dict[str, list[float]] = json.loads(row.metrics or "{}")
    for name, value in figures.items():
        total, count = sums.get(name, [0.0, 0])
        sums[name] = [total + value, count + 1]
    row.metrics = json.dumps(sums, separators=(",", ":"))


def means(raw: str) -> dict[str, float]:
    """A roll-up's metrics as means."""
    try:
        sums: dict[str, list[float]] = json.loads(raw or "{}")
        return {k: v[0] / v[1] for k, v in sums.items() if v[1]}
    except (ValueError, TypeError, IndexError, ZeroDivisionError):
        return {}


def prune(session: Session, now: datetime) -> int:
    """Drop what is past keeping; the number of rows dropped."""
    statements = [delete(ResultRow).where(ResultRow.at < now - RAW_KEPT)] + [
        delete(RollupRow).where(RollupRow.period == period, RollupRow.start < now - kept)
        for period, kept in ((HOUR, HOURLY_KEPT), (DAY, DAILY_KEPT))
    ]
    dropped = 0
    for statement in statements:
        result = session.execute(statement)
        assert isinstance(result, CursorResult)
        dropped += result.rowcount or 0
    return dropped


def history(session: Session, check_id: int, since: datetime, now: datetime) -> list[ResultPoint]:
    """Raw runs when `since` is within the last 7 days, hourly roll-ups further back."""
    if since >= now - RAW_KEPT:
        rows = session.execute(
            select(ResultRow)
            .where(ResultRow.check_id == check_id, ResultRow.at >= since)
            .order_by(ResultRow.at)
        ).scalars()
        return [
            ResultPoint(r.at, Status(r.status), r.message, r.latency_ms, json.loads(r.metrics))
            for r in rows
        ]
    rollups = session.execute(
        select(RollupRow)
        .where(RollupRow.check_id == check_id, RollupRow.period == HOUR, RollupRow.start >= since)
        .order_by(RollupRow.start)
    ).scalars()
    points = []
    for r in rollups:
        figures = means(r.metrics)
        message = f"{r.ok} of {r.runs} runs ok, {r.reached} answered"
        points.append(
            ResultPoint(r.start, Status(r.worst), message, figures.get("latency_ms"), figures)
        )
    return points


@dataclass(frozen=True)
class Counts:
    runs: int
    reached: int

    def percent(self) -> float | None:
        return round(100.0 * self.reached / self.runs, 2) if self.runs else None


def reach_counts(
    session: Session, check_ids: Sequence[int], period: str, since: datetime
) -> dict[int, Counts]:
    """Runs and runs that got an answer per check since `since`, one grouped query."""
    if not check_ids:
        return {}
    rows = session.execute(
        select(RollupRow.check_id, func.sum(RollupRow.runs), func.sum(RollupRow.reached))
        .where(
            RollupRow.period == period,
            RollupRow.start >= since,
            RollupRow.check_id.in_(check_ids),
        )
        .group_by(RollupRow.check_id)
    )
    return {cid: Counts(int(runs or 0), int(reached or 0)) for cid, runs, reached in rows}


def uptime(
    day: dict[int, Counts], week: dict[int, Counts], month: dict[int, Counts], ids: Iterable[int]
) -> Uptime:
    """Several checks' counts (a server's services) as one figure per window."""
    chosen = list(ids)

    def share(counts: dict[int, Counts]) -> float | None:
        runs = sum(counts[i].runs for i in chosen if i in counts)
        reached = sum(counts[i].reached for i in chosen if i in counts)
        return Counts(runs, reached).percent()

    return Uptime(share(day), share(week), share(month))
