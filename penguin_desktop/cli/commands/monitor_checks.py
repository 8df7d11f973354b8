"""`penguin monitor check ...`: every server and domain gets its default checks; users list
them and add, change and remove their own."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.monitoring.checks import CheckChange, parse_kind
from penguin_desktop.core.monitoring.models import CheckInfo, TlsMode
from penguin_desktop.core.platform.errors import ValidationError

TLS_MODES = [m.value for m in TlsMode]


@click.group("check")
def check() -> None:
    """The checks: every server and domain gets defaults; add, change and remove your own."""


def _seconds(value: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}s"


@dataclasses.dataclass(frozen=True)
class CheckRow:
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
    def of(cls, info: CheckInfo) -> CheckRow:
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


def checks_in_scope(state: CliState, workspace: str | None) -> list[CheckInfo]:
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
    rows = checks_in_scope(state, workspace)
    if state.json:
        emit_table(state, rows, [], "")
        return
    emit_table(state, [CheckRow.of(r) for r in rows], CHECK_COLUMNS, NO_CHECKS)


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
    "disk=:95); a figure left empty means none, and both empty (disk=) puts the check back "
    "on the rule. Repeatable.",
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
