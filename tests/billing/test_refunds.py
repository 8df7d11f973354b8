"""Refunds: once per idempotency key even when two clicks race, partial then the rest, only by
owners and admins, and each one in the audit trail with its reason."""

from __future__ import annotations

import json
import threading

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.billing import RefundResult
from penguin_desktop.core.platform.errors import ConflictError, PenguinError, PermissionDenied
from penguin_desktop.core.platform.models import Actor, Role
from tests.billing.seed import SECRET_KEY, client, seed_agency
from tests.conftest import add_user
from tests.servers.stripe import StripeServer


@pytest.fixture
def ready(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> tuple[Container, Actor, str]:
    seeded = seed_agency(stripe_server.url)
    billing_container.billing.connect(agency, SECRET_KEY, api_base=stripe_server.url)
    billing_container.billing.sync(agency)
    return billing_container, agency, seeded.acme_charge


def _stripe_refunds(server: StripeServer, charge: str) -> list[int]:
    listed = client(server.url).v1.refunds.list(params={"limit": 100}).data
    return [r.amount for r in listed if r.charge == charge]


def test_two_clicks_racing_with_one_key_refund_once(
    ready: tuple[Container, Actor, str], stripe_server: StripeServer
) -> None:
    c, owner, charge = ready
    stripe_server.delay(200)  # both clicks land while the first is still with Stripe
    outcomes: list[RefundResult | PenguinError] = []

    def click() -> None:
        try:
            outcomes.append(
                c.billing.refund(
                    owner,
                    charge,
                    reason="charged twice",
                    idempotency_key="dialog-7f3a9c",
                    amount=700,
                )
            )
        except PenguinError as exc:
            outcomes.append(exc)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stripe_server.delay(0)

    assert _stripe_refunds(stripe_server, charge) == [700]
    made = [o for o in outcomes if isinstance(o, RefundResult)]
    assert made and all(o.refund_id == made[0].refund_id for o in made)
    refused = [o for o in outcomes if isinstance(o, PenguinError)]
    assert all(isinstance(o, ConflictError) and "already being made" in o.message for o in refused)
    again = c.billing.refund(
        owner, charge, reason="charged twice", idempotency_key="dialog-7f3a9c", amount=700
    )
    assert again.repeated and again.refund_id == made[0].refund_id


def test_partial_then_the_rest_and_each_is_audited_with_its_reason(
    ready: tuple[Container, Actor, str], stripe_server: StripeServer
) -> None:
    c, owner, charge = ready
    first = c.billing.refund(
        owner, charge, reason="one week unused", idempotency_key="k-first-1", amount=1000
    )
    rest = c.billing.refund(owner, charge, reason="closed the account", idempotency_key="k-rest-22")

    assert (first.amount, rest.amount) == (1000, 2900 - 1000)  # Acme paid 29.00 USD
    assert sorted(_stripe_refunds(stripe_server, charge)) == [1000, 1900]
    payments = {p.id: p for p in c.billing.payments(owner, "Acme")}
    assert payments[charge].refunded == 2900
    events = c.audit.page(owner, AuditFilter(action="billing.refund"))
    reasons = {json.loads(e.summary)["reason"] for e in events}
    assert reasons == {"one week unused", "closed the account"}
    with pytest.raises(PenguinError, match=r"has 0\.00 USD left to refund"):
        c.billing.refund(owner, charge, reason="again", idempotency_key="k-third-3")


def test_only_owners_and_admins_refund(
    ready: tuple[Container, Actor, str], stripe_server: StripeServer
) -> None:
    c, owner, charge = ready
    manager = add_user(c, owner, "finance@agency.test", Role.MANAGER)
    assert c.billing.payments(manager, failed=True)  # a manager reads the history
    with pytest.raises(PermissionDenied, match="may not refund a payment"):
        c.billing.refund(manager, charge, reason="x", idempotency_key="k-manager-1")
    assert _stripe_refunds(stripe_server, charge) == []
    denied = c.audit.page(owner, AuditFilter(action="billing.refund"))
    assert [(e.actor, e.outcome) for e in denied] == [("finance@agency.test", "denied")]
