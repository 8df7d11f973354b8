"""`penguin monitor ...`: the checks of servers and domains, running them (once, or on their
schedules as a service), their status and history, and the monitor's settings."""

from __future__ import annotations

import dataclasses
import json
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.monitoring.checks import CheckChange, parse_kind
from penguin_desktop.core.monitoring.models import CheckInfo, Status, TlsMode
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


@monitor.group("check")
def check() -> None:
    """The checks: every server and domain gets defaults; add, change and remove your own."""


def _seconds(value: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}s"


@dataclasses.dataclass(frozen=True)
class _CheckRow:
    """A check as `check list` and `status` print it."""

    id: int
    workspace: str
    target: str
    kind: str
    port: int | None
    tls: str | None
    every: str
    enabled: bool
    default: bool
    status: str
    last_run: datetime | None
    message: str | None

    @classmethod
    def of(cls, info: CheckInfo) -> _CheckRow:
        status = info.last_status.value if info.last_status else "not run"
        return cls(
            info.id,
            info.workspace,
            info.target,
            info.kind.value,
            info.port,
            info.tls.value if info.tls else None,
            _seconds(info.interval),
            info.enabled,
            info.is_default,
            status if info.enabled else f"{status} (disabled)",
            info.last_run_at,
            info.last_message,
        )


def _checks(state: CliState, workspace: str | None) -> list[CheckInfo]:
    """The checks in scope, defaults included (they are added as the next round would)."""
    actor = state.actor()
    monitoring = state.container.monitoring
    monitoring.checks.ensure_defaults(actor, workspace)
    return monitoring.checks.all(actor, workspace)


def _check_text(info: CheckInfo) -> str:
    where = f"{info.target}:{info.port}" if info.port else info.target
    tls = f", TLS {info.tls.value}" if info.tls else ""
    name = f", certificate name {info.tls_name}" if info.tls_name else ""
    state = "" if info.enabled else ", disabled"
    return (
        f"check #{info.id}: {info.kind.value} on {info.target_type} {where} in "
        f"{info.workspace!r}, every {_seconds(info.interval)}{tls}{name}{state}"
    )


@check.command("add")
@click.argument("kind")
@click.option("--workspace", "-w", required=True, help="Client workspace of the server or domain.")
@click.option("--server", "server_name", metavar="NAME", help="Check this server.")
@click.option("--domain", "domain_name", metavar="NAME", help="Check this domain (dns, blacklist).")
@click.option("--port", type=int, help="Port to connect to (default: the kind's usual one).")
@click.option(
    "--tls",
    type=click.Choice(TLS_MODES, case_sensitive=False),
    help="TLS mode (default: the kind's usual one).",
)
@click.option(
    "--tls-name",
    metavar="NAME",
    help="Certificate name to expect (default: the server's host name).",
)
@click.option(
    "--interval",
    type=int,
    metavar="SECONDS",
    help="Seconds between runs (default: the kind's; 10 s to 7 days).",
)
@shared_options()
@pass_state
def check_add(
    state: CliState,
    kind: str,
    workspace: str,
    server_name: str | None,
    domain_name: str | None,
    port: int | None,
    tls: str | None,
    tls_name: str | None,
    interval: int | None,
) -> None:
    """Add a check of KIND: smtp, submission, smtps, imaps, https, ssh-health or blacklist on a
    --server; dns or blacklist on a --domain."""
    with arguments("kind"):
        info = state.container.monitoring.checks.add(
            state.actor(),
            workspace,
            parse_kind(kind),
            server=server_name,
            domain=domain_name,
            port=port,
            tls=TlsMode(tls.lower()) if tls else None,
            tls_name=tls_name,
            interval=interval,
        )
    emit_object(state, info, f"Added {_check_text(info)}")


CHECK_COLUMNS = [
    ("id", "id"),
    ("workspace", "workspace"),
    ("target", "target"),
    ("kind", "kind"),
    ("port", "port"),
    ("tls", "tls"),
    ("every", "every"),
    ("enabled", "enabled"),
    ("default", "default"),
]
NO_CHECKS = (
    "No checks yet: add a server or a domain, or `penguin monitor check add KIND --workspace W "
    "--server NAME`."
)


@check.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def check_list(state: CliState, workspace: str | None) -> None:
    """List the checks: what each checks, where, how often, and whether it is on."""
    rows = _checks(state, workspace)
    if state.json:
        emit_table(state, rows, [], "")
        return
    emit_table(state, [_CheckRow.of(r) for r in rows], CHECK_COLUMNS, NO_CHECKS)


def _threshold(raw: str) -> tuple[str, tuple[float | None, float | None]]:
    """CONDITION=WARN[:CRIT]: each figure a number, or empty for no threshold."""
    condition, sep, figures = raw.partition("=")
    warning, _, critical = figures.partition(":")

    def number(text: str) -> float | None:
        if not text.strip():
            return None
        try:
            return float(text)
        except ValueError:
            raise ValidationError(
                f"{raw!r}: {text.strip()!r} is not a number (use CONDITION=WARN[:CRIT], a "
                "figure left empty for none)",
                field="threshold",
            ) from None

    if not sep or not condition.strip():
        raise ValidationError(
            f"{raw!r} is not CONDITION=WARN[:CRIT], e.g. cert_expiry=14:3", field="threshold"
        )
    return condition.strip().lower(), (number(warning), number(critical))


@check.command("set")
@click.argument("check_id", metavar="ID", type=int)
@click.option("--port", type=int, help="Port to connect to.")
@click.option("--tls", type=click.Choice(TLS_MODES, case_sensitive=False), help="TLS mode.")
@click.option(
    "--tls-name",
    metavar="NAME",
    help="Certificate name to expect; empty to expect the server's host name again.",
)
@click.option("--interval", type=int, metavar="SECONDS", help="Seconds between runs.")
@click.option("--enable/--disable", "enabled", default=None, help="Turn the check on or off.")
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="CONDITION=WARN[:CRIT]",
    help="This check's own threshold for an alert condition (e.g. cert_expiry=14:3, "
    "disk=:95); a figure left empty means none. Repeatable.",
)
@shared_options()
@pass_state
def check_set(
    state: CliState,
    check_id: int,
    port: int | None,
    tls: str | None,
    tls_name: str | None,
    interval: int | None,
    enabled: bool | None,
    thresholds: tuple[str, ...],
) -> None:
    """Change check ID: port, TLS, expected certificate name, interval, on or off, and its own
    alert thresholds (over the agency's and the workspace's rules)."""
    parsed = dict(_threshold(t) for t in thresholds)
    change = CheckChange(
        port=port,
        tls=TlsMode(tls.lower()) if tls else None,
        tls_name=tls_name,
        interval=interval,
        enabled=enabled,
        thresholds=parsed or None,
    )
    if change == CheckChange():
        raise ValidationError(
            "nothing to change: give --port, --tls, --tls-name, --interval, --enable, "
            "--disable or --threshold"
        )
    with arguments("check"):
        info = state.container.monitoring.checks.set(state.actor(), check_id, change)
    emit_object(state, info, f"Changed {_check_text(info)}")


@check.command("remove")
@click.argument("check_id", metavar="ID", type=int)
@shared_options()
@pass_state
def check_remove(state: CliState, check_id: int) -> None:
    """Remove check ID with its history (a default check cannot go: disable it instead)."""
    with arguments("check"):
        state.container.monitoring.checks.remove(state.actor(), check_id)
    emit_object(state, {"removed": check_id}, f"Removed check #{check_id}")


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


@contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM (systemd stopping the service) call `stop`: the round under
    way ends after the probes already started; a second signal stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in caught}
    asked = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        if asked.is_set():
            raise KeyboardInterrupt
        asked.set()
        stop()

    for sig in caught:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
        with progress(state) as job, _stop_on_signals(job.cancel):
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
    with _stop_on_signals(stop.set):
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
    rows = _checks(state, workspace)
    if state.json:
        emit_table(state, rows, [], "")
        return
    emit_table(
        state,
        [_CheckRow.of(r) for r in rows],
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
