"""Writing Stripe objects into the mirror: one upsert per object, keyed by Stripe's id, so that
writing an object twice changes nothing. The sync, the events and the webhook all come here.

Two things happen beside the plain upsert: a customer whose metadata names a workspace
(`penguin_workspace`) is linked to it unless someone linked it by hand, and a subscription whose
MRR changed gets a row in the MRR log, dated by the event that changed it (or, seen for the first
time, by its start and its end: history from before the first sync is rebuilt that way)."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing import parse
from penguin_desktop.core.billing.mrr import Discount, PricedItem, subscription_mrr
from penguin_desktop.core.billing.tables import (
    ChargeRow,
    CustomerRow,
    InvoiceRow,
    MrrLogRow,
    PaymentIntentRow,
    PlanRow,
    ProductRow,
    RefundRow,
    SubscriptionItemRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.store.tables import Base, WorkspaceRow

WORKSPACE_KEY = "penguin_workspace"
ABSENT = "billing.absent"  # session.info: (table, id) known not to be stored
LAST_MRR = "billing.last_mrr"  # session.info: subscription -> its last logged MRR
_DELETABLE: dict[str, type[Base]] = {
    "customer": CustomerRow,
    "product": ProductRow,
    "plan": PlanRow,
    "price": PlanRow,
}


_TABLES: dict[str, type[Base]] = {
    "customer": CustomerRow,
    "product": ProductRow,
    "plan": PlanRow,
    "price": PlanRow,
    "subscription": SubscriptionRow,
    "invoice": InvoiceRow,
    "charge": ChargeRow,
    "payment_intent": PaymentIntentRow,
    "refund": RefundRow,
}


def prefetch(session: Session, objects: list[parse.Obj]) -> None:
    """Load the stored rows of a page's objects in one query per kind, and note which are not
    stored yet, so that the upserts that follow ask the database nothing one by one."""
    by_kind: dict[type[Base], list[str]] = {}
    for obj in objects:
        table = _TABLES.get(str(obj.get("object")))
        if table is not None and isinstance(obj.get("id"), str):
            by_kind.setdefault(table, []).append(obj["id"])
    absent: set[tuple[type[Base], str]] = session.info.setdefault(ABSENT, set())
    for table, ids in by_kind.items():
        key = table.__mapper__.primary_key[0]
        rows = session.scalars(select(table).where(key.in_(ids))).all()
        found = {table.__mapper__.primary_key_from_instance(r)[0] for r in rows}
        absent.update((table, i) for i in ids if i not in found)
    subs = by_kind.get(SubscriptionRow)
    if subs:
        last: dict[str, int] = session.info.setdefault(LAST_MRR, {})
        logged = session.execute(
            select(MrrLogRow.subscription, MrrLogRow.mrr)
            .where(MrrLogRow.subscription.in_(subs))
            .order_by(MrrLogRow.at, MrrLogRow.id)
        )
        last.update({sub: mrr for sub, mrr in logged})
        absent.update((MrrLogRow, sub) for sub in subs if sub not in last)


def upsert(session: Session, row: Base) -> None:
    """Insert `row`, or copy its set columns onto the stored row with its primary key."""
    mapper = row.__mapper__
    key = mapper.primary_key_from_instance(row)
    absent = session.info.get(ABSENT)
    if absent is not None and (type(row), key[0]) in absent:
        absent.discard((type(row), key[0]))
        session.add(row)
        return
    existing = session.get(type(row), key)
    if existing is None:
        session.add(row)
        return
    for attr in mapper.column_attrs:
        if attr.key in row.__dict__:
            setattr(existing, attr.key, row.__dict__[attr.key])


def write(session: Session, obj: parse.Obj, at: int | None, source: str) -> int:
    """Write one object of any kind the mirror keeps; returns how many rows it wrote (0 for
    kinds the mirror does not keep). `at` dates an MRR change (None: the object's own dates);
    `source` names where the object came from (an event id, or the sync)."""
    kind = obj.get("object")
    if obj.get("deleted") and kind in _DELETABLE:
        return _mark_deleted(session, _DELETABLE[str(kind)], parse.ref(obj) or "")
    if kind == "customer":
        row = parse.customer(obj)
        upsert(session, row)
        link_by_metadata(session, session.get(CustomerRow, row.id) or row)
        return 1
    if kind == "product":
        upsert(session, parse.product(obj))
        return 1
    if kind in ("plan", "price"):
        upsert(session, parse.plan(obj))
        return 1
    if kind == "subscription":
        return _subscription(session, obj, at, source)
    if kind == "invoice":
        upsert(session, parse.invoice(obj))
        return 1
    if kind == "charge":
        refunds = parse.charge_refunds(obj)
        upsert(session, parse.charge(obj))
        for refund in refunds:
            upsert(session, refund)
        return 1 + len(refunds)
    if kind == "payment_intent":
        upsert(session, parse.payment_intent(obj))
        return 1
    if kind == "refund":
        upsert(session, parse.refund(obj))
        return 1
    return 0


def _mark_deleted(session: Session, table: type[Base], object_id: str) -> int:
    row = session.get(table, object_id)
    if row is None:
        return 0
    if isinstance(row, CustomerRow):
        row.deleted = True
    elif isinstance(row, ProductRow | PlanRow):
        row.active = False
    return 1


def workspace_keys(session: Session) -> dict[str, int]:
    """Every open workspace by its name key, for following metadata."""
    rows = session.execute(
        select(WorkspaceRow.name_key, WorkspaceRow.id).where(WorkspaceRow.archived_at.is_(None))
    )
    return {key: ws_id for key, ws_id in rows}


def link_by_metadata(
    session: Session, customer: CustomerRow, workspaces: dict[str, int] | None = None
) -> None:
    """Follow the customer's `penguin_workspace` metadata, unless it was linked by hand."""
    if customer.link == "manual":
        return
    wanted = json.loads(customer.metadata_json or "{}").get(WORKSPACE_KEY)
    keys = workspace_keys(session) if workspaces is None and wanted else workspaces or {}
    workspace_id = keys.get(name_key(wanted)) if wanted else None
    customer.workspace_id = workspace_id
    customer.link = "metadata" if workspace_id is not None else None


def _subscription(session: Session, obj: parse.Obj, at: int | None, source: str) -> int:
    row, items, plans = parse.subscription(obj)
    for plan in plans:
        absent = session.info.get(ABSENT, set())
        if (PlanRow, plan.id) in absent or session.get(PlanRow, plan.id) is None:
            absent.discard((PlanRow, plan.id))
            session.add(plan)
    session.execute(delete(SubscriptionItemRow).where(SubscriptionItemRow.subscription == row.id))
    session.add_all(items)
    now = int(time.time())
    by_id = {plan.id: plan for plan in plans}
    priced = [
        PricedItem(
            by_id[i.plan].amount, by_id[i.plan].interval, by_id[i.plan].interval_count, i.quantity
        )
        for i in items
    ]
    discount = Discount(row.percent_off, row.amount_off, row.discount_end)
    row.mrr = subscription_mrr(row.status, priced, discount, now)
    upsert(session, row)
    _log_mrr(session, row, subscription_mrr("active", priced, discount, now), at, source)
    return 1 + len(items)


def _log_mrr(
    session: Session, sub: SubscriptionRow, paying: int, at: int | None, source: str
) -> None:
    """Append the MRR change, if any. A subscription seen for the first time is back-filled:
    what it paid from its start, and 0 from its end when it has ended."""
    known: dict[str, int] = session.info.get(LAST_MRR, {})
    if sub.id in known:
        last: int | None = known[sub.id]
    elif (MrrLogRow, sub.id) in session.info.get(ABSENT, set()):
        last = None
    else:
        last = session.execute(
            select(MrrLogRow.mrr)
            .where(MrrLogRow.subscription == sub.id)
            .order_by(MrrLogRow.at.desc(), MrrLogRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    entries: list[tuple[int, int]] = []
    if last is None and at is None:
        ended = sub.ended_at or sub.canceled_at
        if sub.mrr > 0:
            entries.append((sub.start_date or sub.created, sub.mrr))
        elif ended is not None and sub.status in ("canceled", "unpaid") and paying > 0:
            entries += [(sub.start_date or sub.created, paying), (ended, 0)]
    elif (last or 0) != sub.mrr:
        entries.append((at if at is not None else _when(sub), sub.mrr))
    if entries and LAST_MRR in session.info:
        session.info[LAST_MRR][sub.id] = entries[-1][1]
        session.info.get(ABSENT, set()).discard((MrrLogRow, sub.id))
    for when, value in entries:
        session.add(
            MrrLogRow(
                subscription=sub.id,
                customer=sub.customer,
                currency=sub.currency,
                at=when,
                mrr=value,
                source=source,
            )
        )


def _when(sub: SubscriptionRow) -> int:
    """When a change seen by a sync (not by an event) took effect, as well as it is known."""
    if sub.mrr == 0 and (sub.ended_at or sub.canceled_at):
        return int(sub.ended_at or sub.canceled_at or 0)
    return int(time.time())


def counts(session: Session) -> list[tuple[str, int]]:
    """How many of each kind the mirror holds, for the status line."""
    from sqlalchemy import func

    tables: list[tuple[str, Any]] = [
        ("customers", CustomerRow),
        ("plans", PlanRow),
        ("subscriptions", SubscriptionRow),
        ("invoices", InvoiceRow),
        ("charges", ChargeRow),
        ("payment_intents", PaymentIntentRow),
        ("refunds", RefundRow),
    ]
    return [
        (name, int(session.execute(select(func.count()).select_from(table)).scalar_one()))
        for name, table in tables
    ]
