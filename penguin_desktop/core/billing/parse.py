"""Stripe objects (plain JSON from the library) into mirror rows.

Validated at the edge: an object without an id, or a field of the wrong type, is refused with
an `InvalidObject` naming it, and nothing of the page it came in is written. Both shapes Stripe
has sent over the years are read: a reference may be an id or an expanded object, an invoice's
subscription sits on the invoice (older API versions) or under `parent` (newer ones), a
subscription's period end on the subscription or on its items."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from penguin_desktop.core.billing.tables import (
    ChargeRow,
    CustomerRow,
    InvoiceRow,
    PaymentIntentRow,
    PlanRow,
    ProductRow,
    RefundRow,
    SubscriptionItemRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform.errors import ValidationError

Obj = dict[str, Any]


class InvalidObject(ValidationError):
    """Stripe (or something standing in for it) sent an object we cannot read."""


def _id(obj: Obj) -> str:
    value = obj.get("id")
    if not isinstance(value, str) or not value or len(value) > 255:
        kind = obj.get("object", "object")
        raise InvalidObject(f"Stripe sent a {kind} without a usable id")
    return value


def ref(value: Any) -> str | None:
    """An id, whether Stripe sent the id or the expanded object."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _int(obj: Obj, name: str, default: int = 0) -> int:
    value = obj.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidObject(
            f"Stripe sent {obj.get('object', 'an object')} {obj.get('id')} "
            f"with {name}={value!r}, not a whole number"
        )
    return value


def _opt_int(obj: Obj, name: str) -> int | None:
    return None if obj.get(name) is None else _int(obj, name)


def _str(obj: Obj, name: str, limit: int = 255) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidObject(
            f"Stripe sent {obj.get('object', 'an object')} {obj.get('id')} "
            f"with {name}={value!r}, not text"
        )
    return value[:limit]


def _currency(obj: Obj) -> str:
    value = (_str(obj, "currency") or "usd").lower()
    if len(value) != 3 or not value.isalpha():
        raise InvalidObject(f"Stripe sent {obj.get('id')} with currency {value!r}")
    return value


def _metadata(obj: Obj) -> str:
    value = obj.get("metadata") or {}
    if not isinstance(value, dict):
        raise InvalidObject(f"Stripe sent {obj.get('id')} with metadata that is not a map")
    return json.dumps({str(k): str(v) for k, v in value.items()}, sort_keys=True)


def month_of(created: int) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m")


def customer(obj: Obj) -> CustomerRow:
    return CustomerRow(
        id=_id(obj),
        email=_str(obj, "email", 320),
        name=_str(obj, "name") or _str(obj, "description"),
        created=_int(obj, "created"),
        deleted=bool(obj.get("deleted", False)),
        delinquent=bool(obj.get("delinquent", False)),
        metadata_json=_metadata(obj),
    )


def product(obj: Obj) -> ProductRow:
    return ProductRow(
        id=_id(obj),
        name=_str(obj, "name") or "",
        active=bool(obj.get("active", True)),
        metadata_json=_metadata(obj),
    )


def plan(obj: Obj) -> PlanRow:
    """A plan, or a recurring price (`unit_amount` and `recurring` instead of `amount`)."""
    recurring = obj.get("recurring") if isinstance(obj.get("recurring"), dict) else {}
    interval = _str(obj, "interval") or (recurring or {}).get("interval") or "month"
    count = obj.get("interval_count") or (recurring or {}).get("interval_count") or 1
    amount = obj.get("amount") if obj.get("amount") is not None else obj.get("unit_amount")
    if not isinstance(count, int) or count < 1 or not isinstance(amount, int | None):
        raise InvalidObject(f"Stripe sent plan {obj.get('id')} with an unreadable price")
    return PlanRow(
        id=_id(obj),
        product=ref(obj.get("product")),
        nickname=_str(obj, "nickname"),
        amount=amount or 0,
        currency=_currency(obj),
        interval=str(interval),
        interval_count=count,
        active=bool(obj.get("active", True)),
        metadata_json=_metadata(obj),
        created=_int(obj, "created"),
    )


def subscription(obj: Obj) -> tuple[SubscriptionRow, list[SubscriptionItemRow], list[PlanRow]]:
    """The subscription, its items, and the plans the items carry (a plan first seen here)."""
    sid = _id(obj)
    items_obj = obj.get("items") or {}
    data = items_obj.get("data") if isinstance(items_obj, dict) else None
    items: list[SubscriptionItemRow] = []
    plans: list[PlanRow] = []
    period_end = _opt_int(obj, "current_period_end")
    if data is not None and not isinstance(data, list):
        raise InvalidObject(f"Stripe sent subscription {sid} with items that are not a list")
    for raw in data or []:
        priced = raw.get("plan") or raw.get("price") if isinstance(raw, dict) else None
        if not isinstance(priced, dict):
            raise InvalidObject(f"Stripe sent subscription {sid} with an item without a plan")
        plans.append(plan(priced))
        items.append(
            SubscriptionItemRow(
                id=_id(raw), subscription=sid, plan=_id(priced), quantity=_int(raw, "quantity", 1)
            )
        )
        period_end = period_end or _opt_int(raw, "current_period_end")
    raw_discount = obj.get("discount")
    discount: Obj = raw_discount if isinstance(raw_discount, dict) else {}
    raw_coupon = discount.get("coupon")
    coupon: Obj = raw_coupon if isinstance(raw_coupon, dict) else {}
    percent = coupon.get("percent_off")
    if percent is not None and (
        isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 <= percent <= 100
    ):
        raise InvalidObject(f"Stripe sent subscription {sid} with a discount of {percent!r} %")
    row = SubscriptionRow(
        id=sid,
        customer=ref(obj.get("customer")) or "",
        status=_str(obj, "status") or "incomplete",
        created=_int(obj, "created"),
        start_date=_int(obj, "start_date", _int(obj, "created")),
        canceled_at=_opt_int(obj, "canceled_at"),
        ended_at=_opt_int(obj, "ended_at"),
        trial_end=_opt_int(obj, "trial_end"),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end", False)),
        current_period_end=period_end,
        percent_off=float(percent) if percent is not None else None,
        amount_off=_opt_int(coupon, "amount_off"),
        discount_end=_opt_int(discount, "end"),
        currency=plans[0].currency if plans else _currency(obj),
    )
    return row, items, plans


def invoice(obj: Obj) -> InvoiceRow:
    parent = obj.get("parent") if isinstance(obj.get("parent"), dict) else {}
    details = (parent or {}).get("subscription_details") or {}
    created = _int(obj, "created")
    return InvoiceRow(
        id=_id(obj),
        customer=ref(obj.get("customer")),
        subscription=ref(obj.get("subscription")) or ref(details.get("subscription")),
        number=_str(obj, "number", 64),
        status=_str(obj, "status") or "draft",
        currency=_currency(obj),
        total=_int(obj, "total"),
        amount_due=_int(obj, "amount_due"),
        amount_paid=_int(obj, "amount_paid"),
        amount_remaining=_int(
            obj, "amount_remaining", _int(obj, "amount_due") - _int(obj, "amount_paid")
        ),
        attempt_count=_int(obj, "attempt_count"),
        next_payment_attempt=_opt_int(obj, "next_payment_attempt"),
        hosted_invoice_url=_str(obj, "hosted_invoice_url", 2000),
        invoice_pdf=_str(obj, "invoice_pdf", 2000),
        charge=ref(obj.get("charge")),
        created=created,
        month=month_of(created),
    )


def charge(obj: Obj) -> ChargeRow:
    outcome = obj.get("outcome") if isinstance(obj.get("outcome"), dict) else {}
    created = _int(obj, "created")
    return ChargeRow(
        id=_id(obj),
        customer=ref(obj.get("customer")),
        invoice=ref(obj.get("invoice")),
        payment_intent=ref(obj.get("payment_intent")),
        amount=_int(obj, "amount"),
        amount_refunded=_int(obj, "amount_refunded"),
        currency=_currency(obj),
        status=_str(obj, "status") or "pending",
        refunded=bool(obj.get("refunded", False)),
        failure_code=_str(obj, "failure_code", 64),
        decline_code=(outcome or {}).get("reason") or None,
        failure_message=_str(obj, "failure_message", 2000),
        description=_str(obj, "description", 2000),
        created=created,
        month=month_of(created),
    )


def charge_refunds(obj: Obj) -> list[RefundRow]:
    """The refunds a charge carries inline (older API versions, and `charge.refunded`)."""
    refunds = obj.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    return [refund(r) for r in data or [] if isinstance(r, dict)]


def payment_intent(obj: Obj) -> PaymentIntentRow:
    error = obj.get("last_payment_error")
    message = error.get("message") if isinstance(error, dict) else None
    return PaymentIntentRow(
        id=_id(obj),
        customer=ref(obj.get("customer")),
        invoice=ref(obj.get("invoice")),
        amount=_int(obj, "amount"),
        currency=_currency(obj),
        status=_str(obj, "status") or "",
        last_error=str(message)[:2000] if message else None,
        created=_int(obj, "created"),
    )


def refund(obj: Obj) -> RefundRow:
    created = _int(obj, "created")
    return RefundRow(
        id=_id(obj),
        charge=ref(obj.get("charge")),
        amount=_int(obj, "amount"),
        currency=_currency(obj),
        status=_str(obj, "status") or "succeeded",
        reason=_str(obj, "reason", 64),
        created=created,
        month=month_of(created),
    )
