"""`penguin billing ...`: the Stripe connection, the sync, customers and their workspaces,
payments, invoices, refunds, revenue, and the webhook receiver for a headless box. Keys are
read from stdin into the secret store and never printed. (Plans and feature flags are
`penguin plan` and `penguin flags`, in billing_plans.py.)"""

from __future__ import annotations

import json
import sys
import threading
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.inputs import read_stdin_line
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table, plain
from penguin_desktop.cli.progress import progress, stop_on_signals
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.billing.client import ENV_API_BASE
from penguin_desktop.core.billing.models import (
    ConnectionInfo,
    InvoiceInfo,
    KeyTest,
    Payment,
    Revenue,
    SyncStatus,
)
from penguin_desktop.core.billing.money import money
from penguin_desktop.core.platform.errors import Cancelled, ValidationError

INTERRUPTED = 130
DAY = click.DateTime(formats=["%Y-%m-%d"])


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


def _filters(func: Any) -> Any:
    options = [
        click.option("--workspace", "-w", help="Only this client workspace's."),
        click.option(
            "--failed", is_flag=True, help="Only failed payments (or invoices awaiting a retry)."
        ),
        click.option(
            "--status",
            help="Only this status (e.g. succeeded, failed, refunded; paid, open, void).",
        ),
        click.option("--since", type=DAY, help="From this day on (YYYY-MM-DD, UTC)."),
        click.option("--until", type=DAY, help="Up to this day, included (YYYY-MM-DD, UTC)."),
        click.option("--limit", type=int, help="At most this many, newest first."),
        click.option(
            "--csv",
            "csv_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write them as CSV to this file ('-' for stdout instead of the table).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _export(state: CliState, rows: Sequence[Payment] | Sequence[InvoiceInfo], path: Path) -> bool:
    """Write CSV; True when it went to stdout (and the table is not printed)."""
    billing_service = state.container.billing
    if str(path) == "-":
        billing_service.export_csv(state.actor(), list(rows), sys.stdout, "stdout")  # type: ignore[arg-type]
        return True
    try:
        with path.open("w", newline="", encoding="utf-8") as out:
            count = billing_service.export_csv(state.actor(), list(rows), out, str(path))  # type: ignore[arg-type]
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror or exc}", field="csv") from None
    click.echo(f"Wrote {count} rows to {path}.", err=True)
    return False


@billing.command("payments")
@_filters
@shared_options()
@pass_state
def payments(
    state: CliState,
    workspace: str | None,
    failed: bool,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    csv_path: Path | None,
) -> None:
    """Charges and refunds, newest first; a failed charge with its decline and next retry."""
    rows = state.container.billing.payments(
        state.actor(),
        workspace,
        failed=failed,
        status=status,
        since=_day(since),
        until=_day(until),
        limit=limit,
    )
    if csv_path is not None and _export(state, rows, csv_path):
        return
    emit_table(
        state,
        rows if state.json else [_PaymentLine(p) for p in rows],
        [
            ("created", "date"),
            ("kind", "kind"),
            ("id", "id"),
            ("workspace", "workspace"),
            ("customer", "customer"),
            ("amount", "amount"),
            ("status", "status"),
            ("detail", "detail"),
        ],
        "No payments match.",
    )


class _PaymentLine:
    def __init__(self, p: Payment) -> None:
        self.created, self.kind, self.id, self.workspace = p.created, p.kind, p.id, p.workspace
        self.customer = p.customer_name or p.customer
        self.amount, self.status = money(p.amount, p.currency), p.status
        detail = []
        if p.failure:
            detail.append(p.failure + (f" [{p.decline_code}]" if p.decline_code else ""))
        if p.next_retry:
            detail.append(f"next retry {p.next_retry:%Y-%m-%d %H:%M}Z")
        if p.refunded:
            detail.append(f"refunded {money(p.refunded, p.currency)}")
        if p.charge:
            detail.append(f"of {p.charge}")
        self.detail = "; ".join(detail) or None


@billing.command("invoices")
@_filters
@shared_options()
@pass_state
def invoices(
    state: CliState,
    workspace: str | None,
    failed: bool,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    csv_path: Path | None,
) -> None:
    """Invoices, newest first, with their hosted page and PDF links."""
    rows = state.container.billing.invoices(
        state.actor(),
        workspace,
        failed=failed,
        status=status,
        since=_day(since),
        until=_day(until),
        limit=limit,
    )
    if csv_path is not None and _export(state, rows, csv_path):
        return
    emit_table(
        state,
        rows,
        [
            ("created", "date"),
            ("id", "id"),
            ("number", "number"),
            ("workspace", "workspace"),
            ("customer_name", "customer"),
            ("status", "status"),
            ("total", "total"),
            ("currency", "cur"),
            ("next_retry", "next retry"),
            ("hosted_invoice_url", "page"),
        ],
        "No invoices match.",
    )


@billing.command("refund")
@click.argument("charge")
@click.option(
    "--amount",
    type=int,
    help="Refund this many cents (the currency's minor unit); default: all that is left.",
)
@click.option(
    "--reason", required=True, help="Why (kept in the audit trail and on the refund in Stripe)."
)
@click.option(
    "--idempotency-key",
    help="Send the same key again to retry without refunding twice (default: a new key).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@shared_options()
@pass_state
def refund(
    state: CliState,
    charge: str,
    amount: int | None,
    reason: str,
    idempotency_key: str | None,
    yes: bool,
) -> None:
    """Refund the payment CHARGE (ch_...), in full or in part (owners and admins). Asks for
    confirmation at a terminal."""
    key = idempotency_key or uuid.uuid4().hex
    if not yes and sys.stdin.isatty():
        what = f"{amount} cents of" if amount else "all that is left of"
        click.confirm(f"Refund {what} {charge}?", abort=True, err=True)
    with arguments("charge"):
        result = state.container.billing.refund(
            state.actor(), charge, reason=reason, idempotency_key=key, amount=amount
        )
    again = " (already refunded with this key: nothing new was done)" if result.repeated else ""
    emit_object(
        state,
        result,
        f"Refund {result.refund_id}: {money(result.amount, result.currency)} of {charge}, "
        f"{result.status}{again}. Idempotency key: {key}",
    )


def revenue_json(result: Revenue) -> dict[str, Any]:
    """Per-figure maps by currency at the top (`mrr`, `arr`, ...), then the rows."""
    top: dict[str, Any] = {"as_of": result.as_of.isoformat()}
    for figure in ("mrr", "arr", "active_subscriptions", "paying_customers", "arpa"):
        top[figure] = {c.currency: getattr(c, figure) for c in result.currencies}
    top["currencies"] = plain(list(result.currencies))
    top["months"] = plain(list(result.months))
    return top


@billing.command("revenue")
@click.option(
    "--months",
    type=int,
    default=12,
    show_default=True,
    help="How many calendar months of movements to show.",
)
@shared_options()
@pass_state
def revenue(state: CliState, months: int) -> None:
    """MRR, ARR, subscriptions and ARPA per currency, and each month's MRR movements, failed
    payments, refunds and net revenue retention."""
    result = state.container.billing.revenue.revenue(state.actor(), months=months)
    if state.json:
        click.echo(json.dumps(revenue_json(result), indent=2))
        return
    if not result.currencies and not result.months:
        click.echo("No revenue yet: nothing synced, or no paying subscription.")
        return
    for c in result.currencies:
        click.echo(
            f"{c.currency.upper()}: MRR {money(c.mrr, c.currency)}, ARR "
            f"{money(c.arr, c.currency)}, {c.active_subscriptions} active subscriptions, "
            f"{c.paying_customers} paying customers, ARPA {money(c.arpa, c.currency)}"
        )
    emit_table(
        state,
        [_MonthLine(m) for m in result.months],
        [
            ("month", "month"),
            ("currency", "cur"),
            ("start", "start"),
            ("new", "new"),
            ("expansion", "expansion"),
            ("contraction", "contraction"),
            ("churn", "churn"),
            ("reactivation", "reactivation"),
            ("end", "end"),
            ("failed", "failed payments"),
            ("refunds", "refunds"),
            ("nrr", "NRR"),
        ],
        "",
    )


class _MonthLine:
    def __init__(self, m: Any) -> None:
        cur = m.currency
        self.month, self.currency = m.month, cur.upper()
        self.start, self.end = money(m.start_mrr, cur), money(m.end_mrr, cur)
        self.new, self.expansion = money(m.new, cur), money(m.expansion, cur)
        self.contraction, self.churn = money(-m.contraction, cur), money(-m.churn, cur)
        self.reactivation = money(m.reactivation, cur)
        rate = f" ({m.failed_payment_rate:.0%})" if m.failed_payment_rate is not None else ""
        self.failed = f"{m.failed_payments}/{m.payments}{rate}"
        self.refunds = money(m.refunds, cur)
        nrr = m.net_revenue_retention
        self.nrr = f"{nrr:.0%}" if nrr is not None else None


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

    try:
        server = make_server(receiver, host, port, report)
    except OSError as exc:
        raise ValidationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}", field="port", value=port
        ) from None
    click.echo(f"Receiving Stripe webhooks on http://{host}:{port}/; Ctrl-C stops.", err=True)
    serving = threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True)
    stop = threading.Event()
    serving.start()
    try:
        with stop_on_signals(stop.set):
            while not stop.wait(0.5):
                pass
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
