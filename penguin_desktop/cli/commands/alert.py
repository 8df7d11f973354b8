"""`penguin alert ...`: the alerts the monitor opened, acknowledging and resolving them, and the
rules (thresholds) that open them for the agency or one workspace."""

from __future__ import annotations

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.monitoring.models import AlertInfo
from penguin_desktop.core.monitoring.rule_settings import RuleView, parse_condition


@click.group("alert")
def alert() -> None:
    """Alerts from the monitor's checks: list, acknowledge, resolve; and their rules."""


@alert.command("list")
@click.option("--all", "everything", is_flag=True, help="Resolved alerts too (the latest 500).")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def list_(state: CliState, everything: bool, workspace: str | None) -> None:
    """List the alerts not yet resolved (with --all, resolved ones too), newest first."""
    rows = state.container.monitoring.alerts.all(
        state.actor(), workspace, include_resolved=everything
    )
    emit_table(
        state,
        rows,
        [
            ("id", "id"),
            ("workspace", "workspace"),
            ("target", "target"),
            ("check_kind", "check"),
            ("condition", "condition"),
            ("severity", "severity"),
            ("state", "state"),
            ("opened_at", "opened"),
            ("acknowledged_by", "acknowledged by"),
            ("message", "message"),
        ],
        "No alerts." if everything else "No open alerts.",
    )


def _alert_text(info: AlertInfo, done: str) -> str:
    return (
        f"Alert #{info.id} {done}: {info.severity.value} {info.condition} on {info.target} "
        f"({info.workspace}): {info.message}"
    )


@alert.command("ack")
@click.argument("alert_id", metavar="ID", type=int)
@shared_options()
@pass_state
def ack(state: CliState, alert_id: int) -> None:
    """Acknowledge alert ID: someone is on it. It stays open until the check recovers or it
    is resolved; the notifiers are told."""
    with arguments("alert"):
        info = state.container.monitoring.alerts.acknowledge(state.actor(), alert_id)
    emit_object(state, info, _alert_text(info, "acknowledged"))


@alert.command("resolve")
@click.argument("alert_id", metavar="ID", type=int)
@shared_options()
@pass_state
def resolve(state: CliState, alert_id: int) -> None:
    """Resolve alert ID by hand (the monitor opens it again if the check still fails); the
    notifiers are told."""
    with arguments("alert"):
        info = state.container.monitoring.alerts.resolve(state.actor(), alert_id)
    emit_object(state, info, _alert_text(info, "resolved"))


@alert.group("rule")
def rule() -> None:
    """Alert rules: the thresholds that open alerts, for the agency or one workspace."""


RULE_COLUMNS = [
    ("condition", "condition"),
    ("warning", "warning"),
    ("critical", "critical"),
    ("unit", "unit"),
    ("enabled", "enabled"),
    ("source", "from"),
    ("meaning", "meaning"),
]


@rule.command("list")
@click.option(
    "--workspace", "-w", help="The rules in force for this workspace (default: the agency's)."
)
@shared_options()
@pass_state
def rule_list(state: CliState, workspace: str | None) -> None:
    """List the alert rules in force and where each comes from: the default, the agency's, or
    the workspace's own (a check's own thresholds go over these: `monitor check set`)."""
    rows = state.container.monitoring.rules.all(state.actor(), workspace)
    emit_table(state, rows, RULE_COLUMNS, "No alert rules.")


def _rule_text(view: RuleView, workspace: str | None) -> str:
    def figure(value: float | None) -> str:
        return "none" if value is None else f"{value:g}{' ' + view.unit if view.unit else ''}"

    whose = f"workspace {workspace!r}" if workspace else "the agency"
    if not view.enabled:
        return f"Rule {view.condition} is off for {whose}."
    return (
        f"Rule {view.condition} for {whose}: warning {figure(view.warning)}, critical "
        f"{figure(view.critical)} ({view.meaning})."
    )


@rule.command("set")
@click.argument("condition")
@click.option("--warning", type=float, help="Warning threshold (omitted: none).")
@click.option("--critical", type=float, help="Critical threshold (omitted: none).")
@click.option("--off", is_flag=True, help="Turn the rule off: this condition opens no alerts.")
@click.option("--workspace", "-w", help="Set it for this workspace only (default: for the agency).")
@shared_options()
@pass_state
def rule_set(
    state: CliState,
    condition: str,
    warning: float | None,
    critical: float | None,
    off: bool,
    workspace: str | None,
) -> None:
    """Set the rule for CONDITION (down, service, cert_expiry, queue_size, queue_age, disk,
    blacklisted, dns, flapping) for the agency or one workspace; it replaces both thresholds.
    `penguin alert rule list` shows what each means and its unit."""
    with arguments("condition"):
        view = state.container.monitoring.rules.set(
            state.actor(),
            parse_condition(condition),
            warning=warning,
            critical=critical,
            enabled=not off,
            workspace=workspace,
        )
    emit_object(state, view, _rule_text(view, workspace))
