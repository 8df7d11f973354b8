"""`penguin monitor ...`: the checks of servers and domains, running them (once, or on their
schedules as a service), their status and history, and the monitor's settings."""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from penguin_desktop.cli.commands.monitor_checks import NO_CHECKS, CheckRow, check, checks_in_scope
from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress, stop_on_signals
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.monitoring.models import Status, TlsMode
from penguin_desktop.core.monitoring.runner import RoundReport
from penguin_desktop.core.monitoring.settings import (
    ENV_CA_BUNDLE,
    ENV_PAGERDUTY_URL,
    MonitorSettings,
)
from penguin_desktop.core.platform.errors import ValidationError

TLS_MODES = [m.value for m in TlsMode]
DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
INTERRUPTED = 130  # a run --once stopped by Ctrl-C or SIGTERM before every check ran


@click.group("monitor")
def monitor() -> None:
    """Monitoring: checks of servers and domains, run once or as a service, with history."""


monitor.add_command(check)


# --- running -------------------------------------------------------------------------------
def _statuses(report: RoundReport) -> list[tuple[str, int]]:
    return [(s.value, report.statuses[s.value]) for s in Status if report.statuses.get(s.value)]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _round_line(report: RoundReport) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in _statuses(report)) or "none"
    ran = _count(report.checks, "check")
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z {ran} ({counts}); alerts "
        f"{report.opened} opened, {report.resolved} resolved; notifications {report.delivered} "
        f"delivered, {report.failed_deliveries} failed ({report.elapsed:.1f} s)"
    )


def _summary(report: RoundReport) -> str:
    lines = [f"Ran {_count(report.checks, 'check')} in {report.elapsed:.1f} s."]
    lines += [f"  {status:<9} {count}" for status, count in _statuses(report)]
    lines.append(f"Alerts: {report.opened} opened, {report.resolved} resolved.")
    lines.append(f"Notifications: {report.delivered} delivered, {report.failed_deliveries} failed.")
    if report.cancelled:
        lines.append("Stopped before every check ran.")
    return "\n".join(lines)


@monitor.command("run")
@click.option("--once", is_flag=True, help="Run every enabled check once, print a summary, exit.")
@click.option("--workspace", "-w", help="Only this workspace's checks.")
@shared_options()
@pass_state
def run(state: CliState, once: bool, workspace: str | None) -> None:
    """Run the checks on their schedules until stopped (Ctrl-C or SIGTERM), one line per round
    that ran something; the service `penguin-monitor` runs this. With --once: every enabled
    check now, then a summary (exit 0; 130 when stopped before the round finished)."""
    actor = state.actor()
    runner = state.container.monitoring.runner
    if once:
        with progress(state) as job, stop_on_signals(job.cancel):
            report = runner.run_round(actor, workspace, ctx=job)
        emit_object(state, report, _summary(report))
        if report.cancelled:
            raise click.exceptions.Exit(INTERRUPTED)
        return

    def on_round(report: RoundReport) -> None:
        if state.json:
            click.echo(json.dumps(dataclasses.asdict(report), sort_keys=True))
        else:
            click.echo(_round_line(report))

    scope = f"workspace {workspace!r}" if workspace else "every workspace you may read"
    click.echo(f"Monitoring {scope} on the checks' schedules; Ctrl-C stops.", err=True)
    stop = threading.Event()
    with stop_on_signals(stop.set):
        runner.run_forever(
            actor, stop, workspace, on_round=on_round, on_wait=lambda w: click.echo(w, err=True)
        )


# --- status and history --------------------------------------------------------------------
@monitor.command("status")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def status(state: CliState, workspace: str | None) -> None:
    """Each check's latest status: what it checks, when it last ran and what it found."""
    rows = checks_in_scope(state, workspace)
    if state.json:
        emit_table(state, rows, [], "")
        return
    emit_table(
        state,
        [CheckRow.of(r) for r in rows],
        [
            ("id", "id"),
            ("workspace", "workspace"),
            ("target", "target"),
            ("kind", "kind"),
            ("port", "port"),
            ("status", "status"),
            ("last_run", "last run"),
            ("message", "message"),
        ],
        NO_CHECKS,
    )


def parse_since(raw: str, now: datetime | None = None) -> datetime:
    """A duration back from now (90m, 24h, 7d, 2w, 30s) or an ISO date or date-time (UTC
    unless it names its zone)."""
    text = raw.strip().lower()
    match = DURATION.match(text)
    if match:
        span = timedelta(seconds=float(match.group(1)) * UNITS[match.group(2)])
        try:
            return (now or datetime.now(UTC)) - span
        except OverflowError:
            raise ValidationError(f"{raw!r} reaches back too far", field="since") from None
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{raw!r} is neither a duration (90m, 24h, 7d) nor an ISO date or date-time "
            "(2026-03-01, 2026-03-01T12:00)",
            field="since",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@monitor.command("history")
@click.argument("check_id", metavar="CHECK", type=int)
@click.option(
    "--since",
    metavar="WHEN",
    help="From this long ago (90m, 24h, 7d) or this ISO date/time (UTC); default 24h. Beyond "
    "7 days: hourly roll-ups.",
)
@shared_options()
@pass_state
def history(state: CliState, check_id: int, since: str | None) -> None:
    """The results of check CHECK (its id in `penguin monitor check list`), oldest first."""
    start = parse_since(since) if since is not None else None
    with arguments("check"):
        points = state.container.monitoring.history(state.actor(), check_id, start)
    emit_table(
        state,
        points,
        [("at", "at"), ("status", "status"), ("latency_ms", "latency ms"), ("message", "message")],
        f"No results for check #{check_id} in that time.",
    )


# --- settings ------------------------------------------------------------------------------
def _settings_document(settings: MonitorSettings) -> dict[str, Any]:
    return {
        "ca_bundle": str(settings.ca_bundle) if settings.ca_bundle else None,
        "ca_bundle_from": settings.ca_bundle_from,
        "pagerduty_url": settings.pagerduty_url,
        "pagerduty_url_from": settings.pagerduty_url_from,
    }


SOURCES = {
    "environment": "from the environment, {env}",
    "setting": "saved setting",
    "default": "default",
    "none": "not set: the system's trusted CAs",
}


def _settings_text(settings: MonitorSettings) -> str:
    ca_from = SOURCES[settings.ca_bundle_from].format(env=ENV_CA_BUNDLE)
    pd_from = SOURCES[settings.pagerduty_url_from].format(env=ENV_PAGERDUTY_URL)
    ca = f"{settings.ca_bundle} ({ca_from})" if settings.ca_bundle else f"({ca_from})"
    return f"CA bundle:      {ca}\nPagerDuty URL:  {settings.pagerduty_url} ({pd_from})"


@monitor.command("settings")
@click.option(
    "--ca-bundle",
    metavar="PATH",
    help="PEM file of the CAs that sign your servers' certificates, trusted besides the "
    f"system's (env {ENV_CA_BUNDLE} wins).",
)
@click.option("--clear-ca-bundle", is_flag=True, help="Forget the saved CA bundle.")
@click.option(
    "--pagerduty-url",
    metavar="URL",
    help=f"PagerDuty Events API v2 address (env {ENV_PAGERDUTY_URL} wins).",
)
@shared_options()
@pass_state
def settings(
    state: CliState, ca_bundle: str | None, clear_ca_bundle: bool, pagerduty_url: str | None
) -> None:
    """Show the monitor's settings in force and where each comes from (the environment, the
    saved setting, or the default); with options, save new ones for the whole agency."""
    if ca_bundle and clear_ca_bundle:
        raise ValidationError("give --ca-bundle or --clear-ca-bundle, not both")
    monitoring = state.container.monitoring
    actor = state.actor()
    if ca_bundle or clear_ca_bundle or pagerduty_url:
        current = monitoring.set_settings(
            actor,
            ca_bundle=ca_bundle,
            clear_ca_bundle=clear_ca_bundle,
            pagerduty_url=pagerduty_url,
        )
    else:
        current = monitoring.settings(actor)
    emit_object(state, _settings_document(current), _settings_text(current))
