"""Plan limits where people create things: on the Domains page, a plan that warns lets one more
domain in and says so in the page's message line; a plan that blocks refuses it in the dialog,
naming the limit. The plan is in the Stripe mirror, as a sync leaves it."""

from __future__ import annotations

import json

from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.billing.tables import (
    CustomerRow,
    PlanRow,
    SubscriptionItemRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.ui.domains.forms import AddDomainDialog
from penguin_desktop.ui.domains.page import DomainsPage
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from tests.ui.conftest import (  # noqa: F401 (the GUI suite's autouse fixtures)
    _collected_on_the_ui_thread,
    _themed,
    settings_dir,
)

PASSWORD = "Lantern-fjord-2026!y"


def _on_plan(c: Container, workspace: str, max_domains: int, mode: str) -> None:
    with c.db.write() as session:
        ws = session.query(WorkspaceRow).filter_by(name=workspace).one()
        session.add(
            PlanRow(
                id="price_small",
                nickname="Small",
                amount=1900,
                currency="usd",
                interval="month",
                interval_count=1,
                active=True,
                created=1,
                metadata_json=json.dumps({"max_domains": str(max_domains), "limit_mode": mode}),
            )
        )
        session.add(CustomerRow(id="cus_acme", name="Acme", workspace_id=ws.id, link="manual"))
        session.add(
            SubscriptionRow(
                id="sub_acme",
                customer="cus_acme",
                status="active",
                created=1,
                start_date=1,
                currency="usd",
                mrr=1900,
            )
        )
        session.add(
            SubscriptionItemRow(
                id="si_acme", subscription="sub_acme", plan="price_small", quantity=1
            )
        )


def _add_domain(qtbot: QtBot, page: DomainsPage, name: str) -> AddDomainDialog:
    page.add_button.click()
    dialog = page.dialog
    assert isinstance(dialog, AddDomainDialog)
    dialog.name.setText(name)
    dialog.ips.setText("192.0.2.10")
    dialog.lab.setChecked(True)
    dialog.ok_button.click()
    return dialog


def _window(qtbot: QtBot, c: Container, actor: Actor) -> DomainsPage:
    window = MainWindow(AppState(c, actor), idle_timeout_ms=600_000)
    qtbot.addWidget(window)
    window.show()
    page = window.show_page(window.page_types.index(DomainsPage))
    assert isinstance(page, DomainsPage)
    return page


def test_a_plan_that_warns_lets_the_domain_in_and_says_so(
    qtbot: QtBot, billing_container: Container
) -> None:
    c = billing_container
    owner = c.auth.initialize("Agency Test", "owner@agency.test", PASSWORD, Face.GUI)
    c.workspaces.create(owner, "Acme")
    _on_plan(c, "Acme", 1, "warn")
    c.domains.add(owner, "Acme", "one.test", ips=["192.0.2.10"], lab=True)
    page = _window(qtbot, c, owner)

    dialog = _add_domain(qtbot, page, "two.test")
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)

    assert page.model.rowCount() == 2
    assert page.message.kind == "warning"
    assert page.message.text() == (
        "Over the plan: the workspace Acme's plan Small allows 1 sending domain and it has 2 "
        "(see Billing, Plans & usage)"
    )


def test_a_plan_that_blocks_refuses_in_the_dialog(
    qtbot: QtBot, billing_container: Container
) -> None:
    c = billing_container
    owner = c.auth.initialize("Agency Test", "owner@agency.test", PASSWORD, Face.GUI)
    c.workspaces.create(owner, "Acme")
    _on_plan(c, "Acme", 1, "block")
    c.domains.add(owner, "Acme", "one.test", ips=["192.0.2.10"], lab=True)
    page = _window(qtbot, c, owner)

    dialog = _add_domain(qtbot, page, "two.test")
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=20_000)

    assert dialog.isVisible() and page.model.rowCount() == 1
    assert "plan Small allows 1 sending domain and it has 1" in dialog.message.text()
    assert "Billing page (Plans & usage)" in dialog.message.text()
