"""Every page of the console, over workspaces holding one of everything the core can make
(see `everything`): each page opened in each workspace, every row of every table selected so
its detail pane shows, and everything painted. Not one uncaught exception, Qt error or error
dialog may come of it: a single kind of object a page cannot show (a secret kind without a
label) breaks every repaint of that page."""

from __future__ import annotations

import traceback
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QtMsgType
from PySide6.QtWidgets import QApplication, QMessageBox, QTableView
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.servers.models import ServerStatus
from penguin_desktop.ui.audit.page import AuditPage
from penguin_desktop.ui.billing.page import BillingPage
from penguin_desktop.ui.campaigns.campaigns_page import CampaignsPage
from penguin_desktop.ui.campaigns.leads_page import LeadsPage
from penguin_desktop.ui.domains.page import DomainsPage
from penguin_desktop.ui.mailboxes.page import MailboxesPage
from penguin_desktop.ui.secrets.labels import KIND_LABELS, kind_label
from penguin_desktop.ui.secrets.page import SecretsPage
from penguin_desktop.ui.servers.page import ServersPage
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.widgets.page import Page
from tests.servers.mailu import MailuServer

from . import everything
from .everything import OTHER, WORKSPACE, World

WAIT_MS = 30_000
# What a cell says and its tooltip: the words a person reads, each worked out per row.
ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
# Said by the offscreen platform about every window; nothing to do with the console.
PLATFORM_NOISE = ("This plugin does not support",)


@pytest.fixture
def world(container: Container, owner: object, mailu: MailuServer) -> World:
    return everything.build(container, owner, mailu)  # type: ignore[arg-type]


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Let jobs a selection started end and the window repaint what changed."""
    QApplication.processEvents()
    qtbot.waitUntil(lambda: not window.state.runner.running, timeout=WAIT_MS)
    QApplication.processEvents()


def read_every_cell(table: QTableView) -> None:
    model = table.model()
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            for role in ROLES:
                model.index(row, column).data(role)


def visit(qtbot: QtBot, window: MainWindow, index: int) -> Page:
    """Open the page, then select each row of each of its tables in turn; paint the whole
    window, hidden parts too, once at the end."""
    page = window.show_page(index)
    settle(qtbot, window)
    for table in [t for t in page.findChildren(QTableView) if t.isVisible()]:
        read_every_cell(table)
        for row in range(table.model().rowCount()):
            if not table.isVisible():
                break
            table.selectRow(row)
            settle(qtbot, window)
    window.grab()
    return page


def visit_tabs(qtbot: QtBot, window: MainWindow, page: BillingPage) -> None:
    """Every tab of the Billing page, every row of its tables selected (the Payments tab has
    a charge in every status, and so on), then back to the first tab."""
    for tab in page.all_tabs:
        page.tabs.setCurrentWidget(tab)
        settle(qtbot, window)
        assert tab.stack.currentWidget() is tab.content, type(tab).__name__
        for table in [t for t in tab.findChildren(QTableView) if t.isVisible()]:
            read_every_cell(table)
            for row in range(table.model().rowCount()):
                table.selectRow(row)
                settle(qtbot, window)
        window.grab()
    assert len(page.payments.rows) == 9 and set(page.overview.tiles.rows) == {"usd", "eur", "jpy"}
    page.tabs.setCurrentWidget(page.overview)


def visit_lead_tabs(qtbot: QtBot, window: MainWindow, page: LeadsPage) -> None:
    """Both tabs of the Leads page with every row selected: the leads of both lists, and the
    suppression entries of every kind and scope (an erased lead's hash among them)."""
    assert [line.lists for line in page.leads.rows.model.rows] == [
        ("Fair 2026", "VIP"),
        ("Fair 2026",),
        ("Fair 2026",),
    ]
    for tab in page.all_tabs:
        page.tabs.setCurrentWidget(tab)
        settle(qtbot, window)
        assert tab.stack.currentWidget() is tab.content, type(tab).__name__
        for table in [t for t in tab.findChildren(QTableView) if t.isVisible()]:
            read_every_cell(table)
            for row in range(table.model().rowCount()):
                table.selectRow(row)
                settle(qtbot, window)
        window.grab()
    kinds = {(e.kind, e.workspace) for e in page.suppression.rows.model.rows}
    assert kinds == {("hash", WORKSPACE), ("domain", WORKSPACE), ("address", None)}
    assert "1 Main Street" in page.compliance_label.text()
    page.tabs.setCurrentWidget(page.leads)


def check_campaign(page: CampaignsPage) -> None:
    """The seeded campaign's steps and its results: a ledger row in every status, both
    variants, a hold of each kind."""
    assert [c.name for c in page.model.rows] == ["Spring outreach"]
    assert "A question for you" in page.detail.steps.text()
    results = page.detail.results_model.rows
    assert {r.variant for r in results} == {"A", "B"}
    assert sum(r.sent + r.failed + r.unknown for r in results) >= 3
    assert "daily limit: 3" in page.detail.deferred.text()
    assert "suppressed: 3" in page.detail.blocked.text()


def visit_everything(
    qtbot: QtBot, qtlog: object, window: MainWindow, check: Callable[[Page], None]
) -> None:
    with qtbot.capture_exceptions() as raised:
        for workspace in (WORKSPACE, OTHER, WORKSPACE):
            window.switcher.setCurrentIndex(window.switcher.findText(workspace))
            settle(qtbot, window)
            for index in range(len(window.page_types)):
                check(visit(qtbot, window, index))
        secrets = window.show_page(window.page_types.index(SecretsPage))
        assert isinstance(secrets, SecretsPage)
        secrets.show_all.setChecked(True)
        visit(qtbot, window, window.page_types.index(SecretsPage))

    assert not raised, "\n".join(
        "".join(traceback.format_exception(kind, error, tb)) for kind, error, tb in raised
    )
    problems = [
        record.message
        for record in qtlog.records  # type: ignore[attr-defined]
        if record.type in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        or (record.type is QtMsgType.QtWarningMsg and not record.message.startswith(PLATFORM_NOISE))
    ]
    assert problems == []
    shown = [w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert [text for text in shown if text] == []


def column(page: Page, title: str) -> list[str]:
    model = page.table.model()  # type: ignore[attr-defined]
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    at = titles.index(title)
    return [str(model.index(r, at).data()) for r in range(model.rowCount())]


def test_every_secret_kind_has_a_label() -> None:
    assert set(KIND_LABELS) == set(SecretKind)
    assert kind_label(SecretKind.DKIM_KEY) == "DKIM private key"


def test_every_page_shows_every_kind_of_object(
    qtbot: QtBot, qtlog: object, world: World, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(world.owner)

    def check(page: Page) -> None:
        """What the person sees of each kind of object, in the workspace that has them all."""
        if isinstance(page, BillingPage):  # the agency's, whichever workspace is current
            visit_tabs(qtbot, window, page)
            return
        if window.state.current is None or window.state.current.name != WORKSPACE:
            return
        if isinstance(page, SecretsPage) and not page.show_all.isChecked():
            assert set(column(page, "Kind")) == {kind_label(kind) for kind in SecretKind}
        elif isinstance(page, ServersPage):
            assert len(page.model.rows) == 2 * len(ServerStatus)
        elif isinstance(page, DomainsPage):
            assert sorted(d.name for d in page.model.rows) == sorted(world.domains)
        elif isinstance(page, MailboxesPage):
            assert sorted(b.email for b in page.model.rows) == sorted(world.mailboxes)
        elif isinstance(page, LeadsPage):
            visit_lead_tabs(qtbot, window, page)
        elif isinstance(page, CampaignsPage):
            check_campaign(page)
        elif isinstance(page, AuditPage):
            assert page.model.rowCount() > 0

    visit_everything(qtbot, qtlog, window, check)


def test_a_viewer_sees_every_page_too(
    qtbot: QtBot, qtlog: object, world: World, make_window: Callable[..., MainWindow]
) -> None:
    visit_everything(qtbot, qtlog, make_window(world.viewer), lambda _page: None)
