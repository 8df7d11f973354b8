"""The agency's Stripe account as the tests find it, made through the official library the way
the agency's own dashboard would: several client workspaces' customers linked by metadata, a
customer without a link, a card that declines, an upgrade, a downgrade, a cancellation, a
refund, and two currencies."""

from __future__ import annotations

from dataclasses import dataclass

import stripe

GOOD_CARD = "4242424242424242"
DECLINING_CARD = "4000000000000341"  # attaches, then every charge is declined
SECRET_KEY = "sk_test_penguin_agency_4f2a"


def client(url: str, key: str = SECRET_KEY) -> stripe.StripeClient:
    http = stripe.HTTPXClient(allow_sync_methods=True)
    return stripe.StripeClient(key, base_addresses={"api": url}, http_client=http)


@dataclass(frozen=True)
class Seeded:
    acme: str
    globex: str
    initech: str
    hooli: str
    umbrella: str
    acme_charge: str
    hooli_charge: str
    starter: str
    pro: str
    basic_eur: str


def customer(api: stripe.StripeClient, name: str, card: str, workspace: str | None) -> str:
    token = api.v1.tokens.create(
        params={"card": {"number": card, "exp_month": 12, "exp_year": 2035, "cvc": "123"}}
    )
    metadata = {"penguin_workspace": workspace} if workspace else {}
    made = api.v1.customers.create(
        params={
            "name": name,
            "email": f"billing@{name.lower()}.test",
            "source": token.id,
            "metadata": metadata,
        }
    )
    return str(made.id)


def plan(
    api: stripe.StripeClient,
    product: str,
    amount: int,
    currency: str,
    interval: str,
    metadata: dict[str, str] | None = None,
) -> str:
    made = api.v1.plans.create(
        params={
            "amount": amount,
            "currency": currency,
            "interval": interval,
            "product": product,
            "nickname": f"{currency}-{amount}-{interval}",
            "metadata": metadata or {},
        }
    )
    return str(made.id)


def subscribe(api: stripe.StripeClient, customer_id: str, plan_id: str) -> str:
    return str(
        api.v1.subscriptions.create(
            params={"customer": customer_id, "items": [{"plan": plan_id}]}
        ).id
    )


def change_plan(api: stripe.StripeClient, subscription: str, plan_id: str) -> None:
    api.v1.subscriptions.update(subscription, params={"items": [{"plan": plan_id}]})


def first_charge(api: stripe.StripeClient, customer_id: str) -> str:
    charges = api.v1.charges.list(params={"limit": 100}).data
    return next(str(c.id) for c in charges if c.customer == customer_id)


def seed_agency(url: str) -> Seeded:
    api = client(url)
    starter_p = str(
        api.v1.products.create(
            params={"name": "Starter", "metadata": {"max_domains": "2", "limit_mode": "block"}}
        ).id
    )
    pro_p = str(
        api.v1.products.create(
            params={"name": "Pro", "metadata": {"max_domains": "20", "features": "warmup,api"}}
        ).id
    )
    starter = plan(api, starter_p, 2900, "usd", "month")
    pro = plan(api, pro_p, 9900, "usd", "month")
    basic_eur = plan(api, starter_p, 1900, "eur", "month")
    acme = customer(api, "Acme", GOOD_CARD, "Acme")
    globex = customer(api, "Globex", GOOD_CARD, "globex")  # any case names the workspace
    initech = customer(api, "Initech", GOOD_CARD, "Initech")
    hooli = customer(api, "Hooli", DECLINING_CARD, "Hooli")
    umbrella = customer(api, "Umbrella", GOOD_CARD, None)
    change_plan(api, subscribe(api, acme, starter), pro)  # an upgrade
    change_plan(api, subscribe(api, globex, pro), starter)  # a downgrade
    api.v1.subscriptions.cancel(subscribe(api, initech, starter))  # a cancellation
    subscribe(api, hooli, pro)  # the card declines: the subscription stays incomplete
    subscribe(api, umbrella, basic_eur)
    initech_charge = first_charge(api, initech)
    api.v1.refunds.create(params={"charge": initech_charge, "amount": 1000})  # a refund
    return Seeded(
        acme,
        globex,
        initech,
        hooli,
        umbrella,
        first_charge(api, acme),
        first_charge(api, hooli),
        starter,
        pro,
        basic_eur,
    )
