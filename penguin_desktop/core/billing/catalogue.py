"""The plan catalogue read from the Stripe mirror, and which plan each workspace is on.

A plan's limits and features are Stripe metadata, on the plan (price) first and then on its
product, so an agency can set them once per product and override one price. Metadata is typed
by hand in Stripe's dashboard: a value that cannot be read never stops the program, it counts as
"no limit" (or "warn") and is reported in the plan's `problems` so someone fixes it there.

A workspace's plan follows its subscription: among the live subscriptions of the Stripe
customers linked to it, the one started last, and that subscription's first item's plan.
Usage is counted from the tables of the capabilities that own the things, named here by table
as foreign keys name them (billing may not import domains or mailboxes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Integer, column, func, select, table
from sqlalchemy.orm import Session

from penguin_desktop.core.billing.models import LimitMode, PlanInfo, PlanLimits, UsageLine
from penguin_desktop.core.billing.tables import (
    CustomerRow,
    PlanRow,
    ProductRow,
    SubscriptionItemRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform import quotas

# Subscriptions whose plan applies: paid, being retried, or in a trial.
LIVE = ("active", "past_due", "trialing")
LIMIT_KEYS = {
    quotas.DOMAINS: "max_domains",
    quotas.MAILBOXES: "max_mailboxes",
    quotas.EMAILS_MONTH: "max_emails_month",
}
FLAG_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_WHOLE = re.compile(r"[0-9]{1,12}")

# The tables the limits count, as far as counting reads them.
SENDING_DOMAINS = table("sending_domains", column("id", Integer), column("workspace_id", Integer))
MAILBOXES = table("mailboxes", column("id", Integer), column("workspace_id", Integer))
COUNTED = {quotas.DOMAINS: SENDING_DOMAINS, quotas.MAILBOXES: MAILBOXES}


def _metadata(raw: str | None, whose: str, problems: list[str]) -> dict[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        problems.append(f"the metadata of {whose} is not readable")
        return {}
    return data if isinstance(data, dict) else {}


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _limit(key: str, value: Any, problems: list[str]) -> int | None:
    """A whole number of at least 0, or None (no limit) for a missing or unreadable value."""
    if not _present(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    problems.append(f"{key} is {value!r}, not a whole number: there is no limit until it is fixed")
    return None


def _mode(value: Any, problems: list[str]) -> LimitMode:
    if not _present(value):
        return LimitMode.WARN
    try:
        return LimitMode(str(value).strip().lower())
    except ValueError:
        problems.append(f"limit_mode is {value!r}, neither warn nor block: going over only warns")
        return LimitMode.WARN


def clean_flag(raw: str) -> str | None:
    """A flag name as kept (lower case), or None when it is not 1-64 letters, digits, '-', '_'
    or '.'."""
    name = raw.strip().lower()
    return name if FLAG_NAME.fullmatch(name) else None


def _features(value: Any, problems: list[str]) -> tuple[str, ...]:
    if not _present(value):
        return ()
    if not isinstance(value, str):
        problems.append(f"features is {value!r}, not a comma-separated list of flag names")
        return ()
    found: list[str] = []
    for part in value.split(","):
        if not part.strip():
            continue
        name = clean_flag(part)
        if name is None:
            problems.append(f"features names {part.strip()!r}, which is not a flag name")
        elif name not in found:
            found.append(name)
    return tuple(found)


def plan_info(plan: PlanRow, product: ProductRow | None) -> PlanInfo:
    """The plan as the faces show it: its name, price, limits, features and metadata problems."""
    problems: list[str] = []
    merged = _metadata(product.metadata_json, f"product {product.id}", problems) if product else {}
    own = _metadata(plan.metadata_json, f"plan {plan.id}", problems)
    merged.update({k: v for k, v in own.items() if _present(v)})
    limits = PlanLimits(
        max_domains=_limit("max_domains", merged.get("max_domains"), problems),
        max_mailboxes=_limit("max_mailboxes", merged.get("max_mailboxes"), problems),
        max_emails_month=_limit("max_emails_month", merged.get("max_emails_month"), problems),
        mode=_mode(merged.get("limit_mode"), problems),
    )
    name = (plan.nickname or "").strip() or (product.name.strip() if product else "") or plan.id
    return PlanInfo(
        id=plan.id,
        name=name,
        amount=plan.amount,
        currency=plan.currency,
        interval=plan.interval,
        interval_count=plan.interval_count,
        active=plan.active,
        limits=limits,
        features=_features(merged.get("features"), problems),
        product=plan.product,
        problems=tuple(problems),
    )


def missing_plan(plan_id: str) -> PlanInfo:
    """A subscription's plan that the mirror does not hold (yet): no limits, and it says so."""
    return PlanInfo(
        id=plan_id,
        name=plan_id,
        amount=0,
        currency="usd",
        interval="month",
        interval_count=1,
        active=True,
        limits=PlanLimits(None, None, None, LimitMode.WARN),
        features=(),
        problems=(f"plan {plan_id} is not in the local copy of Stripe yet: sync billing",),
    )


def catalogue(session: Session, ids: Collection[str] | None = None) -> dict[str, PlanInfo]:
    """Plans by id (every plan, or only `ids`), each with its product's metadata beneath."""
    query = select(PlanRow)
    if ids is not None:
        query = query.where(PlanRow.id.in_(sorted(ids)))
    plans = list(session.execute(query).scalars())
    product_ids = sorted({p.product for p in plans if p.product})
    products = {
        p.id: p
        for p in session.execute(select(ProductRow).where(ProductRow.id.in_(product_ids))).scalars()
    }
    return {p.id: plan_info(p, products.get(p.product or "")) for p in plans}


def sorted_plans(plans: Collection[PlanInfo]) -> list[PlanInfo]:
    """Active plans first, then by name and price."""
    return sorted(plans, key=lambda p: (not p.active, p.name.casefold(), p.amount, p.id))


def current_subscriptions(
    session: Session, workspace_ids: Collection[int]
) -> dict[int, tuple[SubscriptionRow, str | None]]:
    """Each workspace's live subscription started last and its first item's plan id; a
    workspace without one is absent (it has no plan)."""
    rows = session.execute(
        select(SubscriptionRow, CustomerRow.workspace_id)
        .join(CustomerRow, CustomerRow.id == SubscriptionRow.customer)
        .where(CustomerRow.workspace_id.in_(sorted(workspace_ids)))
        .where(SubscriptionRow.status.in_(LIVE))
    ).all()
    best: dict[int, SubscriptionRow] = {}
    for sub, ws_id in rows:
        if ws_id is None:
            continue
        seen = best.get(ws_id)
        if seen is None or (sub.start_date, sub.created, sub.id) > (
            seen.start_date,
            seen.created,
            seen.id,
        ):
            best[ws_id] = sub
    first: dict[str, str] = {}
    items = session.execute(
        select(SubscriptionItemRow.subscription, SubscriptionItemRow.plan)
        .where(SubscriptionItemRow.subscription.in_(sorted(s.id for s in best.values())))
        .order_by(SubscriptionItemRow.id)
    ).all()
    for sub_id, plan_id in items:
        first.setdefault(sub_id, plan_id)
    return {ws_id: (sub, first.get(sub.id)) for ws_id, sub in best.items()}


def counts(session: Session, resource: str, workspace_ids: Collection[int]) -> dict[int, int]:
    """How many of `resource` each workspace has (absent: none)."""
    counted = COUNTED[resource]
    rows = session.execute(
        select(counted.c.workspace_id, func.count())
        .where(counted.c.workspace_id.in_(sorted(workspace_ids)))
        .group_by(counted.c.workspace_id)
    ).all()
    return {int(ws_id): int(n) for ws_id, n in rows}


def limit_of(plan: PlanInfo | None, resource: str) -> int | None:
    if plan is None:
        return None
    limit: int | None = getattr(plan.limits, LIMIT_KEYS[resource])
    return limit


def usage(
    plan: PlanInfo | None, ws_id: int, domains: Mapping[int, int], mailboxes: Mapping[int, int]
) -> tuple[UsageLine, ...]:
    """The workspace's lines against its plan; emails a month are not counted yet (nothing
    sends campaigns yet), so their `used` is None."""
    return (
        UsageLine(quotas.DOMAINS, domains.get(ws_id, 0), limit_of(plan, quotas.DOMAINS)),
        UsageLine(quotas.MAILBOXES, mailboxes.get(ws_id, 0), limit_of(plan, quotas.MAILBOXES)),
        UsageLine(quotas.EMAILS_MONTH, None, limit_of(plan, quotas.EMAILS_MONTH)),
    )
