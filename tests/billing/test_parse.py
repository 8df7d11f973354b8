"""Reading Stripe's objects: both shapes Stripe has sent over the years, and anything else
refused with a sentence naming the object, never a crash or a half-written page."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from penguin_desktop.core.billing import parse
from penguin_desktop.core.billing.parse import InvalidObject
from penguin_desktop.core.platform.errors import PenguinError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
KINDS = (
    "customer",
    "product",
    "plan",
    "price",
    "subscription",
    "invoice",
    "charge",
    "payment_intent",
    "refund",
)
READERS = {
    "customer": parse.customer,
    "product": parse.product,
    "plan": parse.plan,
    "price": parse.plan,
    "subscription": parse.subscription,
    "invoice": parse.invoice,
    "charge": parse.charge,
    "payment_intent": parse.payment_intent,
    "refund": parse.refund,
}


@given(
    kind=st.sampled_from(KINDS),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "created",
                "currency",
                "amount",
                "customer",
                "status",
                "items",
                "metadata",
                "plan",
                "discount",
                "parent",
                "outcome",
                "refunds",
                "interval_count",
                "recurring",
                "unit_amount",
                "quantity",
            ]
        ),
        json_values,
        max_size=8,
    ),
)
def test_any_object_is_read_or_refused_with_a_sentence(kind: str, fields: dict[str, Any]) -> None:
    try:
        READERS[kind]({"object": kind, **fields})
    except PenguinError as exc:
        assert exc.message and "\n" not in exc.message


@given(
    items=st.lists(
        st.dictionaries(
            st.sampled_from(["id", "quantity", "plan", "price"]),
            json_values | st.fixed_dictionaries({"id": st.text(max_size=5)}),
            max_size=4,
        ),
        max_size=3,
    )
    | json_values,
    discount=json_values | st.fixed_dictionaries({"coupon": json_values, "end": json_values}),
)
def test_any_subscription_is_read_or_refused_with_a_sentence(items: Any, discount: Any) -> None:
    obj = {"object": "subscription", "id": "sub_1", "items": {"data": items}, "discount": discount}
    try:
        parse.subscription(obj)
    except PenguinError as exc:
        assert exc.message and "\n" not in exc.message


@given(created=st.integers(min_value=0, max_value=4_000_000_000))
def test_the_month_of_a_time_is_its_utc_calendar_month(created: int) -> None:
    from datetime import UTC, datetime

    assert parse.month_of(created) == datetime.fromtimestamp(created, UTC).strftime("%Y-%m")


def test_an_invoice_reads_its_subscription_from_either_place() -> None:
    old = parse.invoice({"id": "in_1", "subscription": "sub_1", "created": 1, "currency": "usd"})
    new = parse.invoice(
        {
            "id": "in_2",
            "created": 1,
            "currency": "usd",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": "sub_2"},
            },
        }
    )
    assert (old.subscription, new.subscription) == ("sub_1", "sub_2")


def test_an_expanded_reference_is_read_as_its_id() -> None:
    row = parse.invoice(
        {
            "id": "in_1",
            "created": 1,
            "charge": {"id": "ch_9", "object": "charge"},
            "customer": {"id": "cus_3"},
        }
    )
    assert (row.charge, row.customer) == ("ch_9", "cus_3")


def test_a_price_reads_like_a_plan() -> None:
    row = parse.plan(
        {
            "id": "price_1",
            "object": "price",
            "unit_amount": 1200,
            "currency": "EUR",
            "recurring": {"interval": "year", "interval_count": 1},
            "product": "prod_1",
        }
    )
    assert (row.amount, row.currency, row.interval, row.product) == (1200, "eur", "year", "prod_1")


def test_a_subscription_with_a_period_on_its_items_and_a_coupon() -> None:
    sub, items, plans = parse.subscription(
        {
            "id": "sub_1",
            "customer": "cus_1",
            "status": "active",
            "created": 10,
            "discount": {"coupon": {"percent_off": 25}, "end": None},
            "items": {
                "data": [
                    {
                        "id": "si_1",
                        "quantity": 3,
                        "current_period_end": 99,
                        "price": {
                            "id": "price_1",
                            "unit_amount": 1000,
                            "currency": "usd",
                            "recurring": {"interval": "month"},
                        },
                    }
                ]
            },
        }
    )
    assert (sub.current_period_end, sub.percent_off, sub.currency) == (99, 25, "usd")
    assert [(i.plan, i.quantity) for i in items] == [("price_1", 3)]
    assert plans[0].amount == 1000


@pytest.mark.parametrize(
    ("obj", "words"),
    [
        ({"object": "charge"}, "charge without a usable id"),
        ({"object": "charge", "id": "ch_1", "amount": "12"}, "amount='12', not a whole number"),
        ({"object": "invoice", "id": "in_1", "currency": "dollars"}, "currency 'dollars'"),
        ({"object": "customer", "id": "cus_1", "metadata": ["x"]}, "metadata that is not a map"),
        (
            {"object": "subscription", "id": "sub_1", "items": {"data": [{"id": "si_1"}]}},
            "an item without a plan",
        ),
    ],
)
def test_unreadable_objects_are_refused_by_name(obj: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidObject, match=words):
        READERS[obj["object"]](obj)
