"""The About dialog: version, Qt, Python, data folder, database and schema revision, reached
from the Settings page and with F1; a PostgreSQL database is named without its password."""

from __future__ import annotations

import platform
from collections.abc import Callable

import PySide6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine

from penguin_desktop import __version__
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.schema import SCHEMA_HEAD
from penguin_desktop.ui.accounts.settings_page import SettingsPage
from penguin_desktop.ui.shell.about import AboutDialog
from penguin_desktop.ui.shell.main_window import MainWindow


def test_the_dialog_says_which_program_over_which_data(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    dialog = AboutDialog(container)
    qtbot.addWidget(dialog)
    dialog.resize(dialog.sizeHint())
    dialog.show()
    qtbot.waitExposed(dialog)
    shown = {label: value.text() for label, value in dialog.values.items()}
    assert shown["Version"] == __version__
    assert PySide6.__version__ in shown["Qt"]
    assert platform.python_version() in shown["Python"]
    assert shown["Data folder"] == str(container.settings.data_dir)
    assert shown["Database"].startswith("SQLite file ") and shown["Database"].endswith(".db")
    assert shown["Schema revision"] == SCHEMA_HEAD
    for value in dialog.values.values():
        assert value.width() >= value.minimumSizeHint().width()
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_a_postgresql_database_is_named_without_its_password() -> None:
    url = "postgresql+psycopg://penguin:hunter2@db.example:6543/agency"
    text = Database(create_engine(url)).where()  # no connection is made
    assert text == "PostgreSQL penguin@db.example:6543, database agency"
    assert "hunter2" not in text


def test_settings_and_f1_open_it(
    qtbot: QtBot, make_window: Callable[..., MainWindow], owner: Actor
) -> None:
    window = make_window(owner)
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    page.about_button.click()
    opened = [d for d in page.findChildren(AboutDialog) if d.isVisible()]
    assert len(opened) == 1
    opened[0].accept()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    assert [d for d in window.findChildren(AboutDialog) if d.isVisible()]
