"""First run creates the owner; the login dialog signs in or shows core's refusal."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.accounts.auth import MAX_FAILURES
from penguin_desktop.core.platform.models import Actor, Role
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
    assert "too short" in dialog.message.text()
    assert container.auth.organization() is None


def test_first_run_refuses_differing_passwords(qtbot: QtBot, container: Container) -> None:
    dialog = _first_run(qtbot, container)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClicks(dialog.confirm, PASSWORD + "!")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible()
    assert "differ" in dialog.message.text()
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
