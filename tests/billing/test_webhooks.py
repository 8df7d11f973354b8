"""A Stripe event delivered to the webhook receiver: checked, applied once, and seen in the
figures (an upgrade delivered as `customer.subscription.updated` is this month's expansion)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.billing.tables import MrrLogRow
from penguin_desktop.core.platform.errors import PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor, Role
from tests.billing.seed import GOOD_CARD, SECRET_KEY, client, customer, seed_agency
from tests.conftest import add_user
from tests.servers.stripe import StripeServer

WHSEC = "whsec_test_Velvet_otter_2026"


def _signed(payload: bytes, at: int) -> str:
    mac = hmac.new(WHSEC.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def test_an_upgrade_delivered_by_webhook_is_this_months_expansion(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    c = billing_container
    seeded = seed_agency(stripe_server.url)
    api = client(stripe_server.url)
    wayne = customer(api, "Wayne", GOOD_CARD, "Acme")
    since = int(time.time()) - 70 * 86400  # a client of two months' standing, on Starter
    made = api.v1.subscriptions.create(
        params={
            "customer": wayne,
            "items": [{"plan": seeded.starter}],
            "backdate_start_date": since,
        }
    )
    c.billing.connect(agency, SECRET_KEY, api_base=stripe_server.url)
    c.billing.set_webhook_secret(agency, WHSEC)
    c.billing.sync(agency)
    before = c.billing.revenue.revenue(agency, months=1)
    sub: dict[str, Any] = api.v1.subscriptions.retrieve(made.id).to_dict()
    pro = api.v1.plans.retrieve(seeded.pro).to_dict()
    sub["items"]["data"][0]["plan"] = pro  # what Stripe sends after the change to Pro
    now = int(time.time())
    event = {
        "id": "evt_wayne_upgrade",
        "object": "event",
        "type": "customer.subscription.updated",
        "created": now,
        "data": {"object": sub},
    }
    payload = json.dumps(event).encode()
    receiver = c.billing.webhook_receiver(agency)

    first = receiver.receive(payload, _signed(payload, now))
    second = receiver.receive(payload, _signed(payload, now))

    assert (first.applied, second.applied) == (True, False)
    usd = {m.currency: m for m in c.billing.revenue.revenue(agency, months=1).months}["usd"]
    was = {m.currency: m for m in before.months}["usd"]
    assert was.start_mrr == 2900 and usd.start_mrr == 2900  # Wayne's, from before the month
    assert usd.expansion - was.expansion == 9900 - 2900
    assert usd.end_mrr == was.end_mrr + 7000 and usd.new == was.new
    with c.db.read() as session:
        log = session.scalars(select(MrrLogRow).where(MrrLogRow.source == "evt_wayne_upgrade"))
        assert [(row.at, row.mrr) for row in log] == [(now, 9900)]
    with pytest.raises(ValidationError, match="refused"):
        receiver.receive(payload.replace(b"9900", b"990"), _signed(payload, now))
    with pytest.raises(ValidationError, match="refused"):
        receiver.receive(payload, _signed(payload, now - 600))


def test_a_member_cannot_run_the_receiver(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    billing_container.billing.connect(agency, SECRET_KEY, api_base=stripe_server.url)
    billing_container.billing.set_webhook_secret(agency, WHSEC)
    member = add_user(billing_container, agency, "m@agency.test", Role.MEMBER)
    with pytest.raises(PermissionDenied):
        billing_container.billing.webhook_receiver(member)
    with pytest.raises(ValidationError, match="starts with whsec_"):
        billing_container.billing.set_webhook_secret(agency, "not-a-secret")
