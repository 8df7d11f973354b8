"""The Monitoring page over a real workspace: a lab domain, a server row as adoption leaves it,
two checks of closed ports run twice (two "down" alerts). Its Alerts tab acknowledges and
resolves them, its Checks tab adds, disables and shows the history of checks (and will not
remove a default one), its Notifiers tab adds a webhook that a real receiver gets the test of;
a viewer sees it all with the actions off."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.monitoring import (
    AlertState,
    CheckChange,
    CheckKind,
    NotifierKind,
    TlsMode,
)
from penguin_desktop.core.monitoring.models import CheckInfo
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.servers import ServerRow
from penguin_desktop.ui.monitoring.check_form import CheckDialog
from penguin_desktop.ui.monitoring.home_page import HomePage
from penguin_desktop.ui.monitoring.monitoring_page import MonitoringPage
from penguin_desktop.ui.monitoring.notifier_forms import AddNotifierDialog
from penguin_desktop.ui.shell.main_window import MainWindow
from tests.conftest import fresh_sqlite
from tests.servers.common import free_port
from tests.servers.file_keyring import FileBackedKeyring
from tests.servers.webhook_receiver import WebhookReceiver, running_webhook_receiver

WindowFactory = Callable[..., MainWindow]
WAIT_MS = 30_000


@pytest.fixture
def container(
    test_keyring: FileBackedKeyring, tmp_path: Path, sqlite_template: Path
) -> Iterator[Container]:
    """Notifier secrets go to a keyring (a real backend over a file), made before the
    container so its secret store finds it."""
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}))
    yield built
    built.close()


@pytest.fixture
def acme(container: Container, owner: Actor, monkeypatch: pytest.MonkeyPatch) -> str:
    """Workspace Acme: domain client.test (lab), server mx1 without SSH, the defaults off, an
    SMTP and an IMAPS check of closed ports run twice: two open "down" alerts."""
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", f"127.0.0.1:{free_port()}")
    container.workspaces.create(owner, "Acme")
    container.domains.add(owner, "Acme", "client.test", ips=["127.0.0.1"], lab=True)
    with container.db.write() as session:
        ws = session.query(WorkspaceRow).filter_by(name="Acme").one()
        session.add(
            ServerRow(
                workspace_id=ws.id, name="mx1", ip="127.0.0.1", ssh_key_secret="k", status="adopted"
            )
        )
    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        monitoring.checks.set(owner, check.id, CheckChange(enabled=False))
    for kind, tls in ((CheckKind.SMTP, TlsMode.STARTTLS), (CheckKind.IMAPS, TlsMode.IMPLICIT)):
        monitoring.checks.add(owner, "Acme", kind, server="mx1", port=free_port(), tls=tls)
    monitoring.runner.run_round(owner)
    monitoring.runner.run_round(owner)
    return "Acme"


def monitoring_page(window: MainWindow) -> MonitoringPage:
    page = window.show_page(window.page_types.index(MonitoringPage))
    assert isinstance(page, MonitoringPage)
    return page


def cells(table: object, column: str) -> list[str]:
    model = table.model()  # type: ignore[attr-defined]
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    at = titles.index(column)
    return [str(model.index(r, at).data()) for r in range(model.rowCount())]


def select(tab: object, match: Callable[[object], bool]) -> None:
    rows = tab.list.model.rows  # type: ignore[attr-defined]
    tab.table.selectRow(next(i for i, r in enumerate(rows) if match(r)))  # type: ignore[attr-defined]


def error_boxes() -> list[str]:
    return [
        w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.text()
    ]


# --- alerts ---------------------------------------------------------------------------------------
def test_the_alerts_tab_acknowledges_and_resolves(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    page = monitoring_page(window)
    tab = page.alerts
    assert page.tabs.currentWidget() is tab and page.tabs.tabText(0) == "&Alerts (2)"
    assert sorted(cells(tab.table, "Condition")) == ["Down", "Down"]
    assert sorted(cells(tab.table, "Check")) == ["IMAPS", "SMTP"]
    assert set(cells(tab.table, "Severity")) == {"Critical"}

    select(tab, lambda a: a.check_kind is CheckKind.SMTP)
    assert tab.acknowledge_button.isEnabled() and tab.resolve_button.isEnabled()
    qtbot.mouseClick(tab.acknowledge_button, Qt.MouseButton.LeftButton)
    smtp = next(a for a in container.monitoring.alerts.all(owner) if a.check_kind == "smtp")
    assert (smtp.state, smtp.acknowledged_by) == (AlertState.ACKNOWLEDGED, owner.email)
    assert any(owner.email in text for text in cells(tab.table, "Acknowledged"))
    assert not tab.acknowledge_button.isEnabled()  # the selection stayed on it

    select(tab, lambda a: a.check_kind is CheckKind.IMAPS)
    qtbot.keyClick(tab.table, Qt.Key.Key_Delete)  # does nothing to an alert
    qtbot.keyClick(tab.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    states = {a.check_kind: a.state for a in container.monitoring.alerts.all(owner)}
    assert states == {
        CheckKind.SMTP: AlertState.ACKNOWLEDGED,
        CheckKind.IMAPS: AlertState.ACKNOWLEDGED,
    }

    qtbot.mouseClick(tab.resolve_button, Qt.MouseButton.LeftButton)
    assert cells(tab.table, "Check") == ["SMTP"]
    assert page.tabs.tabText(0) == "&Alerts (1)"
    tab.show_resolved.setChecked(True)
    assert sorted(cells(tab.table, "State")) == ["Acknowledged", "Resolved"]
    select(tab, lambda a: a.state is AlertState.RESOLVED)
    assert not tab.acknowledge_button.isEnabled() and not tab.resolve_button.isEnabled()
    assert error_boxes() == []


def test_home_leads_to_the_alerts_tab(
    qtbot: QtBot, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    home = window.current_page()
    assert isinstance(home, HomePage)
    page = monitoring_page(window)
    page.tabs.setCurrentWidget(page.checks)
    window.show_page(0)
    home.view.open_alerts.emit()
    assert window.current_page() is page and page.tabs.currentWidget() is page.alerts
    assert page.alerts.table.hasFocus() or not window.isActiveWindow()


def test_with_no_alerts_it_says_so(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    container.workspaces.create(owner, "Quiet")
    page = monitoring_page(make_window(owner))
    assert page.alerts.stack.currentWidget() is page.alerts.empty
    assert page.alerts.empty.title.text() == "No open alerts in Quiet"
    assert page.checks.empty.title.text() == "No checks in Quiet yet"
    assert page.notifiers.empty.title.text() == "No notifiers for Quiet yet"


# --- checks ---------------------------------------------------------------------------------------
def test_the_checks_tab_adds_a_check_through_its_dialog(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = monitoring_page(make_window(owner))
    page.tabs.setCurrentWidget(page.checks)
    dialog = page.checks.open_add()
    assert isinstance(dialog, CheckDialog)
    qtbot.waitExposed(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData(CheckKind.HTTPS))
    assert dialog.target.currentText() == "mx1 (server)"
    assert dialog.port.placeholderText() == "443 (the default)"
    assert dialog.thresholds[next(iter(dialog.thresholds))].warning.isVisibleTo(dialog)
    qtbot.keyClicks(dialog.port, "70000")
    qtbot.keyClick(dialog.port, Qt.Key.Key_Return)  # Enter: the default button
    assert dialog.isVisible()
    assert "between 1 and 65535" in dialog.field_error("port")
    assert dialog.port.hasFocus() or not dialog.isActiveWindow()

    dialog.port.setText("8443")
    qtbot.keyClicks(dialog.thresholds[next(iter(dialog.thresholds))].warning, "oops")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and "not a number" in dialog.field_error("down_warning")
    dialog.thresholds[next(iter(dialog.thresholds))].warning.clear()
    cert = next(row for c, row in dialog.thresholds.items() if c.value == "cert_expiry")
    qtbot.keyClicks(cert.warning, "20")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    added = next(
        c
        for c in container.monitoring.checks.all(owner, acme)
        if c.kind == "https" and not c.is_default
    )
    assert (added.port, added.target, added.is_default) == (8443, "mx1", False)
    assert added.thresholds == {"cert_expiry": (20.0, 3.0)}  # critical: the rule's
    selected = page.checks.list.selected()
    assert selected is not None and selected.id == added.id
    assert "Added the HTTPS check of mx1" in page.checks.message.text()


def test_a_domain_check_offers_domains_and_no_port(
    qtbot: QtBot, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = monitoring_page(make_window(owner))
    dialog = page.checks.open_add()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData(CheckKind.DNS))
    assert [dialog.target.itemText(i) for i in range(dialog.target.count())] == [
        "client.test (domain)"
    ]
    assert not dialog.port.isVisibleTo(dialog) and not dialog.tls.isVisibleTo(dialog)
    assert not dialog.threshold_title.isVisibleTo(dialog)  # DNS follows the probe's verdict
    dialog.reject()


def test_the_checks_tab_disables_keeps_defaults_and_shows_history(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = monitoring_page(make_window(owner))
    tab = page.checks
    page.tabs.setCurrentWidget(tab)
    assert "SMTP" in cells(tab.table, "Kind") and "Critical" in cells(tab.table, "Status")

    select(
        tab, lambda c: isinstance(c, CheckInfo) and c.kind is CheckKind.SMTP and not c.is_default
    )
    assert tab.history.list.model.rowCount() == 2
    assert "mx1" in tab.history.title.text() and "2 runs" in tab.history.summary.text()
    assert tab.remove_button.isEnabled() and tab.toggle_button.text() == "Disa&ble"
    qtbot.mouseClick(tab.toggle_button, Qt.MouseButton.LeftButton)
    smtp = next(
        c
        for c in container.monitoring.checks.all(owner, acme)
        if c.kind == "smtp" and not c.is_default
    )
    assert not smtp.enabled
    assert tab.toggle_button.text() == "Ena&ble"
    assert "Disabled" in cells(tab.table, "Status")

    select(tab, lambda c: isinstance(c, CheckInfo) and c.is_default)
    assert not tab.remove_button.isEnabled()
    assert "disable it instead" in tab.remove_button.toolTip()
    assert tab.open_remove() is None
    assert "No results in the last 24 hours" in tab.history.note.text()
    assert error_boxes() == []


def test_run_now_runs_the_workspace_and_refreshes(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = monitoring_page(make_window(owner))
    tab = page.checks
    page.tabs.setCurrentWidget(tab)
    before = len(container.monitoring.history(owner, tab.rows[-1].id))
    select(tab, lambda c: c.id == tab.rows[-1].id)
    qtbot.mouseClick(tab.run_button, Qt.MouseButton.LeftButton)
    assert tab.run_job is not None and tab.run_button.text() == "Cancel r&un"
    qtbot.waitUntil(lambda: tab.run_job is None, timeout=WAIT_MS)
    assert tab.message.text().startswith("Checked 2:")
    assert tab.history.list.model.rowCount() == before + 1
    assert tab.run_button.text() == "R&un now"


# --- notifiers ------------------------------------------------------------------------------------
def test_the_notifiers_tab_adds_tests_and_logs_a_webhook(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = monitoring_page(make_window(owner))
    tab = page.notifiers
    page.tabs.setCurrentWidget(tab)
    assert tab.stack.currentWidget() is tab.empty
    with running_webhook_receiver() as receiver:
        _add_webhook(qtbot, tab, receiver)
        assert cells(tab.table, "Name") == ["acme-hook"]
        assert cells(tab.table, "Scope") == ["Acme"]

        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        assert tab.test_job is not None
        qtbot.waitUntil(lambda: tab.test_job is None, timeout=WAIT_MS)
        assert len(receiver.state.received) == 2  # triggered, then resolved
        assert "acme-hook took the test (HTTP 200)" in tab.message.text()

    assert tab.log.stack.currentWidget() is tab.log.note
    page.tabs.setCurrentWidget(page.alerts)
    page.alerts.acknowledge()  # queued for the webhook
    page.tabs.setCurrentWidget(tab)
    assert cells(tab.log.table, "Notifier") == ["acme-hook"]
    assert cells(tab.log.table, "Event") == ["Acknowledged"]
    assert cells(tab.log.table, "Delivered") == ["Queued"]
    tab.mute_button.click()
    assert cells(tab.table, "On") == ["Muted"] and tab.mute_button.text() == "Unm&ute"
    assert [n.enabled for n in container.monitoring.notifiers.all(owner)] == [False]
    tab.mute_button.click()
    assert cells(tab.table, "On") == ["Yes"]
    assert error_boxes() == []


def _add_webhook(qtbot: QtBot, tab: object, receiver: WebhookReceiver) -> None:
    dialog = tab.open_add(NotifierKind.WEBHOOK)  # type: ignore[attr-defined]
    assert isinstance(dialog, AddNotifierDialog)
    qtbot.waitExposed(dialog)
    assert dialog.scope.currentText() == "Acme" and dialog.scope.count() == 2
    assert dialog.secret.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(dialog.name, "acme-hook")
    qtbot.keyClicks(dialog.url, "ftp://nowhere")
    qtbot.keyClicks(dialog.secret, "whsec-" + "k" * 26)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT_MS)
    assert "not an http(s) address" in dialog.field_error("url")
    dialog.url.setText(receiver.url)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)


# --- a viewer -------------------------------------------------------------------------------------
def test_a_viewer_sees_the_page_with_the_actions_off(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    viewer = make_user("viewer@agency.test", Role.MEMBER, Acme=Role.VIEWER)
    page = monitoring_page(make_window(viewer))
    assert page.alerts.list.model.rowCount() == 2
    page.tabs.setCurrentWidget(page.checks)
    assert page.checks.list.model.rowCount() > 0 and page.checks.history.isVisible()
    page.tabs.setCurrentWidget(page.notifiers)
    off = [
        page.alerts.acknowledge_button,
        page.alerts.resolve_button,
        page.checks.add_button,
        page.checks.edit_button,
        page.checks.toggle_button,
        page.checks.remove_button,
        page.notifiers.webhook_button,
        page.notifiers.pagerduty_button,
    ]
    assert [b.text() for b in off if b.isEnabled()] == []
    assert "you are viewer" in page.alerts.acknowledge_button.toolTip()
    assert page.checks.open_add() is None
    assert error_boxes() == []

    page.tabs.setCurrentWidget(page.alerts)
    assert page.alerts.acknowledge() is None  # core refuses; its words are shown
    (text,) = error_boxes()
    assert "may not acknowledge and resolve alerts" in text
