"""One round of checks, and the schedule that repeats rounds.

A round: give every server and domain its default checks, read what is due, run the probes
with bounded concurrency outside any transaction (network checks on a thread pool, SSH health
on a smaller one, DNS and blocklists batched on one resolver each), then write the results,
roll-ups and alert changes in short transactions, and send what the notifiers are owed. A probe
that fails becomes an unknown result; a notifier that fails is logged and retried later; neither
stops the round."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from penguin_desktop.core.monitoring import alerts, checks, rules, series
from penguin_desktop.core.monitoring.checks import CheckService
from penguin_desktop.core.monitoring.events import queue
from penguin_desktop.core.monitoring.jobs import Job, load_jobs
from penguin_desktop.core.monitoring.lease import Lease
from penguin_desktop.core.monitoring.models import CheckKind, ProbeResult, Status, worst
from penguin_desktop.core.monitoring.notify import NotifierService
from penguin_desktop.core.monitoring.probes import readings
from penguin_desktop.core.monitoring.probes.service import probe_service
from penguin_desktop.core.monitoring.rule_settings import layers
from penguin_desktop.core.monitoring.settings import read as read_settings
from penguin_desktop.core.monitoring.tables import CheckRow
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

if TYPE_CHECKING:
    from penguin_desktop.core.domains import DomainService
    from penguin_desktop.core.servers import ServerService

log = logging.getLogger(__name__)
NETWORK_CONCURRENCY = 64
SSH_CONCURRENCY = 16
WRITE_BATCH = 250
KEEP_SSH_KEY = timedelta(hours=1)  # one audited key read an hour per server, not twelve
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class RoundReport:
    """What one round did, for `monitor run --once` and the console's status bar."""

    checks: int
    statuses: dict[str, int]
    opened: int
    resolved: int
    delivered: int
    failed_deliveries: int
    elapsed: float
    cancelled: bool = False


@dataclass
class _Outcome:
    job: Job
    result: ProbeResult
    state: dict[str, object] = field(default_factory=dict)
    ran: bool = True  # False: cancelled before it started, nothing to record


class MonitorRunner(Service):
    def __init__(
        self,
        db: Database,
        checks: CheckService,
        servers: ServerService,
        domains: DomainService,
        notifiers: NotifierService,
        *,
        network_concurrency: int = NETWORK_CONCURRENCY,
    ) -> None:
        super().__init__(db)
        self.checks = checks
        self.servers = servers
        self.domains = domains
        self.notifiers = notifiers
        self.network_concurrency = network_concurrency
        self._pruned_at: datetime | None = None

    # --- a round -------------------------------------------------------------------------
    def run_round(
        self,
        actor: Actor,
        workspace: str | None = None,
        *,
        due_only: bool = False,
        ctx: JobContext | None = None,
        now: datetime | None = None,
    ) -> RoundReport:
        """Every enabled check of the workspaces the actor may read (or of `workspace`), or
        with `due_only` those whose time has come."""
        started, ctx, now = time.monotonic(), ctx or JobContext(), now or utcnow()
        with self._reading(actor) as session:  # a refusal for a named workspace, audited
            self._workspaces_in_scope(session, actor, workspace, Permission.MONITOR_MANAGE)
        spaces = self.checks.ensure_defaults(actor, workspace, now)
        with self.db.read() as session:
            jobs = load_jobs(session, sorted(spaces), now if due_only else None)
            ca_bundle = read_settings(session).ca_bundle
        outcomes = self._probe(actor, jobs, ca_bundle, ctx)
        opened = resolved = 0
        shown: Counter[str] = Counter()
        for start in range(0, len(outcomes), WRITE_BATCH):
            o, r = self._write(actor, outcomes[start : start + WRITE_BATCH], utcnow(), shown)
            opened, resolved = opened + o, resolved + r
        delivered, failed = self.notifiers.deliver_due(actor)
        self._prune_now_and_then(utcnow())
        ctx.progress(1.0, f"{len(outcomes)} checks run")
        return RoundReport(
            checks=len(outcomes),
            statuses=dict(shown),
            opened=opened,
            resolved=resolved,
            delivered=delivered,
            failed_deliveries=failed,
            elapsed=time.monotonic() - started,
            cancelled=ctx.cancelled,
        )

    def _probe(
        self, actor: Actor, jobs: Sequence[Job], ca_bundle: Path | None, ctx: JobContext
    ) -> list[_Outcome]:
        network = [j for j in jobs if j.service is not None]
        ssh = [j for j in jobs if j.kind is CheckKind.SSH_HEALTH]
        dns = [j for j in jobs if j.kind is CheckKind.DNS]
        listing = [j for j in jobs if j.kind is CheckKind.BLACKLIST]
        total, done = max(len(jobs), 1), 0
        lock = threading.Lock()

        def counted(work: Callable[[Job], _Outcome]) -> Callable[[Job], _Outcome]:
            def run(job: Job) -> _Outcome:
                nonlocal done
                if ctx.cancelled:
                    return _Outcome(job, ProbeResult(Status.UNKNOWN, "cancelled"), ran=False)
                outcome = _guarded(work, job)
                with lock:
                    done += 1
                    ctx.progress(done / total * 0.95, f"checked {done} of {total}")
                return outcome

            return run

        def network_probe(job: Job) -> _Outcome:
            assert job.service is not None
            return _Outcome(job, probe_service(job.kind, job.service, ca_bundle))

        def ssh_probe(job: Job) -> _Outcome:
            if job.waiting is not None:
                return _Outcome(job, ProbeResult(Status.UNKNOWN, job.waiting))
            health = self.servers.mail_health(actor, job.target, job.workspace, KEEP_SSH_KEY)
            return _Outcome(job, readings.from_mail_health(health))

        outcomes: list[_Outcome] = []
        with (
            ThreadPoolExecutor(max_workers=self.network_concurrency) as net_pool,
            ThreadPoolExecutor(max_workers=SSH_CONCURRENCY) as ssh_pool,
        ):
            net_results = net_pool.map(counted(network_probe), network)
            ssh_results = ssh_pool.map(counted(ssh_probe), ssh)
            outcomes += self._dns(actor, dns, ctx) + self._listings(listing, ctx)
            outcomes += list(net_results) + list(ssh_results)
        return outcomes

    def _dns(self, actor: Actor, jobs: Sequence[Job], ctx: JobContext) -> list[_Outcome]:
        """One posture check per workspace for all its due domains."""
        out: list[_Outcome] = []
        by_ws: dict[str, list[Job]] = {}
        for job in jobs:
            by_ws.setdefault(job.workspace, []).append(job)
        for ws, group in by_ws.items():
            if ctx.cancelled:
                break
            try:
                summary = self.domains.check(actor, [j.target for j in group], ws, blacklists=False)
            except PenguinError as exc:
                out += [_Outcome(j, ProbeResult(Status.UNKNOWN, exc.message)) for j in group]
                continue
            reports = {r.domain: r for r in summary.reports}
            for job in group:
                report = reports.get(job.target)
                if report is None:
                    out.append(_Outcome(job, ProbeResult(Status.UNKNOWN, "no DNS report")))
                    continue
                result, right = readings.from_dns_report(report, job.state.get("was_right", []))
                out.append(_Outcome(job, result, {"was_right": sorted(right)}))
        return out

    def _listings(self, jobs: Sequence[Job], ctx: JobContext) -> list[_Outcome]:
        if not jobs or ctx.cancelled:
            return []
        subjects = sorted({s for j in jobs for s in j.subjects})
        try:
            found = self.domains.listings(subjects)
        except PenguinError as exc:
            return [_Outcome(j, ProbeResult(Status.UNKNOWN, exc.message)) for j in jobs]
        return [
            _Outcome(j, readings.from_listings([(s, found.get(s, [])) for s in j.subjects]))
            for j in jobs
        ]

    # --- writing results -------------------------------------------------------------------
    def _write(
        self, actor: Actor, outcomes: Sequence[_Outcome], now: datetime, shown: Counter[str]
    ) -> tuple[int, int]:
        """Record the results; (alerts opened, resolved); `shown` counts the checks' statuses
        as written (the probe's verdict made worse by any threshold crossed)."""
        opened = resolved = 0
        with self.db.write() as session:
            rows = {
                r.id: r
                for r in session.execute(
                    select(CheckRow).where(CheckRow.id.in_([o.job.check_id for o in outcomes]))
                ).scalars()
            }
            spaces = {w.id: w for w in session.execute(select(WorkspaceRow)).scalars()}
            rule_layers: dict[int, list[dict[rules.Condition, rules.Rule]]] = {}
            rollups = series.preload(session, list(rows), now)
            open_alerts = alerts.unresolved(session, list(rows))
            events = []
            for outcome in outcomes:
                row = rows.get(outcome.job.check_id)
                if row is None or not outcome.ran:
                    continue  # removed while it ran, or never ran
                result = outcome.result
                series.record(session, row.id, result, now, rollups)
                state = _update_row(row, result, outcome.state, now)
                if row.workspace_id not in rule_layers:
                    rule_layers[row.workspace_id] = layers(session, row.workspace_id)
                in_force = rules.effective(
                    [*rule_layers[row.workspace_id], checks.check_thresholds(row)]
                )
                verdicts = rules.evaluate(
                    CheckKind(row.kind),
                    result,
                    row.failures,
                    state["reached"],
                    in_force,
                )
                row.last_status = _shown_status(result, verdicts).value
                shown[row.last_status] += 1
                changes = alerts.apply(
                    session, actor, spaces[row.workspace_id], row, outcome.job.target, verdicts,
                    now, open_alerts.get(row.id, {}),
                )  # fmt: skip
                opened += sum(
                    e.kind.value == "alert.triggered" and e.alert.opened_at == now for e in changes
                )
                resolved += sum(e.kind.value == "alert.resolved" for e in changes)
                events += changes
            queue(session, events, now)
        return opened, resolved

    def _prune_now_and_then(self, now: datetime) -> None:
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        with self.db.write() as session:
            series.prune(session, now)
        self._pruned_at = now

    # --- the schedule ----------------------------------------------------------------------
    def run_forever(
        self,
        actor: Actor,
        stop: threading.Event,
        workspace: str | None = None,
        *,
        on_round: Callable[[RoundReport], None] | None = None,
        on_wait: Callable[[str], None] | None = None,
        tick: float = 5.0,
    ) -> None:
        """Run what is due, then wait for the next due check (at most `tick` seconds, so new
        checks and stop requests are seen soon), until `stop` is set. Only while this monitor
        holds the lease (see `lease`); a round that fails (the database gone for a while) is
        logged and the next one tried, so the monitor outlives a passing outage."""
        with self.db.read() as session:
            if not self._rows_visible(session, actor, Permission.MONITOR_MANAGE):
                if on_wait is not None:
                    on_wait("your role runs no checks in any workspace: nothing to do")
                return  # and never holds the lease another monitor needs
        lease = Lease(self.db)
        waiting_for: str | None = None
        try:
            while not stop.is_set():
                holder = lease.hold(utcnow())
                if holder is not None:
                    if waiting_for != holder.describe():
                        waiting_for = holder.describe()
                        log.info("waiting: %s", waiting_for)
                        if on_wait is not None:
                            on_wait(f"waiting: {waiting_for}")
                    stop.wait(tick)
                    continue
                waiting_for = None
                try:
                    report = self.run_round(actor, workspace, due_only=True, ctx=_stoppable(stop))
                except PenguinError as exc:
                    log.warning("a monitoring round failed: %s", exc.message)
                    stop.wait(tick * 6)
                    continue
                if on_round is not None and report.checks:
                    on_round(report)
                stop.wait(tick)
        finally:
            with contextlib.suppress(PenguinError):
                lease.release()


def _stoppable(stop: threading.Event) -> JobContext:
    """The same event stops the loop and cancels the round under way."""
    return JobContext(_cancel=stop)


def _guarded(work: Callable[[Job], _Outcome], job: Job) -> _Outcome:
    """A probe that fails in a way nobody foresaw is an unknown result, not a lost round."""
    try:
        return work(job)
    except PenguinError as exc:
        return _Outcome(job, ProbeResult(Status.UNKNOWN, exc.message))
    except Exception as exc:  # one broken check must not stop the others
        return _Outcome(job, ProbeResult(Status.UNKNOWN, f"the check failed: {type(exc).__name__}"))


def _update_row(
    row: CheckRow, result: ProbeResult, extra: dict[str, object], now: datetime
) -> dict[str, Any]:
    state: dict[str, Any] = json.loads(row.state or "{}")
    reached = [bool(x) for x in state.get("reached", [])][-(rules.FLAP_WINDOW - 1) :]
    state["reached"] = [*reached, result.reachable]
    state.update(extra)
    row.state = json.dumps(state, sort_keys=True)
    row.failures = 0 if result.reachable else row.failures + 1
    row.last_run_at, row.last_message = now, result.message[:2000]
    row.next_due_at = now + timedelta(seconds=row.interval_s)
    return state


def _shown_status(result: ProbeResult, verdicts: Sequence[rules.Verdict]) -> Status:
    """The check's status: the probe's verdict made worse by any threshold it crossed."""
    firing = [v.severity for v in verdicts if v.severity in (Status.WARNING, Status.CRITICAL)]
    return worst([result.status, *[f for f in firing if f is not None]])
