"""Refunds from the console, never twice for one request.

The face makes an idempotency key when the person opens the refund (one per confirmation, so
a double click or a retry carries the same key). The key is written here before Stripe is
called and sent to Stripe as its idempotency key; a second call with the key returns the first
refund, and one arriving while the first is still under way is refused rather than sent. A
request that never heard back (the program died mid-call) is sent again with the same key after
a while, which Stripe answers with the refund it already made."""

from __future__ import annotations

from datetime import timedelta

import stripe
from sqlalchemy.orm import Session

from penguin_desktop.core.billing import mirror, parse
from penguin_desktop.core.billing.client import Stripe, as_dict, translate
from penguin_desktop.core.billing.models import RefundResult
from penguin_desktop.core.billing.money import money
from penguin_desktop.core.billing.tables import ChargeRow, RefundRequestRow, RefundRow
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError, ValidationError
from penguin_desktop.core.platform.store.tables import utcnow

IN_FLIGHT = timedelta(minutes=2)


def check_request(amount: int | None, reason: str, key: str) -> str:
    if amount is not None and amount <= 0:
        raise ValidationError(
            "a refund amount is a positive number of cents", field="amount", value=amount
        )
    text = " ".join(reason.split())
    if not text:
        raise ValidationError("say why the payment is refunded", field="reason")
    if len(text) > 500:
        raise ValidationError("the reason has at most 500 characters", field="reason")
    if not 8 <= len(key) <= 64 or not all(c.isalnum() or c in "-_" for c in key):
        raise ValidationError(
            "an idempotency key is 8 to 64 letters, digits, - or _", field="idempotency_key"
        )
    return text


def claim(
    session: Session, charge_id: str, amount: int | None, reason: str, key: str, who: str
) -> RefundResult | int:
    """Record the request under its key. Returns the earlier result when the key already
    refunded, else the amount to refund (the whole remainder when no amount was given)."""
    request = session.get(RefundRequestRow, key)
    if request is not None:
        if request.charge != charge_id:
            raise ConflictError("this idempotency key was used to refund another payment")
        if request.refund_id is not None:
            done = session.get(RefundRow, request.refund_id)
            if done is not None:
                return RefundResult(
                    done.id, charge_id, done.amount, done.currency, done.status, repeated=True
                )
        elif utcnow() - request.requested_at < IN_FLIGHT:
            raise ConflictError("this refund is already being made; wait for it to finish")
    charge = session.get(ChargeRow, charge_id)
    if charge is None:
        raise NotFoundError(
            f"no payment {charge_id!r} in the synced payments", field="charge", value=charge_id
        )
    if charge.status != "succeeded":
        raise ValidationError(
            f"payment {charge_id} did not succeed ({charge.status}): there is nothing to refund",
            field="charge",
            value=charge_id,
        )
    left = charge.amount - charge.amount_refunded
    wanted = left if amount is None else amount
    if wanted > left or left <= 0:
        raise ValidationError(
            f"payment {charge_id} has {money(left, charge.currency)} left to refund",
            field="amount",
            value=amount,
        )
    if request is None:
        session.add(
            RefundRequestRow(
                key=key, charge=charge_id, amount=wanted, reason=reason, requested_by=who
            )
        )
    else:
        request.requested_at = utcnow()
    return wanted


def send(
    api: Stripe, key_value: str, charge_id: str, amount: int, reason: str, key: str
) -> parse.Obj:
    try:
        refund = api.client.v1.refunds.create(
            params={"charge": charge_id, "amount": amount, "metadata": {"penguin_reason": reason}},
            options={"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise translate(exc, api.api_base, key_value) from None
    return as_dict(refund)


def record(session: Session, obj: parse.Obj, key: str) -> RefundResult:
    row = parse.refund(obj)
    mirror.upsert(session, row)
    charge = session.get(ChargeRow, row.charge or "")
    request = session.get(RefundRequestRow, key)
    if request is not None:
        request.refund_id = row.id
    if charge is not None:
        charge.amount_refunded = min(charge.amount, charge.amount_refunded + row.amount)
        charge.refunded = charge.amount_refunded >= charge.amount
    return RefundResult(
        row.id, row.charge or "", row.amount, row.currency, row.status, repeated=False
    )
