"""The Billing page and Home's billing panel as the agency uses them, against localstripe seeded
with the agency's account (see `seed`): connecting (a refused key is said under the key),
syncing with progress and Cancel, revenue tiles per currency, the payments' "Failed only" with
the decline, a refund made once however often its dialog is accepted, customers linked by hand,
a member who may not see billing, and Home's MRR.

The GUI suite's autouse fixtures (the theme, QSettings in the test's folder, collection on the UI
thread) are imported from tests/ui/conftest.py; the container is billing's (SQLite, the master
password given), so this folder's Stripe fixtures serve both."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.billing.settings import ENV_API_BASE
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.ui.billing.connect_dialog import ConnectDialog
from penguin_desktop.ui.billing.page import BillingPage
from penguin_desktop.ui.billing.payments_tab import PaymentsTab
from penguin_desktop.ui.billing.refund_dialog import RefundDialog
from penguin_desktop.ui.monitoring.home_page import HomePage
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from tests.billing.seed import SECRET_KEY, Seeded, client, seed_agency
from tests.servers.stripe import StripeServer
from tests.ui.conftest import (  # noqa: F401 (the GUI suite's autouse fixtures)
    _collected_on_the_ui_thread,
    _themed,
    settings_dir,
)

WindowFactory = Callable[..., MainWindow]
WAIT_MS = 30_000
PASSWORD = "Lantern-fjord-2026!y"


@pytest.fixture
def container(billing_container: Container) -> Container:
    return billing_container


@pytest.fixture
def owner(container: Container, monkeypatch: pytest.MonkeyPatch) -> Actor:
    """The agency's owner, signed in to the console, and its four client workspaces."""
    monkeypatch.delenv(ENV_API_BASE, raising=False)
    actor = container.auth.initialize("Agency Test", "owner@agency.test", PASSWORD, Face.GUI)
    for name in ("Acme", "Globex", "Initech", "Hooli"):
        container.workspaces.create(actor, name)
    return actor


@pytest.fixture
def seeded(stripe_server: StripeServer) -> Seeded:
    return seed_agency(stripe_server.url)


@pytest.fixture
def synced(
    container: Container, owner: Actor, seeded: Seeded, stripe_server: StripeServer
) -> Seeded:
    container.billing.connect(owner, SECRET_KEY, api_base=stripe_server.url)
    container.billing.sync(owner)
    return seeded


@pytest.fixture
def make_window(qtbot: QtBot, container: Container) -> WindowFactory:
    """The console's window for `actor`, shown (as tests/ui/conftest.py makes it)."""

    def make(actor: Actor) -> MainWindow:
        window = MainWindow(AppState(container, actor), idle_timeout_ms=600_000)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def billing_page(window: MainWindow) -> BillingPage:
    page = window.show_page(window.page_types.index(BillingPage))
    assert isinstance(page, BillingPage)
    return page


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Let the jobs started so far end and their results arrive."""
    QApplication.processEvents()
    qtbot.waitUntil(lambda: not window.state.runner.running, timeout=WAIT_MS)
    QApplication.processEvents()


def cells(table: QTableView, column: str) -> list[str]:
    model = table.model()
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    at = titles.index(column)
    return [str(model.index(r, at).data()) for r in range(model.rowCount())]


def error_boxes() -> list[str]:
    return [
        w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.text()
    ]


def member(container: Container, owner: Actor, workspace: str) -> Actor:
    container.users.add(owner, "max@agency.test", PASSWORD, Role.MEMBER)
    container.members.add(owner, workspace, "max@agency.test", Role.MEMBER)
    return container.auth.login("max@agency.test", PASSWORD, Face.GUI)


# --- connecting -----------------------------------------------------------------------------------
def test_a_refused_key_is_said_under_the_key_and_a_good_one_connects(
    qtbot: QtBot,
    owner: Actor,
    seeded: Seeded,
    stripe_server: StripeServer,
    make_window: WindowFactory,
) -> None:
    window = make_window(owner)
    page = billing_page(window)
    overview = page.overview
    assert overview.stack.currentWidget() is overview.empty
    assert overview.empty.title.text() == "Stripe is not connected yet"

    qtbot.mouseClick(overview.empty.button, Qt.MouseButton.LeftButton)  # "Connect…"
    dialog = overview.dialog
    assert isinstance(dialog, ConnectDialog) and dialog.isVisible()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.key.echoMode() == dialog.key.EchoMode.Password
    dialog.key.setText("rk_test_unknown_key")
    dialog.api_base.setText(stripe_server.url)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert dialog.isVisible()
    assert dialog.field_error("key").startswith("Stripe refused the API key")
    assert "rk_test_unknown_key" not in dialog.field_error("key")
    assert dialog.field_error("api_base") == ""

    dialog.key.setText("pk_test_a_publishable_key")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert "starts with sk_" in dialog.field_error("key")

    dialog.key.setText(SECRET_KEY)
    qtbot.keyClick(dialog.key, Qt.Key.Key_Return)  # Enter in the key field: the default button
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert overview.stack.currentWidget() is overview.content
    assert "Penguin Test Agency" in overview.connection_card.account.text()
    assert overview.pending.isVisible() and not overview.tiles.isVisible()
    assert overview.sync_card.last.text().startswith("Never")
    page.tabs.setCurrentWidget(page.payments)
    assert page.payments.empty.title.text() == "Not synced yet"
    assert page.payments.empty.button.text() == "Sync now"
    assert error_boxes() == []


# --- syncing and revenue --------------------------------------------------------------------------
def test_sync_now_shows_its_progress_and_fills_the_revenue_tiles(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    seeded: Seeded,
    stripe_server: StripeServer,
    make_window: WindowFactory,
) -> None:
    container.billing.connect(owner, SECRET_KEY, api_base=stripe_server.url)
    window = make_window(owner)
    page = billing_page(window)
    card = page.overview.sync_card
    assert card.sync_button.isEnabled()

    qtbot.mouseClick(card.sync_button, Qt.MouseButton.LeftButton)
    job = page.overview.sync_job
    assert job is not None
    assert card.progress_row.isVisibleTo(page) and card.cancel_button.isEnabled()
    assert not card.sync_button.isEnabled() and not card.full_button.isEnabled()
    settle(qtbot, window)

    assert card.bar.value() == 1000 and card.step.text() == "refunds: 1"  # the last list
    assert not card.progress_row.isVisibleTo(page) and card.sync_button.isEnabled()
    assert card.result.text().startswith("Full sync: ")
    assert "full" in card.last.text() and "requests to Stripe" in card.last.text()
    tiles = page.overview.tiles
    qtbot.waitUntil(lambda: set(tiles.rows) == {"usd", "eur"}, timeout=WAIT_MS)
    assert tiles.rows["usd"].mrr.value.text() == "128.00 USD"
    assert tiles.rows["eur"].mrr.value.text() == "19.00 EUR"
    assert tiles.rows["usd"].arr.value.text() == "1,536.00 USD"
    assert tiles.rows["usd"].active.value.text() == "2"
    assert tiles.rows["usd"].failed.value.text() != "—"  # the Hooli decline, this month
    movements = page.overview.movements
    assert movements.currency.currentText() == "USD"  # the most subscriptions first
    assert movements.chart is not None and movements.chart.isVisibleTo(page)
    assert cells(movements.table, "End MRR")[0] == "128.00"
    movements.currency.setCurrentIndex(movements.currency.findData("eur"))
    assert cells(movements.table, "End MRR")[0] == "19.00"
    assert error_boxes() == []


def test_a_cancelled_sync_says_where_the_next_one_resumes(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    seeded: Seeded,
    stripe_server: StripeServer,
    make_window: WindowFactory,
) -> None:
    container.billing.connect(owner, SECRET_KEY, api_base=stripe_server.url)
    window = make_window(owner)
    page = billing_page(window)
    stripe_server.delay(300)
    job = page.overview.start_sync(full=True)
    assert job is not None
    card = page.overview.sync_card
    # Under way: the first page is written (progress is emitted on the worker's thread; the
    # card hears it on the UI thread, where waiting for it is safe).
    qtbot.waitUntil(lambda: card.step.text().startswith("events"), timeout=WAIT_MS)
    qtbot.mouseClick(card.cancel_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    stripe_server.delay(0)

    assert "cancelled" in card.result.text() and card.result.kind == "info"
    assert "the next sync resumes there" in card.problem.text()
    assert card.problem.isVisibleTo(page)


# --- payments, refunds, invoices, customers -------------------------------------------------------
def test_failed_only_shows_the_decline_and_export_writes_what_is_listed(
    qtbot: QtBot, owner: Actor, synced: Seeded, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window(owner)
    page = billing_page(window)
    page.tabs.setCurrentWidget(page.payments)
    tab = page.payments
    assert tab.stack.currentWidget() is tab.content
    assert len(tab.rows) >= 5 and "Hooli" in cells(tab.table, "Customer")

    tab.payment_filters.failed.setChecked(True)
    assert cells(tab.table, "Customer") == ["Hooli"]
    assert cells(tab.table, "Decline") == ["Your card was declined."]
    assert cells(tab.table, "Status") == ["Failed"]
    assert cells(tab.table, "Next retry")[0] != ""
    assert cells(tab.table, "Payment") == [synced.hooli_charge]
    assert not tab.refund_button.isEnabled()  # a failed payment has nothing to refund

    tab.payment_filters.failed.setChecked(False)
    tab.payment_filters.workspace.setCurrentIndex(tab.payment_filters.workspace.findText("Acme"))
    assert set(cells(tab.table, "Workspace")) == {"Acme"}
    out = tmp_path / "acme.csv"
    assert tab.export_to(out) == len(tab.rows)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["workspace"] for r in rows} == {"Acme"}
    assert synced.acme_charge in {r["id"] for r in rows}
    assert "Exported" in tab.message.text()


def _select(tab: PaymentsTab, charge: str) -> None:
    tab.table.selectRow(next(i for i, p in enumerate(tab.list.model.rows) if p.id == charge))


def test_a_refund_is_made_once_however_often_its_dialog_is_accepted(
    qtbot: QtBot,
    owner: Actor,
    synced: Seeded,
    stripe_server: StripeServer,
    make_window: WindowFactory,
) -> None:
    window = make_window(owner)
    page = billing_page(window)
    page.tabs.setCurrentWidget(page.payments)
    tab = page.payments
    _select(tab, synced.acme_charge)
    assert tab.refund_button.isEnabled()
    qtbot.mouseClick(tab.refund_button, Qt.MouseButton.LeftButton)
    dialog = tab.refund_dialog
    assert isinstance(dialog, RefundDialog) and dialog.isVisible()
    key = dialog.key

    dialog.part.setChecked(True)
    dialog.amount.setText("5.001")
    dialog.reason.setText("billed twice in March")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "2 decimal places at most" in dialog.field_error("amount")
    assert not dialog.confirming
    dialog.amount.setText("5")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.confirming
    assert dialog.confirmation.text().startswith("Refund 5.00 USD to Acme")
    assert dialog.ok_button.text() == "Refund 5.00 USD"

    dialog.buttons.accepted.emit()  # Enter, and again before the first has come back
    dialog.buttons.accepted.emit()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert tab.message.text().startswith("Refunded 5.00 USD of payment " + synced.acme_charge)

    dialog.show()  # the same dialog accepted once more: the same key
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert dialog.key == key and not dialog.isVisible()
    assert tab.message.text().startswith("Already refunded")

    api = client(stripe_server.url)
    made = [
        r for r in api.v1.refunds.list(params={"limit": 100}).data if r.charge == synced.acme_charge
    ]
    assert [r.amount for r in made] == [500]
    _select(tab, synced.acme_charge)
    assert "Partly refunded" in cells(tab.table, "Status")
    assert error_boxes() == []


def test_failed_invoices_and_a_customer_linked_by_hand(
    qtbot: QtBot, owner: Actor, synced: Seeded, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = billing_page(window)
    page.tabs.setCurrentWidget(page.invoices)
    invoices = page.invoices
    assert invoices.filters is not None
    invoices.filters.failed.setChecked(True)
    assert cells(invoices.table, "Customer") == ["Hooli"]
    assert cells(invoices.table, "Remaining") == ["99.00 USD"]
    opened: list[str] = []
    invoices.open_url = lambda url: opened.append(url.toString())
    invoices.open_page()
    assert opened == [] or opened[0].startswith("http")

    page.tabs.setCurrentWidget(page.customers)
    customers = page.customers
    assert customers.count.text() == "5 customers, 1 in no workspace"
    assert cells(customers.table, "Customer")[0] == "Umbrella"  # the one to link comes first
    customers.table.selectRow(0)
    dialog = customers.open_link()
    assert dialog is not None
    dialog.workspace.setCurrentIndex(dialog.workspace.findText("Globex"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    linked = {c.id: c for c in customers.rows}[synced.umbrella]
    assert (linked.workspace, linked.link) == ("Globex", "manual")
    assert customers.message.text() == "Umbrella belongs to workspace Globex (by hand)"

    customers.table.selectRow([c.id for c in customers.rows].index(synced.umbrella))
    assert customers.follow_button.isEnabled()
    qtbot.mouseClick(customers.follow_button, Qt.MouseButton.LeftButton)
    assert {c.id: c.workspace for c in customers.rows}[synced.umbrella] is None
    assert error_boxes() == []


# --- roles and Home -------------------------------------------------------------------------------
def test_a_member_sees_why_and_the_plans_of_their_own_workspace(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    synced: Seeded,
    make_window: WindowFactory,
) -> None:
    max_ = member(container, owner, "Acme")
    window = make_window(max_)
    page = billing_page(window)
    for tab in (page.overview, page.payments):
        page.tabs.setCurrentWidget(tab)
        assert tab.stack.currentWidget() is tab.denied
        assert tab.denied.title.text() == "Your role may not see billing"
        assert "you are a member of the agency" in tab.denied.body.text()
    assert not page.payments.refund_button.isVisibleTo(page)

    qtbot.mouseClick(page.payments.denied.button, Qt.MouseButton.LeftButton)
    assert page.tabs.currentWidget() is page.plans
    plans = page.plans
    assert cells(plans.table, "Workspace") == ["Acme"]
    assert cells(plans.table, "Plan")[0] != "No plan"
    assert "Acme" in plans.detail.name.text()
    assert not plans.on_button.isVisibleTo(page)  # flags are the admins' to set
    assert error_boxes() == []

    home = window.show_page(0)
    assert isinstance(home, HomePage)
    assert home.read_billing() is None and not home.view.billing.isVisibleTo(home)


def test_home_shows_the_agency_mrr_and_leads_to_billing(
    qtbot: QtBot, owner: Actor, synced: Seeded, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    home = window.current_page()
    assert isinstance(home, HomePage)
    assert home.read_billing() is not None
    panel = home.view.billing
    qtbot.waitUntil(lambda: panel.isVisibleTo(home), timeout=WAIT_MS)
    assert "128.00 USD" in panel.mrr.text() and "19.00 EUR" in panel.mrr.text()
    assert "1 failed payment" in panel.failed.text()

    qtbot.mouseClick(panel.link, Qt.MouseButton.LeftButton)
    assert isinstance(window.current_page(), BillingPage)


def test_home_leaves_billing_out_until_it_is_connected(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    home = window.current_page()
    assert isinstance(home, HomePage)
    job = home.read_billing()
    assert job is not None
    with qtbot.waitSignal(job.signals.ended, timeout=WAIT_MS):
        pass
    assert home.view.billing.figures is None and not home.view.billing.isVisibleTo(home)
