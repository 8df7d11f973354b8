"""First run creates the owner; the login dialog signs in or shows core's refusal. An error
about one input is shown under that input, in the order the form reads."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.accounts.auth import MAX_FAILURES
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.ui.accounts.first_run import FirstRunDialog
from penguin_desktop.ui.accounts.login import LoginDialog

from .conftest import OWNER, PASSWORD


def _first_run(qtbot: QtBot, container: Container) -> FirstRunDialog:
    dialog = FirstRunDialog(container)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.org_name, "Northwind Outreach")
    qtbot.keyClicks(dialog.email, "boss@northwind.test")
    return dialog


def test_first_run_creates_the_owner(qtbot: QtBot, container: Container) -> None:
    dialog = _first_run(qtbot, container)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.confirm, PASSWORD)
    assert "meets the policy" in dialog.policy.text()

    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.org_role is Role.OWNER
    organization = container.auth.organization()
    assert organization is not None and organization.name == "Northwind Outreach"


def test_first_run_shows_the_password_policy_inline(qtbot: QtBot, container: Container) -> None:
    dialog = _first_run(qtbot, container)
    qtbot.keyClicks(dialog.password, "short")
    assert "too short" in dialog.policy.text()

    qtbot.keyClicks(dialog.confirm, "short")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert "too short" in dialog.field_error("password")  # under the field, not repeated below
    assert "too short" not in dialog.message.text()
    assert container.auth.organization() is None


def test_first_run_refuses_differing_passwords(qtbot: QtBot, container: Container) -> None:
    dialog = _first_run(qtbot, container)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.confirm, PASSWORD + "!")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert "differ" in dialog.field_error("confirm")
    assert dialog.focusWidget() is dialog.confirm
    assert container.auth.organization() is None


def test_first_run_with_every_field_empty_asks_for_the_agency_name_first(
    qtbot: QtBot, container: Container
) -> None:
    dialog = FirstRunDialog(container)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.field_error("org") == "The agency name is required"
    assert not dialog.message.isVisible()
    assert dialog.focusWidget() is dialog.org_name
    # Right under the agency name, before the next field.
    name_row, _ = dialog.form.getWidgetPosition(dialog.org_name)
    under = dialog.form.itemAt(name_row + 1, QFormLayout.ItemRole.FieldRole)
    assert under is not None and under.widget().text() == "The agency name is required"
    assert not dialog.field_error("password")

    qtbot.keyClicks(dialog.org_name, "Northwind Outreach")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.field_error("org")
    assert dialog.field_error("email") == "An email address is required"
    assert container.auth.organization() is None


def _login(qtbot: QtBot, container: Container, password: str) -> LoginDialog:
    dialog = LoginDialog(container, "Test Agency")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.email, OWNER)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    return dialog


def test_login_signs_in_with_the_right_password(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    dialog = _login(qtbot, container, PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.email == OWNER


def test_login_refuses_a_wrong_password_with_the_core_message(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    dialog = _login(qtbot, container, "not the password at all")

    assert dialog.isVisible() and dialog.actor is None
    assert dialog.message.isVisible()
    assert dialog.message.text() == "Authentication failed: wrong email or password"
    assert dialog.password.text() == ""


def test_login_shows_the_lockout(qtbot: QtBot, container: Container, owner: Actor) -> None:
    dialog = _login(qtbot, container, "wrong password 0")
    for attempt in range(1, MAX_FAILURES + 1):
        qtbot.keyClicks(dialog.password, f"wrong password {attempt}")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    assert dialog.message.text().startswith("Account locked")
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is None and "locked" in dialog.message.text()


def test_holding_enter_on_an_empty_password_locks_nobody_out(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    dialog = LoginDialog(container, "Test Agency", OWNER)
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(20):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    assert dialog.isVisible() and dialog.actor is None
    assert dialog.field_error("password") == "Type your password"
    assert not any(not a.success for a in container.users.login_activity(owner))
    assert container.auth.login(OWNER, PASSWORD, Face.CLI).email == OWNER


def _lock_out(qtbot: QtBot, dialog: LoginDialog) -> None:
    for attempt in range(MAX_FAILURES):
        qtbot.keyClicks(dialog.password, f"wrong password {attempt}")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_the_lockout_says_who_can_unlock_it_in_the_console_words(
    qtbot: QtBot, container: Container, owner: Actor, make_user: Callable[..., Actor]
) -> None:
    make_user("max@agency.test", Role.MEMBER)
    dialog = LoginDialog(container, "Test Agency", "max@agency.test")
    qtbot.addWidget(dialog)
    dialog.show()
    _lock_out(qtbot, dialog)

    text = dialog.message.text()
    assert text.startswith("Account locked") and "try again in" in text
    assert "an owner or admin can unlock it in Settings, Users" in text
    assert "penguin" not in text


def test_the_only_owner_locked_out_is_told_when_it_ends(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    dialog = LoginDialog(container, "Test Agency", OWNER)
    qtbot.addWidget(dialog)
    dialog.show()
    _lock_out(qtbot, dialog)

    text = dialog.message.text()
    assert "try again in" in text and "No other owner or admin" in text
    assert "Settings" not in text and "penguin" not in text
