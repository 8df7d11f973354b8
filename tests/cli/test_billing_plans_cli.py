"""`penguin plan ...` and `penguin flags ...` as a person and a script use them: the catalogue,
usage against a plan, a warning after going over a plan that warns, a refusal naming the limit
(and what to run) where the plan blocks, flags, exit codes and --json."""

from __future__ import annotations

import json

import pytest

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.billing.tables import (
    CustomerRow,
    PlanRow,
    ProductRow,
    SubscriptionItemRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from tests.cli.conftest import AddUser, Penguin
from tests.conftest import MASTER_PASSWORD


def _stripe_mirror(penguin: Penguin) -> None:
    """Basic (1 domain, warns) for Acme, Pro (1 domain, blocks) for Globex, as a sync leaves
    them."""
    container = Container(
        Settings(data_dir=penguin.data_dir, db_url=penguin.db_url), lambda _c: MASTER_PASSWORD
    )
    try:
        with container.db.write() as session:
            ids = {w.name: w.id for w in session.query(WorkspaceRow)}
            session.add_all(
                [
                    ProductRow(id="prod_basic", name="Basic", metadata_json='{"features": "api"}'),
                    PlanRow(
                        id="price_basic",
                        product="prod_basic",
                        amount=4900,
                        metadata_json=json.dumps({"max_domains": "1"}),
                    ),
                    PlanRow(
                        id="price_pro",
                        nickname="Pro",
                        amount=120000,
                        interval="year",
                        metadata_json=json.dumps(
                            {"max_domains": "1", "limit_mode": "block", "max_mailboxes": "x"}
                        ),
                    ),
                ]
            )
            for name, plan in (("Acme", "price_basic"), ("Globex", "price_pro")):
                customer, sub = f"cus_{name}", f"sub_{name}"
                session.add(CustomerRow(id=customer, workspace_id=ids[name], link="manual"))
                session.add(
                    SubscriptionRow(id=sub, customer=customer, status="active", start_date=1)
                )
                session.add(SubscriptionItemRow(id=f"si_{name}", subscription=sub, plan=plan))
    finally:
        container.close()


@pytest.fixture
def penguin(initialized: Penguin) -> Penguin:
    for name in ("Acme", "Globex"):
        assert initialized("workspace", "create", name).exit_code == 0
    _stripe_mirror(initialized)
    return initialized


def test_plan_list_and_show(penguin: Penguin) -> None:
    listed = penguin("plan", "list")
    assert listed.exit_code == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split()[:3] == ["ID", "NAME", "PRICE"]
    assert rows[0].startswith("price_basic") and "49.00 USD a month" in rows[0]
    assert "1200.00 USD a year" in rows[1] and "block" in rows[1]

    plans = penguin.json("plan", "list")
    assert [p["id"] for p in plans] == ["price_basic", "price_pro"]
    assert plans[0]["features"] == ["api"] and plans[0]["limits"]["max_domains"] == 1

    shown = penguin("plan", "show", "pro")
    assert shown.exit_code == 0, shown.stderr
    assert "Pro (price_pro): 1200.00 USD a year, active" in shown.stdout
    assert "going over a limit: is refused" in shown.stdout
    assert "problem: max_mailboxes is 'x'" in shown.stdout

    missing = penguin("plan", "show", "gold")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "error: no plan 'gold' among the agency's plans"


def test_a_warning_plan_lets_the_domain_in_and_says_so(penguin: Penguin) -> None:
    first = penguin("domain", "add", "one.test", "-w", "Acme")
    assert first.exit_code == 0 and first.stderr == ""
    second = penguin("domain", "add", "two.test", "-w", "Acme")
    assert second.exit_code == 0, second.stderr
    assert second.stderr.strip() == (
        "warning: the workspace Acme's plan Basic allows 1 sending domain and it has 2"
    )

    usage = penguin("plan", "usage", "--workspace", "Acme")
    assert usage.exit_code == 0, usage.stderr
    domains = next(line for line in usage.stdout.splitlines() if "sending domains" in line)
    assert domains.split()[-4:] == ["2", "1", "over", "(warns)"]
    assert "not counted" in usage.stdout
    (acme,) = penguin.json("plan", "usage", "-w", "Acme")
    assert acme["plan"]["id"] == "price_basic" and acme["subscription"] == "sub_Acme"
    assert acme["usage"][0] == {"resource": "domains", "used": 2, "limit": 1}


def test_a_blocking_plan_refuses_and_names_the_limit(penguin: Penguin) -> None:
    assert penguin("domain", "add", "one.test", "-w", "Globex").exit_code == 0
    refused = penguin("domain", "add", "two.test", "-w", "Globex")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: the workspace Globex's plan Pro allows 1 sending domain and it has 1: "
        "run `penguin plan usage --workspace Globex`"
    )
    assert [d["name"] for d in penguin.json("domain", "list", "-w", "Globex")] == ["one.test"]
    everyone = {w["workspace"]: w for w in penguin.json("plan", "usage")}
    assert set(everyone) == {"Acme", "Globex"}


def test_flags_list_and_set(penguin: Penguin, add_user: AddUser) -> None:
    listed = penguin.json("flags", "list", "-w", "Acme")
    assert listed == [{"flag": "api", "enabled": True, "source": "plan"}]

    off = penguin("flags", "set", "api", "off", "--workspace", "Acme")
    assert off.exit_code == 0, off.stderr
    assert off.stdout.strip() == "api is off for 'Acme' (overridden)"
    on = penguin.json("flags", "set", "Beta.Reports", "on", "-w", "Globex")
    assert on == {"flag": "beta.reports", "enabled": True, "source": "override"}
    table = penguin("flags", "list", "-w", "Globex")
    assert table.stdout.split() == [
        *("FLAG", "ENABLED", "SOURCE"),
        *("api", "no", "none"),
        *("beta.reports", "yes", "override"),
    ]
    back = penguin("flags", "set", "api", "default", "-w", "Acme")
    assert back.stdout.strip() == "api is on for 'Acme' (from its plan)"

    bad = penguin("flags", "set", "no such", "on", "-w", "Acme")
    assert bad.exit_code == 1 and "is not a flag name" in bad.stderr
    assert "--flag" not in bad.stderr

    add_user("member@agency.test")
    member = "member@agency.test"
    assert penguin("member", "add", member, "-w", "Acme", "--role", "admin").exit_code == 0
    denied = penguin("flags", "set", "api", "on", "-w", "Acme", user=member)
    assert denied.exit_code == 3
    assert penguin("plan", "list", user=member).exit_code == 3
    mine = penguin.json("plan", "usage", user=member)
    assert [w["workspace"] for w in mine] == ["Acme"]
    hidden = penguin("plan", "usage", "-w", "Globex", user=member)
    assert hidden.exit_code == 1 and "no workspace named 'Globex'" in hidden.stderr
