"""Plan metadata is typed by hand in Stripe's dashboard: whatever it holds, a plan is read
(limits, mode, flags) and anything unreadable is named in its problems, never a crash."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from penguin_desktop.core.billing.catalogue import plan_info
from penguin_desktop.core.billing.models import LimitMode
from penguin_desktop.core.billing.tables import PlanRow, ProductRow

KEYS = ["max_domains", "max_mailboxes", "max_emails_month", "limit_mode", "features", "other"]
values = st.one_of(st.text(max_size=12), st.integers(-5, 10**13), st.none(), st.booleans())


def _plan(metadata: dict[str, object], product: dict[str, object]) -> tuple[PlanRow, ProductRow]:
    plan = PlanRow(
        id="price_1",
        product="prod_1",
        nickname=None,
        amount=4900,
        currency="usd",
        interval="month",
        interval_count=1,
        active=True,
        metadata_json=json.dumps(metadata),
    )
    return plan, ProductRow(id="prod_1", name="Pro", active=True, metadata_json=json.dumps(product))


@given(
    st.dictionaries(st.sampled_from(KEYS), values), st.dictionaries(st.sampled_from(KEYS), values)
)
def test_any_metadata_reads_as_a_plan(own: dict[str, object], product: dict[str, object]) -> None:
    info = plan_info(*_plan(own, product))
    assert info.name == "Pro"
    for limit in (info.limits.max_domains, info.limits.max_mailboxes, info.limits.max_emails_month):
        assert limit is None or limit >= 0
    assert isinstance(info.limits.mode, LimitMode)
    assert all(f and f == f.lower() and len(f) <= 64 for f in info.features)
    assert all(isinstance(p, str) and p for p in info.problems)


@given(st.integers(0, 10**9))
def test_a_whole_number_in_text_is_the_limit(limit: int) -> None:
    info = plan_info(*_plan({"max_mailboxes": f" {limit} "}, {}))
    assert info.limits.max_mailboxes == limit and info.problems == ()


def test_the_price_overrides_its_product_and_bad_values_are_named() -> None:
    info = plan_info(
        *_plan(
            {"max_domains": "5", "limit_mode": "BLOCK", "features": "Warmup, api,, bad name"},
            {"max_domains": "50", "max_mailboxes": "ten", "features": "ignored"},
        )
    )
    assert (info.limits.max_domains, info.limits.max_mailboxes) == (5, None)
    assert info.limits.mode is LimitMode.BLOCK and info.features == ("warmup", "api")
    assert any("max_mailboxes is 'ten'" in p for p in info.problems)
    assert any("'bad name'" in p for p in info.problems)
