"""`penguin notifier ...`: where alert events go (PagerDuty, signed webhooks), a test delivery,
and the delivery log. Routing keys and signing secrets are read from stdin into the secret
store; only their names are ever shown."""

from __future__ import annotations

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.inputs import read_stdin_line
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.monitoring.models import NotifierInfo, NotifierKind
from penguin_desktop.core.platform.errors import ExternalServiceError, ValidationError

WORKSPACE_HELP = (
    "Tell it only of this workspace's alerts (default: the agency's notifier, told of every "
    "workspace's)."
)


@click.group("notifier")
def notifier() -> None:
    """Notifiers: PagerDuty and signed webhooks that are told when alerts open and close."""


@notifier.group("add")
def add() -> None:
    """Add a notifier: PagerDuty (Events API v2) or a signed webhook."""


def _added(info: NotifierInfo) -> str:
    whose = f"workspace {info.workspace!r}" if info.workspace else "every workspace"
    where = f" at {info.url}" if info.url else ""
    return (
        f"Added {info.kind.value} notifier {info.name}{where} for {whose}; its secret is in "
        f"the secret store as {info.secret}. Try it: penguin notifier test {info.name}"
    )


@add.command("pagerduty")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option(
    "--routing-key-stdin",
    is_flag=True,
    help="Read the integration's 32-character routing key from stdin (required).",
)
@shared_options()
@pass_state
def add_pagerduty(
    state: CliState, name: str, workspace: str | None, routing_key_stdin: bool
) -> None:
    """Send alerts to a PagerDuty service through its Events API v2 integration; one incident
    per check and condition, resolved when the alert is."""
    if not routing_key_stdin:
        raise ValidationError("the routing key is read from standard input: --routing-key-stdin")
    key = read_stdin_line("routing key")
    info = state.container.monitoring.notifiers.add(
        state.actor(), NotifierKind.PAGERDUTY, name, key, workspace=workspace
    )
    emit_object(state, info, _added(info))


@add.command("webhook")
@click.argument("name")
@click.option("--url", required=True, help="The http(s) address to POST alert events to.")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option(
    "--secret-stdin",
    is_flag=True,
    help="Read the signing secret (HMAC-SHA256, header X-Penguin-Signature) from stdin (required).",
)
@shared_options()
@pass_state
def add_webhook(
    state: CliState, name: str, url: str, workspace: str | None, secret_stdin: bool
) -> None:
    """Send alerts as JSON POSTs signed with a shared secret, which the receiver verifies."""
    if not secret_stdin:
        raise ValidationError("the signing secret is read from standard input: --secret-stdin")
    secret = read_stdin_line("webhook secret")
    info = state.container.monitoring.notifiers.add(
        state.actor(), NotifierKind.WEBHOOK, name, secret, workspace=workspace, url=url
    )
    emit_object(state, info, _added(info))


@notifier.command("list")
@shared_options()
@pass_state
def list_(state: CliState) -> None:
    """List the notifiers: the agency's and those of the workspaces you may read (their
    secrets' names, never the values)."""
    rows = state.container.monitoring.notifiers.all(state.actor())
    emit_table(
        state,
        rows,
        [
            ("name", "name"),
            ("kind", "kind"),
            ("workspace", "workspace"),
            ("url", "url"),
            ("secret", "secret name"),
            ("enabled", "enabled"),
        ],
        "No notifiers yet: penguin notifier add pagerduty|webhook NAME ...",
    )


@notifier.command("test")
@click.argument("name")
@shared_options()
@pass_state
def test(state: CliState, name: str) -> None:
    """Send a made-up alert, opened then resolved, to the notifier. Exits 5 when it is not
    delivered."""
    with arguments("name"):
        attempt = state.container.monitoring.notifiers.test(state.actor(), name)
    code = f" (HTTP {attempt.status_code})" if attempt.status_code is not None else ""
    if not attempt.ok:
        raise ExternalServiceError(f"the test alert did not reach {name}{code}: {attempt.error}")
    emit_object(state, attempt, f"Test alert delivered to {name}{code}.")


@notifier.command("enable")
@click.argument("name")
@shared_options()
@pass_state
def enable(state: CliState, name: str) -> None:
    """Turn a muted notifier back on: it is told of the alerts from now on."""
    _switch(state, name, on=True)


@notifier.command("disable")
@click.argument("name")
@shared_options()
@pass_state
def disable(state: CliState, name: str) -> None:
    """Mute a notifier (maintenance, a receiver being moved) without losing its settings;
    what happens while it is off is not sent later."""
    _switch(state, name, on=False)


def _switch(state: CliState, name: str, *, on: bool) -> None:
    with arguments("name"):
        info = state.container.monitoring.notifiers.set_enabled(state.actor(), name, on)
    emit_object(state, info, f"Notifier {name} is {'on' if on else 'off'}")


@notifier.command("remove")
@click.argument("name")
@shared_options()
@pass_state
def remove(state: CliState, name: str) -> None:
    """Remove the notifier and its secret; it is told of no more alerts."""
    with arguments("name"):
        state.container.monitoring.notifiers.remove(state.actor(), name)
    emit_object(state, {"removed": name}, f"Removed notifier {name}")


@notifier.command("log")
@click.argument("name", required=False)
@shared_options()
@pass_state
def log(state: CliState, name: str | None) -> None:
    """The delivery log, newest first (of every notifier, or only NAME): each event sent or
    owed, its tries, the receiver's answer, and when it is tried next."""
    with arguments("name"):
        rows = state.container.monitoring.notifiers.deliveries(state.actor(), name)
    emit_table(
        state,
        rows,
        [
            ("at", "when"),
            ("notifier", "notifier"),
            ("alert_id", "alert"),
            ("event", "event"),
            ("attempts", "attempts"),
            ("status_code", "status"),
            ("delivered", "delivered"),
            ("next_attempt_at", "next try"),
            ("error", "error"),
        ],
        "Nothing delivered yet.",
    )
