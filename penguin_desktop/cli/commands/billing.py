"""`penguin billing ...`: the Stripe connection, the sync, customers and their workspaces,
payments, invoices, refunds, revenue, and the webhook receiver for a headless box. Keys are
read from stdin into the secret store and never printed. Payments, invoices, refunds and
revenue are in billing_payments.py; plans and feature flags (`penguin plan`, `penguin flags`)
in billing_plans.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from penguin_desktop.cli.commands.billing_payments import invoices, payments, refund, revenue
from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.inputs import read_stdin_line
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress, stop_on_signals
from penguin_desktop.cli.serving import listen, serve_until_stopped
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.billing.models import (
    ConnectionInfo,
    KeyTest,
    SyncStatus,
)
from penguin_desktop.core.billing.settings import ENV_API_BASE
from penguin_desktop.core.platform.errors import Cancelled, ValidationError

INTERRUPTED = 130


@click.group("billing")
def billing() -> None:
    """Billing from Stripe: connect, sync, payments, invoices, refunds, revenue, webhooks."""


def _connected(info: ConnectionInfo) -> str:
    who = info.account_name or info.account_id or "an account whose name the key may not read"
    mode = "live" if info.livemode else "test"
    return (
        f"Connected to {who} ({mode} mode) at {info.api_base} ({info.api_base_from}); the key "
        f"is in the {info.key_backend} secret store. Next: penguin billing sync"
    )


@billing.command("connect")
@click.option(
    "--key-stdin",
    is_flag=True,
    help="Read the Stripe secret or restricted key from stdin (required).",
)
@click.option(
    "--api-base", help=f"Stripe's API address (default Stripe's own; env {ENV_API_BASE} wins)."
)
@shared_options()
@pass_state
def connect(state: CliState, key_stdin: bool, api_base: str | None) -> None:
    """Check a Stripe API key against Stripe and keep it in the secret store. A restricted key
    (rk_...) with read access to the lists is enough for everything but refunds."""
    if not key_stdin:
        raise ValidationError("the API key is read from standard input: --key-stdin")
    key = read_stdin_line("Stripe API key")
    info = state.container.billing.connect(state.actor(), key, api_base=api_base)
    emit_object(state, info, _connected(info))


@billing.command("webhook-secret")
@click.option(
    "--secret-stdin",
    is_flag=True,
    help="Read the endpoint's signing secret (whsec_...) from stdin (required).",
)
@shared_options()
@pass_state
def webhook_secret(state: CliState, secret_stdin: bool) -> None:
    """Keep the signing secret of the Stripe webhook endpoint that `billing webhook-serve`
    receives, in the secret store."""
    if not secret_stdin:
        raise ValidationError("the signing secret is read from standard input: --secret-stdin")
    state.container.billing.set_webhook_secret(state.actor(), read_stdin_line("signing secret"))
    emit_object(state, {"webhook_secret": True}, "Kept the webhook signing secret.")


def _tested(test: KeyTest) -> str:
    who = test.account_name or test.account_id or "(the key may not read the account)"
    lines = [f"Account: {who} ({'live' if test.livemode else 'test'} mode)"]
    lines.append("May read: " + (", ".join(test.readable) or "nothing"))
    if test.unreadable:
        lines.append("May not read: " + ", ".join(test.unreadable) + " (those stay empty)")
    return "\n".join(lines)


@billing.command("test")
@shared_options()
@pass_state
def test(state: CliState) -> None:
    """Ask Stripe whose account the kept key opens and which lists it may read."""
    result = state.container.billing.test(state.actor())
    emit_object(state, result, _tested(result))


@billing.command("sync")
@click.option(
    "--full",
    is_flag=True,
    help="Page through every list again instead of reading the events since the last sync.",
)
@shared_options()
@pass_state
def sync(state: CliState, full: bool) -> None:
    """Sync the mirror from Stripe: everything the first time (or with --full), then only the
    events since the last sync. Ctrl-C stops after the page under way; the next sync resumes."""
    actor = state.actor()
    try:
        with progress(state) as job, stop_on_signals(job.cancel):
            report = state.container.billing.sync(actor, full=full, ctx=job)
    except Cancelled as exc:
        click.echo(exc.message, err=True)
        raise click.exceptions.Exit(INTERRUPTED) from None
    emit_object(
        state,
        report,
        f"{report.kind.value.capitalize()} sync: {report.written} rows written, "
        f"{report.events_applied} events applied, {report.requests} requests to Stripe.",
    )


def _status(status: SyncStatus) -> str:
    if not status.connected:
        return "Not connected to Stripe. Connect: penguin billing connect --key-stdin"
    when = f"{status.last_sync_at:%Y-%m-%d %H:%M:%S}Z" if status.last_sync_at else "never"
    lines = [f"Account: {status.account_name or '-'}", f"Last sync: {when}"]
    if status.last_sync_at:
        lines[-1] += f" ({status.last_sync_kind}, {status.last_sync_requests} requests)"
    if status.last_sync_error:
        lines.append(f"Last sync failed: {status.last_sync_error}")
    if status.resume_at:
        lines.append(f"The first sync stopped at {status.resume_at}; the next sync resumes there.")
    elif not status.full_sync_done:
        lines.append("Not synced yet: penguin billing sync")
    lines.append("Mirror: " + ", ".join(f"{n} {name}" for name, n in status.counts))
    if status.unlinked_customers:
        lines.append(
            f"{status.unlinked_customers} customers belong to no workspace: "
            "penguin billing customers"
        )
    return "\n".join(lines)


@billing.command("status")
@shared_options()
@pass_state
def status(state: CliState) -> None:
    """The connection, the last sync and what the mirror holds."""
    result = state.container.billing.status(state.actor())
    emit_object(state, result, _status(result))


@billing.command("customers")
@shared_options()
@pass_state
def customers(state: CliState) -> None:
    """Stripe's customers and the workspace each belongs to (by metadata or by hand)."""
    rows = state.container.billing.customers(state.actor())
    emit_table(
        state,
        rows,
        [
            ("id", "customer"),
            ("name", "name"),
            ("email", "email"),
            ("workspace", "workspace"),
            ("link", "linked by"),
            ("metadata_workspace", "metadata says"),
        ],
        "No customers synced yet.",
    )


@billing.command("link")
@click.argument("customer")
@click.option("--workspace", "-w", help="The client workspace the customer pays for.")
@click.option(
    "--by-metadata",
    is_flag=True,
    help="Undo a link made by hand: follow the customer's penguin_workspace metadata again.",
)
@shared_options()
@pass_state
def link(state: CliState, customer: str, workspace: str | None, by_metadata: bool) -> None:
    """Link the Stripe customer CUSTOMER (cus_...) to a client workspace by hand (a link by
    hand outlasts the customer's metadata), or hand it back to its metadata."""
    if bool(workspace) == by_metadata:
        raise ValidationError(
            "say either which workspace, or to follow the metadata again", field="workspace"
        )
    with arguments("customer"):
        info = state.container.billing.link(state.actor(), customer, workspace)
    where = f"workspace {info.workspace!r}" if info.workspace else "no workspace"
    emit_object(state, info, f"Customer {info.id} belongs to {where} ({info.link or 'unlinked'}).")


@billing.command("webhook-serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on (behind the agency's reverse proxy).",
)
@click.option("--port", type=click.IntRange(1, 65535), required=True, help="The port to listen on.")
@shared_options()
@pass_state
def webhook_serve(state: CliState, host: str, port: int) -> None:
    """Receive Stripe's webhooks until stopped: each delivery's Stripe-Signature is checked
    (signature, and a timestamp at most 5 minutes old) and its event applied once."""
    from penguin_desktop.core.billing.webhooks import make_server

    receiver = state.container.billing.webhook_receiver(state.actor())

    def report(delivery: Any, error: str) -> None:
        stamp = f"{datetime.now():%Y-%m-%d %H:%M:%S}"
        if delivery is None:
            click.echo(f"{stamp} {error}", err=True)
        else:
            done = "applied" if delivery.applied else "seen before, skipped"
            click.echo(f"{stamp} {delivery.type} {delivery.event_id}: {done}")

    server = listen(lambda: make_server(receiver, host, port, report), host, port)
    serve_until_stopped(server, "Receiving Stripe webhooks", host, port)


for command in (payments, invoices, refund, revenue):
    billing.add_command(command)
