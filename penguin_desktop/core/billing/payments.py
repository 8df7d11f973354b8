"""The payment history and the invoices, read from the mirror, and their CSV export.

A failed charge shows why it failed (Stripe's code, the issuer's decline code, Stripe's
sentence) and, when its invoice is still open, when Stripe will try again. Money is in minor
units everywhere, the CSV included, so a spreadsheet sums it without rounding."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time
from typing import IO, Any, TypeVar

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing.models import InvoiceInfo, Payment
from penguin_desktop.core.billing.tables import ChargeRow, CustomerRow, InvoiceRow, RefundRow
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.store.tables import WorkspaceRow

S = TypeVar("S")
CHARGE_STATUSES = ("succeeded", "failed", "pending", "refunded")
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")


@dataclass(frozen=True)
class PaymentFilter:
    workspace_id: int | None = None
    failed: bool = False
    status: str | None = None
    since: date | None = None
    until: date | None = None
    limit: int | None = None


def check_status(status: str | None, allowed: tuple[str, ...]) -> str | None:
    if status is None:
        return None
    value = status.strip().lower()
    if value not in allowed:
        raise ValidationError(
            f"{status!r} is not a status here", field="status", value=status, allowed=allowed
        )
    return value


def _stamp(day: date, end: bool = False) -> int:
    moment = datetime.combine(day, time.max if end else time.min, UTC)
    return int(moment.timestamp())


def _when(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _period(query: S, column: Any, flt: PaymentFilter) -> S:
    q: Any = query
    if flt.since is not None:
        q = q.where(column >= _stamp(flt.since))
    if flt.until is not None:
        q = q.where(column <= _stamp(flt.until, end=True))
    result: S = q
    return result


def payments(session: Session, flt: PaymentFilter) -> list[Payment]:
    """Charges and refunds, newest first."""
    rows = _charges(session, flt)
    if not flt.failed and flt.status in (None, "refunded"):
        rows += _refunds(session, flt)
    rows.sort(key=lambda p: (p.created, p.id), reverse=True)
    return rows[: flt.limit] if flt.limit else rows


def _charges(session: Session, flt: PaymentFilter) -> list[Payment]:
    query = (
        select(ChargeRow, CustomerRow.name, WorkspaceRow.name, InvoiceRow)
        .outerjoin(CustomerRow, CustomerRow.id == ChargeRow.customer)
        .outerjoin(WorkspaceRow, WorkspaceRow.id == CustomerRow.workspace_id)
        .outerjoin(
            InvoiceRow, or_(InvoiceRow.id == ChargeRow.invoice, InvoiceRow.charge == ChargeRow.id)
        )
    )
    if flt.workspace_id is not None:
        query = query.where(CustomerRow.workspace_id == flt.workspace_id)
    if flt.failed or flt.status == "failed":
        query = query.where(ChargeRow.status == "failed")
    elif flt.status == "refunded":
        query = query.where(ChargeRow.amount_refunded > 0)
    elif flt.status is not None:
        query = query.where(ChargeRow.status == flt.status)
    query = _period(query, ChargeRow.created, flt).order_by(ChargeRow.created.desc())
    if flt.limit:
        query = query.limit(flt.limit)
    result: dict[str, Payment] = {}
    for charge, customer_name, workspace, invoice in session.execute(query):
        retry = (
            invoice.next_payment_attempt
            if invoice is not None and invoice.status == "open"
            else None
        )
        result.setdefault(
            charge.id,
            Payment(
                kind="charge",
                id=charge.id,
                created=_when(charge.created) or datetime.min.replace(tzinfo=UTC),
                workspace=workspace,
                customer=charge.customer,
                customer_name=customer_name,
                amount=charge.amount,
                currency=charge.currency,
                status=charge.status,
                refunded=charge.amount_refunded,
                failure=charge.failure_message or charge.failure_code,
                decline_code=charge.decline_code or charge.failure_code,
                next_retry=_when(retry) if charge.status == "failed" else None,
                invoice=charge.invoice or (invoice.id if invoice is not None else None),
                charge=None,
            ),
        )
    return list(result.values())


def _refunds(session: Session, flt: PaymentFilter) -> list[Payment]:
    query = (
        select(RefundRow, ChargeRow.customer, CustomerRow.name, WorkspaceRow.name)
        .outerjoin(ChargeRow, ChargeRow.id == RefundRow.charge)
        .outerjoin(CustomerRow, CustomerRow.id == ChargeRow.customer)
        .outerjoin(WorkspaceRow, WorkspaceRow.id == CustomerRow.workspace_id)
    )
    if flt.workspace_id is not None:
        query = query.where(CustomerRow.workspace_id == flt.workspace_id)
    query = _period(query, RefundRow.created, flt).order_by(RefundRow.created.desc())
    if flt.limit:
        query = query.limit(flt.limit)
    return [
        Payment(
            kind="refund",
            id=refund.id,
            created=_when(refund.created) or datetime.min.replace(tzinfo=UTC),
            workspace=workspace,
            customer=customer,
            customer_name=customer_name,
            amount=-refund.amount,
            currency=refund.currency,
            status=refund.status,
            refunded=0,
            failure=None,
            decline_code=None,
            next_retry=None,
            invoice=None,
            charge=refund.charge,
        )
        for refund, customer, customer_name, workspace in session.execute(query)
    ]


def invoices(session: Session, flt: PaymentFilter) -> list[InvoiceInfo]:
    query = (
        select(InvoiceRow, CustomerRow.name, WorkspaceRow.name)
        .outerjoin(CustomerRow, CustomerRow.id == InvoiceRow.customer)
        .outerjoin(WorkspaceRow, WorkspaceRow.id == CustomerRow.workspace_id)
    )
    if flt.workspace_id is not None:
        query = query.where(CustomerRow.workspace_id == flt.workspace_id)
    if flt.failed:
        query = query.where(InvoiceRow.status == "open", InvoiceRow.attempt_count > 0)
    elif flt.status is not None:
        query = query.where(InvoiceRow.status == flt.status)
    query = _period(query, InvoiceRow.created, flt).order_by(
        InvoiceRow.created.desc(), InvoiceRow.id.desc()
    )
    if flt.limit:
        query = query.limit(flt.limit)
    return [
        InvoiceInfo(
            id=inv.id,
            number=inv.number,
            created=_when(inv.created) or datetime.min.replace(tzinfo=UTC),
            workspace=workspace,
            customer=inv.customer,
            customer_name=customer_name,
            status=inv.status,
            currency=inv.currency,
            total=inv.total,
            amount_paid=inv.amount_paid,
            amount_remaining=inv.amount_remaining,
            attempt_count=inv.attempt_count,
            next_retry=_when(inv.next_payment_attempt) if inv.status == "open" else None,
            hosted_invoice_url=inv.hosted_invoice_url,
            invoice_pdf=inv.invoice_pdf,
        )
        for inv, customer_name, workspace in session.execute(query)
    ]


def _cell(value: object) -> str:
    """A spreadsheet cell that cannot be read as a formula (CSV injection)."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text
    )


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(
    rows: Iterable[Payment | InvoiceInfo], out: IO[str], kind: type[Payment] | type[InvoiceInfo]
) -> int:
    names = [f.name for f in fields(kind)]
    writer = csv.writer(out)
    writer.writerow(names)
    count = 0
    for row in rows:
        writer.writerow([_cell(getattr(row, name)) for name in names])
        count += 1
    return count
