"""`penguin billing payments|invoices|refund|revenue` (added to the group in billing.py): the
money side of billing, read from the
synced mirror: payment history and invoices with filters and CSV export, refunds (once per
idempotency key), and revenue with its monthly movements. Amounts print in the currency's
units; JSON and CSV keep Stripe's minor units."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table, plain
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.billing.models import InvoiceInfo, MonthFigures, Payment, Revenue
from penguin_desktop.core.billing.money import money
from penguin_desktop.core.platform.errors import ValidationError

DAY = click.DateTime(formats=["%Y-%m-%d"])


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


def _days(criteria: dict[str, Any]) -> dict[str, Any]:
    """The filters as the service takes them: click gives the days as datetimes."""
    return {k: v.date() if isinstance(v, datetime) else v for k, v in criteria.items()}


def _export(
    state: CliState,
    kind: type[Payment] | type[InvoiceInfo],
    rows: Sequence[Payment] | Sequence[InvoiceInfo],
    path: Path,
) -> bool:
    """Write CSV; True when it went to stdout (and the table is not printed)."""
    billing_service = state.container.billing
    if str(path) == "-":
        billing_service.export_csv(state.actor(), kind, rows, sys.stdout, "stdout")
        return True
    try:
        with path.open("w", newline="", encoding="utf-8") as out:
            count = billing_service.export_csv(state.actor(), kind, rows, out, str(path))
    except OSError as exc:
        raise ValidationError(f"cannot write {path}: {exc.strerror or exc}", field="csv") from None
    click.echo(f"Wrote {count} rows to {path}.", err=True)
    return False


@click.command("payments")
@_filters
@shared_options()
@pass_state
def payments(
    state: CliState, /, workspace: str | None, csv_path: Path | None, **criteria: Any
) -> None:
    """Charges and refunds, newest first; a failed charge with its decline and next retry."""
    rows = state.container.billing.payments(state.actor(), workspace, **_days(criteria))
    if csv_path is not None and _export(state, Payment, rows, csv_path):
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


@click.command("invoices")
@_filters
@shared_options()
@pass_state
def invoices(
    state: CliState, /, workspace: str | None, csv_path: Path | None, **criteria: Any
) -> None:
    """Invoices, newest first, with their hosted page and PDF links."""
    rows = state.container.billing.invoices(state.actor(), workspace, **_days(criteria))
    if csv_path is not None and _export(state, InvoiceInfo, rows, csv_path):
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


@click.command("refund")
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


@click.command("revenue")
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
    def __init__(self, m: MonthFigures) -> None:
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
