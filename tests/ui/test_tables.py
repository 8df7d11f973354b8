"""Tables as a user meets them at 1280x800: every column on screen, times and badges whole, a cut
cell's full text in its tooltip, widths dragged by hand remembered on the next start; the audit
log's selected event whole below the table; the Domains page's required records with the
MTA-STS policy file called what it is and a count that matches the rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QTableView, QToolTip
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.domains.tables import SendingDomainRow
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.audit.page import AuditPage
from penguin_desktop.ui.domains.page import DomainsPage
from penguin_desktop.ui.domains.records import POLICY_TYPE
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from tests.conftest import fresh_sqlite

WindowFactory = Callable[..., MainWindow]
MASTER = "a master password for the tests"
LONG_ACTOR = "operations.lead.for.the.northwind.agency@northwind-agency.example"
LONG_TARGET = "mailbox:quarterly-newsletter-subscriptions@newsletters.acme-corporation.example"


@pytest.fixture
def container(qapp: QApplication, tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """Domains generate DKIM keys into the encrypted secrets file (fixed master password)."""
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}), lambda _new: MASTER)
    yield built
    built.close()


def full_screen(window: MainWindow, index: int) -> object:
    window.resize(1280, 800)
    return window.show_page(index)


def title_of(table: QTableView, column: int) -> str:
    return str(table.model().headerData(column, Qt.Orientation.Horizontal))


def column_named(table: QTableView, title: str) -> int:
    titles = [title_of(table, c) for c in range(table.model().columnCount())]
    return titles.index(title)


def all_on_screen(table: QTableView) -> bool:
    header = table.horizontalHeader()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    right = max(header.sectionViewportPosition(c) + header.sectionSize(c) for c in shown)
    return right <= table.viewport().width() and table.horizontalScrollBar().maximum() == 0


def whole(table: QTableView, title: str) -> bool:
    column = column_named(table, title)
    return table.columnWidth(column) >= table.sizeHintForColumn(column)


def tooltip_at(qtbot: QtBot, table: QTableView, row: int, column: int) -> str:
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible())
    rect = table.visualRect(table.model().index(row, column))
    viewport = table.viewport()
    event = QHelpEvent(QEvent.Type.ToolTip, rect.center(), viewport.mapToGlobal(rect.center()))
    QApplication.sendEvent(viewport, event)
    return QToolTip.text() if QToolTip.isVisible() else ""


def seed_audit(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Acme Corporation")
    records = [
        AuditRecord(
            actor=LONG_ACTOR,
            face="gui",
            action="mailbox.quota",
            target=LONG_TARGET,
            workspace="Acme Corporation",
            summary={"email": LONG_TARGET[8:], "quota_mb": 4096, "previous_mb": 2048},
        )
    ]
    with container.db.write() as session:
        trail.append(session, records)


def audit_page(qtbot: QtBot, window: MainWindow) -> AuditPage:
    page = full_screen(window, window.page_types.index(AuditPage))
    assert isinstance(page, AuditPage)
    qtbot.waitUntil(lambda: all_on_screen(page.table))
    return page


def test_the_audit_log_fits_1280x800_with_its_change_column_on_screen(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_audit(container, owner)
    page = audit_page(qtbot, make_window(owner))
    table = page.table
    assert all_on_screen(table)
    change = column_named(table, "Change")
    assert table.columnWidth(change) >= table.horizontalHeader().sectionSizeHint(change)
    for title in ("#", "Time", "Result"):
        assert whole(table, title), title
    assert table.model().index(0, change).data() == "quota (MB): 2048 -> 4096"
    action = column_named(table, "Action")
    assert table.model().index(0, action).data() == "Mailbox quota changed"


def test_a_cut_cell_shows_its_whole_text_as_its_tooltip(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_audit(container, owner)
    table = audit_page(qtbot, make_window(owner)).table
    target = column_named(table, "Target")
    assert table.columnWidth(target) < table.sizeHintForColumn(target)  # cut on screen
    assert tooltip_at(qtbot, table, 0, target) == LONG_TARGET
    result = column_named(table, "Result")
    assert tooltip_at(qtbot, table, 0, result) == ""  # "OK" is whole: nothing to add


def test_a_column_width_set_by_hand_is_remembered_on_the_next_start(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    make_window: WindowFactory,
    settings_dir: Path,
) -> None:
    seed_audit(container, owner)
    table = audit_page(qtbot, make_window(owner)).table
    header = table.horizontalHeader()
    actor = column_named(table, "Actor")
    before = header.sectionSize(actor)
    edge = QPoint(header.sectionViewportPosition(actor) + before - 1, header.height() // 2)
    dragged = edge - QPoint(40, 0)
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=edge)
    qtbot.mouseMove(header.viewport(), dragged)
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=dragged)
    assert header.sectionSize(actor) == before - 40
    assert "Actor=" in next(settings_dir.rglob("*.ini")).read_text()

    again = MainWindow(AppState(container, owner), idle_timeout_ms=600_000)
    qtbot.addWidget(again)
    again.show()
    table = audit_page(qtbot, again).table
    assert table.columnWidth(column_named(table, "Actor")) == before - 40
    assert all_on_screen(table)  # the other columns fit around it


def test_an_audit_row_shows_every_field_of_its_event(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    seed_audit(container, owner)
    page = audit_page(qtbot, make_window(owner))
    page.table.selectRow(0)
    entry = page.model.entry(0)
    assert entry is not None
    values = {name: label.text() for name, label in page.detail.values.items()}
    assert values["time"].endswith(f"(stored as {entry.ts} UTC)")
    assert values["actor"] == LONG_ACTOR
    assert values["face"] == "the desktop console (gui)"
    assert values["workspace"] == "Acme Corporation"
    assert values["action"] == "Mailbox quota changed (mailbox.quota)"
    assert values["target"] == LONG_TARGET
    assert values["result"] == "OK"
    assert values["change"] == "quota (MB): 2048 -> 4096"
    assert values["hash"] == entry.hash and len(entry.hash) == 64
    assert values["prev_hash"] == entry.prev_hash
    assert page.detail.values["hash"].isVisible()
    page.table.selectRow(1)  # workspace.create, the event before
    assert page.detail.values["action"].text() == "Workspace created (workspace.create)"


def add_domains(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Acme")
    for name in ("acme-corporation.example", "newsletters.acme-corporation.example"):
        container.domains.add(
            owner, "Acme", name, ips=["203.0.113.25"], mail_hosts=[f"mail.{name}"], lab=True
        )
    with container.db.write() as session:
        session.execute(
            update(SendingDomainRow).values(
                last_score=47,
                last_worst="error",
                last_worst_message="No SPF record: receivers cannot tell who may send",
                last_checked_at=datetime(2026, 11, 28, 7, 26, tzinfo=UTC),
            )
        )


def domains_page(qtbot: QtBot, window: MainWindow) -> DomainsPage:
    page = full_screen(window, window.page_types.index(DomainsPage))
    assert isinstance(page, DomainsPage)
    qtbot.waitUntil(lambda: all_on_screen(page.table))
    return page


def test_the_domains_list_shows_every_column_with_times_and_badges_whole(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    add_domains(container, owner)
    page = domains_page(qtbot, make_window(owner))
    assert all_on_screen(page.table)
    assert whole(page.table, "Last checked") and whole(page.table, "Score")
    assert page.model.index(0, column_named(page.table, "Score")).data() == "47 / 100"


def test_required_records_call_the_policy_file_what_it_is_and_count_their_rows(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    add_domains(container, owner)
    page = domains_page(qtbot, make_window(owner))
    page._select("acme-corporation.example")
    tab = page.detail.records_tab
    page.detail.setCurrentWidget(tab)
    records = tab.records
    rows = [records.topLevelItem(i) for i in range(records.topLevelItemCount())]
    types = [row.text(1) for row in rows]  # type: ignore[union-attr]
    assert "HTTPS" not in types and types.count(POLICY_TYPE) == 1
    assert tab.count.text().startswith(f"{len(rows)} to publish for acme-corporation.example: ")
    assert tab.count.text().endswith(f"{len(rows) - 1} DNS records and the MTA-STS policy file")
    policy = rows[types.index(POLICY_TYPE)]
    assert policy is not None
    url = "https://mta-sts.acme-corporation.example/.well-known/mta-sts.txt"
    assert policy.text(0) == url
    records.setCurrentItem(policy)
    assert tab.record.name.toPlainText() == url
    assert tab.record.value.toPlainText().startswith("version: STSv1\nmode: testing")
    assert "not a DNS record" in tab.record.purpose.text()
    tab.record.copy_value.click()
    assert QApplication.clipboard().text().startswith("version: STSv1\r\n")
