"""Plans and limits through PlanService on a real database: the catalogue from Stripe metadata
(the product's beneath the plan's, unreadable values reported), a workspace's plan following its
subscription, usage counted from domains and mailboxes made through their own services, warn and
block modes enforced by the quota guard the container registers, feature flags, and roles."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.billing.models import LimitMode, UsageLine
from penguin_desktop.core.billing.tables import (
    CustomerRow,
    PlanRow,
    ProductRow,
    SubscriptionItemRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform.errors import NotFoundError, PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.quotas import LimitReached
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.servers.mailu import MailuClient
from tests.conftest import add_user
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer


def _meta(**values: str) -> str:
    return json.dumps(values)


@pytest.fixture
def catalogue(container: Container, owner: Actor) -> None:
    """Basic (limits on the product, warn), Pro (limits on the plan, block) and a plan whose
    metadata was mistyped."""
    with container.db.write() as session:
        session.add_all(
            [
                ProductRow(
                    id="prod_basic",
                    name="Basic",
                    metadata_json=_meta(max_domains="2", max_mailboxes="5", features="warmup"),
                ),
                ProductRow(id="prod_pro", name="Pro product", metadata_json=_meta(max_domains="9")),
                PlanRow(id="price_basic", product="prod_basic", amount=4900),
                PlanRow(
                    id="price_pro",
                    product="prod_pro",
                    nickname="Pro",
                    amount=9900,
                    metadata_json=_meta(
                        max_domains="3",
                        max_mailboxes="1",
                        limit_mode="block",
                        features="warmup, API,inbox-rotation",
                    ),
                ),
                PlanRow(
                    id="price_odd",
                    amount=100,
                    active=False,
                    metadata_json=_meta(
                        max_domains="lots", max_emails_month="-1", limit_mode="sometimes"
                    ),
                ),
            ]
        )


def _workspace_id(container: Container, name: str) -> int:
    with container.db.read() as session:
        return session.execute(
            select(WorkspaceRow.id).where(WorkspaceRow.name == name)
        ).scalar_one()


def subscribe(
    container: Container, workspace: str, sub: str, plan: str, *, start: int, status: str = "active"
) -> None:
    """A Stripe customer linked to the workspace (once) and a subscription of it to `plan`."""
    ws_id = _workspace_id(container, workspace)
    customer = f"cus_{ws_id}"
    with container.db.write() as session:
        if session.get(CustomerRow, customer) is None:
            session.add(CustomerRow(id=customer, workspace_id=ws_id, link="manual"))
        session.add(
            SubscriptionRow(
                id=sub, customer=customer, status=status, start_date=start, created=start
            )
        )
        session.add(SubscriptionItemRow(id=f"si_{sub}", subscription=sub, plan=plan))


@pytest.fixture
def acme(container: Container, owner: Actor, catalogue: None) -> str:
    container.workspaces.create(owner, "Acme")
    return "Acme"


def _usage(container: Container, actor: Actor, workspace: str) -> dict[str, UsageLine]:
    return {u.resource: u for u in container.plans.workspace_plan(actor, workspace).usage}


def test_the_catalogue_reads_limits_from_plan_then_product_metadata(
    container: Container, owner: Actor, catalogue: None
) -> None:
    plans = {p.id: p for p in container.plans.plans(owner)}
    assert [p.id for p in container.plans.plans(owner)] == ["price_basic", "price_pro", "price_odd"]

    basic = plans["price_basic"]
    assert basic.name == "Basic"  # no nickname: the product's name
    assert (basic.limits.max_domains, basic.limits.max_mailboxes) == (2, 5)
    assert (basic.limits.max_emails_month, basic.limits.mode) == (None, LimitMode.WARN)
    assert basic.features == ("warmup",) and basic.problems == ()

    pro = plans["price_pro"]
    assert pro.name == "Pro" and pro.limits.max_domains == 3  # the plan's value wins
    assert pro.limits.mode is LimitMode.BLOCK
    assert pro.features == ("warmup", "api", "inbox-rotation")

    odd = plans["price_odd"]
    assert odd.name == "price_odd" and not odd.active
    assert odd.limits.max_domains is None and odd.limits.max_emails_month is None
    assert odd.limits.mode is LimitMode.WARN
    assert len(odd.problems) == 3
    assert "max_domains is 'lots'" in odd.problems[0]

    assert container.plans.plan(owner, "pro").id == "price_pro"  # by name, any case
    with pytest.raises(NotFoundError, match="no plan 'gold'"):
        container.plans.plan(owner, "gold")


def test_a_workspace_plan_follows_its_subscription(
    container: Container, owner: Actor, acme: str
) -> None:
    assert container.plans.workspace_plan(owner, acme).plan is None  # no subscription, no plan

    subscribe(container, acme, "sub_1", "price_basic", start=1000)
    current = container.plans.workspace_plan(owner, acme)
    assert current.plan is not None and current.plan.id == "price_basic"
    assert (current.subscription, current.subscription_status) == ("sub_1", "active")

    subscribe(container, acme, "sub_2", "price_pro", start=2000)  # the upgrade
    subscribe(container, acme, "sub_3", "price_odd", start=3000, status="canceled")
    current = container.plans.workspace_plan(owner, acme)
    assert current.plan is not None and current.plan.id == "price_pro"
    assert current.subscription == "sub_2"

    subscribe(container, acme, "sub_4", "price_gone", start=4000, status="trialing")
    current = container.plans.workspace_plan(owner, acme)
    assert current.plan is not None and current.plan.id == "price_gone"
    assert (
        current.plan.limits.max_domains is None
        and "not in the local copy" in (current.plan.problems[0])
    )


def test_a_warn_plan_lets_domains_through_and_reports_going_over(
    container: Container, owner: Actor, acme: str
) -> None:
    subscribe(container, acme, "sub_1", "price_basic", start=1000)
    for name in ("one.test", "two.test", "three.test"):
        container.domains.add(owner, acme, name)
    assert len(container.domains.all(owner, acme)) == 3

    domains = _usage(container, owner, acme)["domains"]
    assert (domains.used, domains.limit, domains.over) == (3, 2, True)
    assert _usage(container, owner, acme)["emails_month"].used is None
    assert container.plans.over_limits(owner, acme) == [
        "the workspace Acme's plan Basic allows 2 sending domains and it has 3"
    ]


def test_a_block_plan_refuses_another_domain_and_names_the_limit(
    container: Container, owner: Actor, acme: str
) -> None:
    subscribe(container, acme, "sub_1", "price_pro", start=1000)
    for name in ("one.test", "two.test", "three.test"):
        container.domains.add(owner, acme, name)
    with pytest.raises(LimitReached) as refused:
        container.domains.add(owner, acme, "four.test", dkim_selectors=["pm"])
    assert refused.value.message == (
        "the workspace Acme's plan Pro allows 3 sending domains and it has 3"
    )
    assert refused.value.remedy is not None and refused.value.remedy.action == "plan.usage"
    assert sorted(d.name for d in container.domains.all(owner, acme)) == [
        "one.test",
        "three.test",
        "two.test",
    ]
    audit = container.audit.page(owner, AuditFilter(workspace=acme))
    assert [e.target for e in audit if e.action == "domain.add"].count("domain:four.test") == 0
    assert not any(e.action == "secret.set" for e in audit)  # refused before a key was made

    # Another workspace without a plan has no limits.
    container.workspaces.create(owner, "Globex")
    for name in ("a.test", "b.test", "c.test", "d.test"):
        container.domains.add(owner, "Globex", name)
    assert container.plans.workspace_plan(owner, "Globex").plan is None


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        with MailuClient(server.base_url, server.state.token) as api:
            api.create_domain("client.test")
        yield server


def test_a_block_plan_refuses_another_mailbox(
    container: Container, owner: Actor, acme: str, sshd: SshdServer, mailu: MailuServer
) -> None:
    container.servers.adopt(
        owner, acme, "mx1", sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        mailu_url=mailu.base_url, mailu_token=mailu.state.token,
    )  # fmt: skip
    subscribe(container, acme, "sub_1", "price_pro", start=1000)
    container.mailboxes.create(owner, "ann@client.test", "mx1")
    with pytest.raises(LimitReached, match="allows 1 mailbox and it has 1"):
        container.mailboxes.create(owner, "bob@client.test", "mx1")
    assert list(mailu.state.users) == ["ann@client.test"]
    assert "mailbox/bob@client.test" not in {s.name for s in container.secrets.all(owner, acme)}
    assert _usage(container, owner, acme)["mailboxes"].used == 1


def test_flags_come_from_the_plan_and_overrides(
    container: Container, owner: Actor, acme: str
) -> None:
    subscribe(container, acme, "sub_1", "price_basic", start=1000)
    state = {f.flag: (f.enabled, f.source) for f in container.plans.flags(owner, acme)}
    assert state == {
        "warmup": (True, "plan"),
        "api": (False, "none"),
        "inbox-rotation": (False, "none"),
    }

    on = container.plans.set_flag(owner, acme, "API", True)
    assert (on.flag, on.enabled, on.source) == ("api", True, "override")
    off = container.plans.set_flag(owner, acme, "warmup", False)
    assert (off.enabled, off.source) == (False, "override")
    container.plans.set_flag(owner, acme, "beta.reports", True)
    state = {f.flag: (f.enabled, f.source) for f in container.plans.flags(owner, acme)}
    assert state["api"] == (True, "override") and state["warmup"] == (False, "override")
    assert state["beta.reports"] == (True, "override")

    cleared = container.plans.set_flag(owner, acme, "warmup", None)
    assert (cleared.enabled, cleared.source) == (True, "plan")
    audit = container.audit.page(owner, AuditFilter(workspace=acme))
    changes = [json.loads(e.summary) for e in audit if e.action == "plan.flag.set"]
    assert {"flag": "warmup", "before": "off", "after": "plan"} in changes

    with pytest.raises(ValidationError, match="not a flag name"):
        container.plans.set_flag(owner, acme, "no spaces", True)
    with pytest.raises(NotFoundError):
        container.plans.set_flag(owner, "Nowhere", "api", True)


def test_roles_and_workspace_isolation(container: Container, owner: Actor, acme: str) -> None:
    container.workspaces.create(owner, "Globex")
    subscribe(container, "Globex", "sub_g", "price_pro", start=1000)
    member = add_user(container, owner, "member@agency.test", Role.MEMBER)
    container.members.add(owner, acme, "member@agency.test", Role.ADMIN)

    assert container.plans.workspace_plan(member, acme).plan is None
    assert container.plans.flags(member, acme) is not None
    assert [w.workspace for w in container.plans.workspace_plans(member)] == [acme]
    with pytest.raises(NotFoundError, match="no workspace named 'Globex'"):
        container.plans.workspace_plan(member, "Globex")
    with pytest.raises(PermissionDenied):
        container.plans.set_flag(member, acme, "api", True)
    with pytest.raises(PermissionDenied):
        container.plans.plans(member)

    manager = add_user(container, owner, "manager@agency.test", Role.MANAGER)
    assert {w.workspace for w in container.plans.workspace_plans(manager)} == {acme, "Globex"}
    assert container.plans.workspace_plan(manager, "Globex").plan is not None
    denied = [
        e
        for e in container.audit.page(owner, AuditFilter(workspace="Globex"))
        if e.outcome == "denied"
    ]
    assert denied and denied[0].actor == "member@agency.test"
