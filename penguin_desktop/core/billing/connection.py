"""What the connection asks of Stripe: whose account a key opens, and what the key may read.

A restricted key (rk_...) may read some lists and not others; "Test connection" asks each list
for one object and reports which answered and which refused, so the person fixing the key in
Stripe's dashboard knows which permission to add."""

from __future__ import annotations

import stripe

from penguin_desktop.core.billing.client import Stripe, as_dict, translate
from penguin_desktop.core.billing.models import KeyTest
from penguin_desktop.core.billing.sync import LISTS


def account(api: Stripe, key: str) -> tuple[str | None, str | None, bool]:
    """The account's id, its name, and whether it is live; a key that may not read the
    account (a restricted key without that permission) still connects, nameless."""
    try:
        acct = as_dict(api.client.v1.accounts.retrieve_current())
    except stripe.PermissionError:
        return None, None, key.startswith(("sk_live_", "rk_live_"))
    except stripe.StripeError as exc:
        raise translate(exc, api.api_base, key) from None
    profile = acct.get("business_profile") or {}
    settings = (acct.get("settings") or {}).get("dashboard") or {}
    name = profile.get("name") or settings.get("display_name") or acct.get("email")
    live = bool(acct.get("livemode", key.startswith(("sk_live_", "rk_live_"))))
    return acct.get("id"), name, live


def test_key(api: Stripe, key: str) -> KeyTest:
    acct_id, name, live = account(api, key)
    readable: list[str] = []
    unreadable: list[str] = []
    for list_name, params in LISTS:
        try:
            getattr(api.client.v1, list_name).list(params={**params, "limit": 1})
        except stripe.PermissionError:
            unreadable.append(list_name)
        except stripe.StripeError as exc:
            raise translate(exc, api.api_base, key) from None
        else:
            readable.append(list_name)
    return KeyTest(acct_id, name, live, tuple(readable), tuple(unreadable))
