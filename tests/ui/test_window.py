"""The main window: navigation, shortcuts, who is signed in, and the idle lock."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.accounts.auth import MAX_FAILURES
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.ui.accounts.settings_page import SettingsPage
from penguin_desktop.ui.accounts.workspaces_page import WorkspacesPage
from penguin_desktop.ui.billing.page import BillingPage
from penguin_desktop.ui.campaigns.campaigns_page import CampaignsPage
from penguin_desktop.ui.campaigns.leads_page import LeadsPage
from penguin_desktop.ui.monitoring.monitoring_page import MonitoringPage
from penguin_desktop.ui.secrets.page import SecretsPage
from penguin_desktop.ui.shell.main_window import PAGES, MainWindow

from .conftest import OWNER, PASSWORD

WindowFactory = Callable[..., MainWindow]


def test_sidebar_lists_every_page_with_ctrl_number_shortcuts(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles == [p.title for p in PAGES]
    assert titles == [
        "Home",
        "Monitoring",
        "Billing",
        "Workspaces",
        "Members",
        "Domains",
        "Servers",
        "Mailboxes",
        "Leads",
        "Campaigns",
        "Audit log",
        "Secrets",
        "Settings",
    ]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    leads_key = Qt.Key(Qt.Key.Key_1.value + PAGES.index(LeadsPage))
    qtbot.keyClick(window, leads_key, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.current_page(), LeadsPage)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.current_page(), MonitoringPage)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.current_page(), BillingPage)
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.current_page(), CampaignsPage)  # the tenth page
    assert window.nav.item(9).toolTip() == "Campaigns (Ctrl+0)"
    assert window.nav.item(10).toolTip() == "Audit log"  # past ten: the sidebar only
    window.nav.setCurrentRow(11)
    assert isinstance(window.current_page(), SecretsPage)
    window.nav.setCurrentRow(12)
    assert isinstance(window.current_page(), SettingsPage)


def test_the_acting_user_is_shown(owner: Actor, make_window: WindowFactory) -> None:
    window = make_window(owner)
    assert OWNER in window.user_label.text() and "Owner" in window.user_label.text()


def test_idle_lock_hides_content_and_unlocks_with_the_right_password(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner, idle_timeout_ms=50)
    qtbot.waitUntil(lambda: window.locked, timeout=5_000)
    assert not window.content.isVisible() and window.lock_screen.isVisible()
    assert not window.statusBar().isVisible()
    assert OWNER in window.lock_screen.detail.text()

    screen = window.lock_screen
    qtbot.keyClicks(screen.password, "not my password")
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    checked(qtbot, window)
    assert window.locked
    assert screen.message.text() == "Authentication failed: wrong email or password"

    window.idle.set_timeout(600_000)
    qtbot.keyClicks(screen.password, PASSWORD)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    checked(qtbot, window)
    assert not window.locked and window.content.isVisible()
    assert window.idle.active


def checked(qtbot: QtBot, window: MainWindow) -> None:
    """Wait for the lock screen's password check (it runs off the UI thread)."""
    qtbot.waitUntil(lambda: window.lock_screen.check is None, timeout=10_000)


def test_holding_enter_on_the_lock_screen_locks_nobody_out(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    window.lock()
    screen = window.lock_screen
    for _ in range(20):
        qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    checked(qtbot, window)

    assert window.locked and screen.message.text() == "Type your password"
    assert not any(not a.success for a in container.users.login_activity(owner))
    qtbot.keyClicks(screen.password, PASSWORD)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    checked(qtbot, window)
    assert not window.locked


def test_enter_while_a_password_is_checked_sends_nothing_more(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    window.lock()
    screen = window.lock_screen
    qtbot.keyClicks(screen.password, "not my password")
    job = screen.try_unlock()
    assert job is not None and not screen.password.isEnabled()
    for _ in range(20):
        assert screen.try_unlock() is None
        qtbot.keyClick(screen.password, Qt.Key.Key_Return)
    checked(qtbot, window)

    failures = [a for a in container.users.login_activity(owner) if not a.success]
    assert [a.reason for a in failures] == ["wrong password"]
    assert screen.password.isEnabled() and screen.password.text() == ""


def test_locked_out_on_the_lock_screen_says_what_to_do(
    qtbot: QtBot, owner: Actor, make_user: Callable[..., Actor], make_window: WindowFactory
) -> None:
    make_user("admin@agency.test", Role.ADMIN)
    window = make_window(owner)
    window.lock()
    screen = window.lock_screen
    for attempt in range(MAX_FAILURES):
        qtbot.keyClicks(screen.password, f"wrong {attempt}")
        qtbot.keyClick(screen.password, Qt.Key.Key_Return)
        checked(qtbot, window)

    text = screen.message.text()
    assert text.startswith("Account locked") and "try again in" in text
    assert "an owner or admin can unlock it in Settings, Users" in text


def test_locking_closes_open_dialogs(
    qtbot: QtBot, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    dialog = window.pages[window.page_types.index(WorkspacesPage)].open_new()  # type: ignore[attr-defined]
    assert dialog.isVisible()
    window.lock()
    assert not dialog.isVisible() and window.locked


def test_idle_timeout_setting_changes_the_actor_and_the_timer(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    from penguin_desktop.ui.shell.state import AppState

    window = MainWindow(AppState(container, owner))
    qtbot.addWidget(window)
    assert window.idle.timeout_ms == 30 * 60_000
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    page.account.idle_minutes.setValue(5)
    qtbot.mouseClick(page.account.idle_button, Qt.MouseButton.LeftButton)
    assert window.state.actor.idle_timeout_minutes == 5
    assert window.idle.timeout_ms == 5 * 60_000
    assert container.users.me(window.state.actor).idle_timeout_minutes == 5


def test_settings_and_users_show_the_idle_lock_core_has(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    """Changed elsewhere (the CLI) after sign-in: both places, and the timer, take core's value."""
    from penguin_desktop.ui.shell.state import AppState

    container.users.set_idle_timeout(owner, 15)
    window = MainWindow(AppState(container, owner))  # signed in while it was still 30
    qtbot.addWidget(window)
    window.show()
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)

    assert page.account.idle_minutes.value() == 15
    row = [u.email for u in page.users.rows].index(OWNER)
    assert page.users.index(row, 3).data() == "15 min"
    assert window.state.actor.idle_timeout_minutes == 15
    assert window.idle.timeout_ms == 15 * 60_000


def test_settings_lists_users_and_unlocks_a_locked_one(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    from penguin_desktop.core.platform.errors import AuthenticationError
    from penguin_desktop.core.platform.models import Face

    make_user("max@agency.test", Role.MEMBER)
    for attempt in range(6):
        with contextlib.suppress(AuthenticationError):
            container.auth.login("max@agency.test", f"wrong {attempt}", Face.CLI)
    window = make_window(owner)
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    assert page.users_card.isVisible()
    emails = [u.email for u in page.users.rows]
    row = emails.index("max@agency.test")
    assert page.users.rows[row].locked_until is not None
    page.users_table.selectRow(row)
    assert page.unlock_button.isEnabled()
    qtbot.mouseClick(page.unlock_button, Qt.MouseButton.LeftButton)
    assert all(u.locked_until is None for u in page.users.rows)
    reasons = {a.reason for a in page.activity.rows}
    assert {"wrong password", "account locked"} & reasons


def test_member_sees_only_their_account_and_own_activity(
    make_user: Callable[..., Actor], make_window: WindowFactory
) -> None:
    member = make_user("max@agency.test", Role.MEMBER)
    window = make_window(member)
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    assert not page.users_card.isVisible()
    assert {a.email for a in page.activity.rows} == {"max@agency.test"}


def test_change_password_and_email_from_settings(
    qtbot: QtBot, container: Container, owner: Actor, make_window: WindowFactory
) -> None:
    window = make_window(owner)
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    account = page.account
    qtbot.keyClicks(account.current_password, "wrong current password")
    qtbot.keyClicks(account.new_password, "a brand new passphrase")
    qtbot.keyClicks(account.confirm_password, "a brand new passphrase")
    qtbot.mouseClick(account.password_button, Qt.MouseButton.LeftButton)
    assert account.password_message.text() == "Current password is wrong; nothing was changed"

    account.current_password.setText(PASSWORD)
    qtbot.mouseClick(account.password_button, Qt.MouseButton.LeftButton)
    assert account.password_message.kind == "success"

    qtbot.keyClicks(account.email_password, "a brand new passphrase")
    qtbot.keyClicks(account.new_email, "chief@agency.test")
    qtbot.mouseClick(account.email_button, Qt.MouseButton.LeftButton)
    assert account.email_message.kind == "success"
    assert window.state.actor.email == "chief@agency.test"
    assert "chief@agency.test" in window.user_label.text()
    # The lock screen now checks the new identity.
    window.lock()
    qtbot.keyClicks(window.lock_screen.password, "a brand new passphrase")
    assert window.lock_screen.try_unlock() is not None
    checked(qtbot, window)
    assert not window.locked
