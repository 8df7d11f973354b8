"""The Mailboxes page against a real Container, a real sshd (to adopt the server) and the
loopback MailU admin API: the empty state, creating a mailbox (password only in the secret
store, never on screen), the settings pane with its copy buttons, disable/enable, a new
password, a quota, aliases, removal, MailU's errors in the dialog, a viewer's disabled controls
and the keyboard. No sleeps: every wait is on a condition or a signal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.ui.mailboxes.forms import (
    DEFAULT_QUOTA,
    AddAliasDialog,
    NewMailboxDialog,
    PasswordDialog,
    QuotaDialog,
    RemoveAliasDialog,
    RemoveMailboxDialog,
)
from penguin_desktop.ui.mailboxes.limits import LimitsDialog
from penguin_desktop.ui.mailboxes.outside import ConnectOutsideDialog
from penguin_desktop.ui.mailboxes.page import MailboxesPage
from penguin_desktop.ui.shell.main_window import MainWindow
from tests.conftest import fresh_sqlite
from tests.servers.common import free_port
from tests.servers.mailu import MailuServer, running_mailu
from tests.servers.sshd import SshdServer

WindowFactory = Callable[..., MainWindow]
MASTER = "a master password for the tests"
WAIT_MS = 30_000
OUTSIDE_PASSWORD = "Outside-app-password-77"


@pytest.fixture
def container(qapp: QApplication, tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """Mailbox passwords and the MailU token need a secret store: the encrypted file with a
    fixed master password."""
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}), lambda _new: MASTER)
    yield built
    built.close()


@pytest.fixture
def mailu() -> Iterator[MailuServer]:
    with running_mailu() as server:
        with MailuClient(server.base_url, server.state.token) as api:
            api.create_domain("client.test")
        yield server


@pytest.fixture
def acme(container: Container, owner: Actor, sshd: SshdServer, mailu: MailuServer) -> str:
    """Acme with mx1, an adopted server whose MailU admin API is the loopback one."""
    container.workspaces.create(owner, "Acme")
    container.servers.adopt(
        owner, "Acme", "mx1", sshd.host, sshd.port, sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        mailu_url=mailu.base_url, mailu_token=mailu.state.token,
    )  # fmt: skip
    return "Acme"


def mailboxes_page(window: MainWindow) -> MailboxesPage:
    page = window.show_page(window.page_types.index(MailboxesPage))
    assert isinstance(page, MailboxesPage)
    return page


def table_text(page: MailboxesPage, column: int) -> list[str]:
    model = page.model
    return [str(model.index(r, column).data()) for r in range(model.rowCount())]


def wait_idle(qtbot: QtBot, page: MailboxesPage) -> None:
    qtbot.waitUntil(lambda: page.action_job is None and page.aliases_job is None, timeout=WAIT_MS)


def submit(qtbot: QtBot, page: MailboxesPage, dialog: object) -> None:
    dialog.ok_button.click()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)  # type: ignore[attr-defined]
    wait_idle(qtbot, page)


def on_screen(window: MainWindow) -> str:
    """Every text the person can see: labels, line edits, the table, the inline messages."""
    texts = [w.text() for w in window.findChildren(QLabel)]
    texts += [w.text() for w in window.findChildren(QLineEdit)]
    for widget in QApplication.topLevelWidgets():
        texts += [w.text() for w in widget.findChildren(QLabel)]
        texts += [w.text() for w in widget.findChildren(QLineEdit)]
    return "\n".join(texts)


def create(qtbot: QtBot, page: MailboxesPage, email: str, quota: int = 0) -> NewMailboxDialog:
    page.new_button.click()
    dialog = page.dialog
    assert isinstance(dialog, NewMailboxDialog)
    dialog.email.setText(email)
    dialog.quota.setValue(quota)
    submit(qtbot, page, dialog)
    return dialog


def test_create_a_mailbox_and_read_its_settings(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    mailu: MailuServer,
    make_window: WindowFactory,
) -> None:
    window = make_window(owner)
    page = mailboxes_page(window)
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "No mailboxes in Acme yet"
    assert page.empty.button.isVisible() and page.empty.button.text() == "New mailbox"

    page.empty.button.click()
    dialog = page.dialog
    assert isinstance(dialog, NewMailboxDialog)
    assert [dialog.server.itemData(i) for i in range(dialog.server.count())] == ["mx1"]
    assert dialog.quota.text() == DEFAULT_QUOTA
    dialog.email.setText("Ann@Client.test")
    assert "mailbox/ann@client.test" in dialog.secret_note.text()
    dialog.quota.setValue(2048)
    submit(qtbot, page, dialog)

    password = container.secrets.reveal(owner, "Acme", "mailbox/ann@client.test", "test")
    assert mailu.state.passwords["ann@client.test"] == password
    assert mailu.state.users["ann@client.test"]["quota_bytes"] == 2048 * 1024 * 1024
    assert page.stack.currentWidget() is page.splitter
    assert table_text(page, 0) == ["ann@client.test"]
    assert table_text(page, 1) == ["mx1"] and table_text(page, 2) == ["Acme"]
    assert table_text(page, 3) == ["2 GB"] and table_text(page, 4) == ["Enabled"]
    assert "went straight into the secret store" in page.message.text()
    assert password not in on_screen(window)

    detail = page.detail
    assert detail.headline.text() == "ann@client.test"
    assert detail.username.value.text() == "ann@client.test"
    assert detail.smtps.value.text() == "127.0.0.1:465"
    assert detail.submission.value.text() == "127.0.0.1:587"
    assert detail.imap.value.text() == "127.0.0.1:993"
    assert "mailbox/ann@client.test" in detail.password.value.text()
    assert not detail.password.button.isEnabled()
    detail.imap.button.click()
    assert QApplication.clipboard().text() == "127.0.0.1"
    detail.username.button.click()
    assert QApplication.clipboard().text() == "ann@client.test"
    detail.copy_all.click()
    copied = QApplication.clipboard().text()
    assert "SMTP server: 127.0.0.1, port 465, SSL/TLS" in copied
    assert "SMTP server: 127.0.0.1, port 587, STARTTLS" in copied
    assert "IMAP server: 127.0.0.1, port 993, SSL/TLS" in copied
    assert password not in copied
    wait_idle(qtbot, page)
    assert detail.alias_note.text() == "No alias forwards to ann@client.test yet."


def test_disable_enable_password_quota_and_remove(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    mailu: MailuServer,
    make_window: WindowFactory,
) -> None:
    container.mailboxes.create(owner, "ann@client.test", "mx1", quota_mb=500)
    window = make_window(owner)
    page = mailboxes_page(window)
    wait_idle(qtbot, page)
    assert page.toggle_button.text() == "Disable" and page.toggle_button.isEnabled()

    with qtbot.waitSignal(page.state.runner.ended, timeout=WAIT_MS):
        page.toggle_button.click()
    wait_idle(qtbot, page)
    assert mailu.state.users["ann@client.test"]["enabled"] is False
    assert table_text(page, 4) == ["Disabled"] and page.toggle_button.text() == "Enable"
    assert "disabled" in page.detail.state_line.text()
    with qtbot.waitSignal(page.state.runner.ended, timeout=WAIT_MS):
        page.toggle_button.click()
    wait_idle(qtbot, page)
    assert mailu.state.users["ann@client.test"]["enabled"] is True
    assert table_text(page, 4) == ["Enabled"] and page.message.text() == "Enabled ann@client.test"

    old = mailu.state.passwords["ann@client.test"]
    page.password_button.click()
    dialog = page.dialog
    assert isinstance(dialog, PasswordDialog)
    assert "mailbox/ann@client.test" in dialog.intro.text()
    submit(qtbot, page, dialog)
    new = container.secrets.reveal(owner, "Acme", "mailbox/ann@client.test", "test")
    assert new != old and mailu.state.passwords["ann@client.test"] == new
    assert "has a new password" in page.message.text() and new not in on_screen(window)

    page.quota_button.click()
    quota = page.dialog
    assert isinstance(quota, QuotaDialog) and quota.quota.value() == 500
    quota.quota.setValue(4096)
    submit(qtbot, page, quota)
    assert mailu.state.users["ann@client.test"]["quota_bytes"] == 4096 * 1024 * 1024
    assert table_text(page, 3) == ["4 GB"]
    assert page.selected() is not None

    page.remove_button.click()
    remove = page.dialog
    assert isinstance(remove, RemoveMailboxDialog)
    assert "cannot be undone" in remove.intro.text()
    submit(qtbot, page, remove)
    assert mailu.state.users == {} and page.stack.currentWidget() is page.empty
    assert page.message.text() == "Removed ann@client.test"


def test_aliases_pointing_at_a_mailbox(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    mailu: MailuServer,
    make_window: WindowFactory,
) -> None:
    container.mailboxes.create(owner, "ann@client.test", "mx1")
    container.mailboxes.create(owner, "bob@client.test", "mx1")
    container.mailboxes.add_alias(owner, "info@client.test", ["bob@client.test"], "mx1")
    page = mailboxes_page(make_window(owner))
    wait_idle(qtbot, page)
    assert page.selected() is not None and page.selected().email == "ann@client.test"  # type: ignore[union-attr]
    assert page.detail.alias_model.rowCount() == 0

    page.alias_button.click()
    dialog = page.dialog
    assert isinstance(dialog, AddAliasDialog)
    assert dialog.destinations.text() == "ann@client.test"
    dialog.alias.setText("sales@client.test")
    dialog.destinations.setText("ann@client.test, boss@outside.test")
    submit(qtbot, page, dialog)
    assert mailu.state.aliases["sales@client.test"]["destination"] == [
        "ann@client.test",
        "boss@outside.test",
    ]
    assert page.message.text().startswith("Added alias sales@client.test")
    aliases = page.detail.alias_model

    def alias_rows() -> list[tuple[str, str]]:
        return [
            (str(aliases.index(r, 0).data()), str(aliases.index(r, 1).data()))
            for r in range(aliases.rowCount())
        ]

    assert alias_rows() == [("sales@client.test", "boss@outside.test")]

    # The same alias again: MailU's 409 stays in the dialog, in plain words.
    page.alias_button.click()
    again = page.dialog
    assert isinstance(again, AddAliasDialog)
    again.alias.setText("sales@client.test")
    again.ok_button.click()
    qtbot.waitUntil(lambda: again.job is None, timeout=WAIT_MS)
    assert again.isVisible()
    assert "Sales@client.test already exists on mx1" in again.message.text()
    again.reject()

    page._select("Acme", "bob@client.test")
    assert alias_rows() == [("info@client.test", "—")]
    page._select("Acme", "ann@client.test")
    assert page.detail.remove_alias_button.isEnabled()
    page.detail.remove_alias_button.click()
    remove = page.dialog
    assert isinstance(remove, RemoveAliasDialog)
    submit(qtbot, page, remove)
    assert set(mailu.state.aliases) == {"info@client.test"}
    assert alias_rows() == []


def test_mailu_errors_stay_in_the_dialog(
    qtbot: QtBot, owner: Actor, acme: str, mailu: MailuServer, make_window: WindowFactory
) -> None:
    page = mailboxes_page(make_window(owner))
    page.new_button.click()
    dialog = page.dialog
    assert isinstance(dialog, NewMailboxDialog)
    dialog.email.setText("bob@nope.test")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.job is None, timeout=WAIT_MS)
    assert dialog.isVisible() and "MailU: Domain nope.test does not exist" in (
        dialog.message.text()
    )
    dialog.email.setText("not an address")
    dialog.ok_button.click()  # checked on the spot, before anything is sent to MailU
    assert dialog.job is None and "Bad mailbox address" in dialog.message.text()
    assert mailu.state.users == {}
    dialog.reject()


def test_a_viewer_reads_but_changes_nothing(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    make_window: WindowFactory,
    make_user: Callable[..., Actor],
) -> None:
    container.mailboxes.create(owner, "ann@client.test", "mx1")
    viewer = make_user("viewer@agency.test", Acme=Role.VIEWER)
    page = mailboxes_page(make_window(viewer))
    wait_idle(qtbot, page)
    assert table_text(page, 0) == ["ann@client.test"]
    assert page.detail.smtps.value.text() == "127.0.0.1:465"
    assert not page.new_button.isEnabled()
    for button in page.row_buttons:
        assert not button.isEnabled()
        assert "you are viewer" in button.toolTip()
    assert "your role (viewer) may not use" in page.detail.alias_note.text()
    assert page.aliases_job is None and page.aliases is None


def test_keyboard(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    make_window: WindowFactory,
) -> None:
    container.mailboxes.create(owner, "ann@client.test", "mx1")
    container.mailboxes.create(owner, "bob@client.test", "mx1")
    window = make_window(owner)
    page = mailboxes_page(window)
    wait_idle(qtbot, page)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    assert page.selected() is not None and page.selected().email == "bob@client.test"  # type: ignore[union-attr]
    assert page.detail.headline.text() == "bob@client.test"
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(page.dialog, NewMailboxDialog) and page.dialog.isVisible()
    assert page.dialog.focusWidget() is page.dialog.email  # type straight away
    page.dialog.reject()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    assert isinstance(page.dialog, RemoveMailboxDialog) and page.dialog.isVisible()
    assert "bob@client.test" in page.dialog.windowTitle()
    page.dialog.reject()
    window.focus_filter()
    assert page.filter.hasFocus()
    qtbot.keyClicks(page.filter, "ann")
    assert table_text(page, 0) == ["ann@client.test"]
    assert page.count.text() == "2 mailboxes"


def test_connect_an_outside_mailbox_and_set_its_limits(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    container.workspaces.create(owner, "Acme")
    window = make_window(owner)
    window.resize(1280, 800)
    page = mailboxes_page(window)
    assert not page.outside.isVisible() and page.connect_button.isEnabled()
    page.connect_button.click()
    dialog = page.dialog
    assert isinstance(dialog, ConnectOutsideDialog)
    qtbot.waitExposed(dialog)
    assert dialog.height() <= 800 and dialog.width() <= 1280
    assert dialog.password.echoMode() == QLineEdit.EchoMode.Password
    dialog.email.setText("Bob@Outside.test")
    dialog.smtp_host.setText("127.0.0.1")
    dialog.smtp_port.setText("0")
    dialog.password.setText(OUTSIDE_PASSWORD)
    dialog.ok_button.click()  # checked on the spot: nothing is kept
    assert dialog.job is None and "from 1 to 65535" in dialog.field_error("smtp_port")
    dialog.smtp_port.setText(str(free_port()))  # nobody listens there
    dialog.test_button.click()
    qtbot.waitUntil(lambda: dialog.test_job is None, timeout=WAIT_MS)
    assert "connection refused" in dialog.message.text()
    dialog.smtp_port.setText("587")
    submit(qtbot, page, dialog)

    assert page.outside.isVisible()
    assert [m.email for m in page.outside.model.rows] == ["bob@outside.test"]
    assert page.stack.currentWidget() is page.splitter and page.model.rows == []  # no MailU one
    assert OUTSIDE_PASSWORD not in on_screen(window)
    secret = container.secrets.reveal(owner, "Acme", "mailbox/bob@outside.test", "test")
    assert secret == OUTSIDE_PASSWORD

    page.outside.limits_button.click()
    limits = page.dialog
    assert isinstance(limits, LimitsDialog)
    limits.daily_limit.setValue(80)
    limits.paused.setChecked(True)
    limits.ok_button.click()
    assert limits.job is None and limits.field_error("reason")
    limits.reason.setText("bounces")
    submit(qtbot, page, limits)
    [box] = page.outside.model.rows
    assert (box.limits.daily_limit, box.limits.pause_reason) == (80, "bounces")
    assert "1 · 1 paused" in page.outside.count.text()
