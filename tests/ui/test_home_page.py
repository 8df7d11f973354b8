"""The Home page in the window, over a real workspace: it opens first, acknowledging an alert
from it records who, a tile leads to its page, and the console's monitor process runs a round
and reports it to the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.monitoring import AlertState, CheckChange, CheckKind, TlsMode
from penguin_desktop.core.monitoring.models import Status
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.servers import ServerRow
from penguin_desktop.ui.domains.page import DomainsPage
from penguin_desktop.ui.monitoring.background import BackgroundMonitor, report_words
from penguin_desktop.ui.monitoring.home_page import HomePage
from penguin_desktop.ui.monitoring.tiles import StatusTile
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, fresh_sqlite
from tests.servers.common import free_port

WindowFactory = Callable[..., MainWindow]


def _down_alert(container: Container, owner: Actor) -> None:
    """Workspace Acme with a domain, its DNS pointed at nothing, and a check of a closed port
    on a lab server address run twice: one open "down" alert."""
    container.workspaces.create(owner, "Acme")
    container.domains.add(owner, "Acme", "client.test", ips=["127.0.0.1"], lab=True)
    with container.db.write() as session:  # a server row as adoption leaves it, without SSH
        ws = session.query(WorkspaceRow).filter_by(name="Acme").one()
        session.add(ServerRow(workspace_id=ws.id, name="mx1", ip="127.0.0.1", ssh_key_secret="k"))
    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        monitoring.checks.set(owner, check.id, CheckChange(enabled=False))
    monitoring.checks.add(
        owner, "Acme", CheckKind.SMTP, server="mx1", port=free_port(), tls=TlsMode.STARTTLS
    )
    monitoring.runner.run_round(owner)
    monitoring.runner.run_round(owner)


def test_home_opens_first_and_acknowledges_an_alert(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    make_window: WindowFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", f"127.0.0.1:{free_port()}")
    _down_alert(container, owner)
    window = make_window(owner)
    page = window.current_page()
    assert isinstance(page, HomePage)
    page.refresh()
    tiles = {t.tile.target: t for t in page.findChildren(StatusTile)}
    assert tiles["mx1"].tile.status is Status.CRITICAL
    buttons = page.findChildren(QPushButton)
    (button,) = [b for b in buttons if b.text() == "Acknowledge" and b.isVisibleTo(page)]
    button.click()

    (alert,) = container.monitoring.alerts.all(owner)
    assert (alert.state, alert.acknowledged_by) == (AlertState.ACKNOWLEDGED, owner.email)
    tiles = {t.tile.target: t for t in page.findChildren(StatusTile) if t.isVisibleTo(page)}
    tiles["client.test"].chosen.emit(tiles["client.test"].tile)
    domains = window.current_page()
    assert isinstance(domains, DomainsPage)
    chosen = domains.selected()
    assert chosen is not None and chosen.name == "client.test"
    assert window.nav.item(0).text() == "Home"  # no monitor attached: no count


def test_the_monitor_process_runs_a_round_and_the_window_shows_it(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    make_window: WindowFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", f"127.0.0.1:{free_port()}")
    container.workspaces.create(owner, "Acme")
    container.domains.add(owner, "Acme", "client.test", ips=["127.0.0.1"], lab=True)
    window = make_window(owner)
    monitor = BackgroundMonitor(window.state)
    window.attach_monitor(monitor)
    monitor.start()
    try:
        with qtbot.waitSignal(monitor.round_done, timeout=60_000) as round_done:
            pass
    finally:
        monitor.stop()
    report = round_done.args[0]
    assert report.checks == 2  # the domain's dns and blacklist defaults
    assert window.flash_text == report_words(report)
    assert not monitor.running


# The monitor is a child interpreter: it reads the secrets file at the production cost, so the
# fast tier's cheap key stretching (tests/conftest.py) would be refused there. The full run has it.
@pytest.mark.needs_server
def test_the_window_hands_its_open_secrets_file_to_the_monitor(
    qtbot: QtBot, tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The monitor's child cannot ask for the master password; once the window has the file
    open it hands the unlock over, and the child opens the file as the signed-in user. Both
    steps are in the audit trail, the password in neither."""
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", f"127.0.0.1:{free_port()}")
    url = fresh_sqlite(sqlite_template, tmp_path / "w.db")
    c = Container(Settings(data_dir=tmp_path, db_url=url), lambda _c: MASTER_PASSWORD)
    try:
        owner = c.auth.initialize("Agency", OWNER_EMAIL, OWNER_PASSWORD, Face.GUI)
        c.workspaces.create(owner, "Acme")  # something to monitor: the child stays up
        c.secrets.open_file(owner)  # what the window's unlock does: the file is made and open
        window = MainWindow(AppState(c, owner), idle_timeout_ms=600_000)
        qtbot.addWidget(window)
        monitor = BackgroundMonitor(window.state)
        monitor.start()

        def actions() -> list[str]:
            return [e.action for e in c.audit.page(owner, AuditFilter())]

        try:
            qtbot.waitUntil(lambda: "secret.file.unlock" in actions(), timeout=60_000)
        finally:
            monitor.stop()
        trail = actions()[::-1]  # oldest first
        assert trail.index("secret.file.hand-over") < trail.index("secret.file.unlock")
        dump = (tmp_path / "w.db").read_bytes()
        assert MASTER_PASSWORD.encode() not in dump
    finally:
        c.close()
