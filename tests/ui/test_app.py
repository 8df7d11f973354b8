"""Start-up: resources, arguments, sign-in from the environment, single instance, a database
that cannot be opened, and the layering rule that the GUI never reaches into the store."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

import penguin_desktop.ui as ui_package
from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import DatabaseError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.shell import app, resources, single_instance
from penguin_desktop.ui.shell.errors import describe, show_error

from .conftest import OWNER, PASSWORD


def test_resources_are_found_and_the_theme_points_at_real_icons() -> None:
    folder = resources.resources_dir()
    assert (folder / "icons" / "app.svg").is_file()
    qss = resources.stylesheet()
    assert "@ICONS@" not in qss
    for url in re.findall(r"url\(([^)]+)\)", qss):
        assert Path(url).is_file(), url
    assert not resources.icon("audit").isNull() and not resources.app_icon().isNull()


def test_desktop_entry_and_icon_ship_for_linux() -> None:
    root = Path(ui_package.__file__).resolve().parents[2]
    entry = (root / "installers" / "linux" / "penguin-desktop.desktop").read_text()
    assert "Exec=penguin-desktop" in entry and "Icon=penguin-desktop" in entry
    assert (root / "installers" / "linux" / "penguin-desktop.svg").is_file()


def test_command_line_options_are_parsed_and_qt_options_passed_on(tmp_path: Path) -> None:
    args, rest = app.parse_args(["--data-dir", str(tmp_path), "-style", "fusion"])
    assert args.data_dir == str(tmp_path) and args.db_url is None
    assert rest == ["-style", "fusion"]


def test_environment_credentials_sign_in_directly(
    monkeypatch: pytest.MonkeyPatch, container: Container, owner: Actor
) -> None:
    monkeypatch.setenv("PENGUIN_USER", OWNER)
    monkeypatch.setenv("PENGUIN_PASSWORD", PASSWORD)
    actor = app.sign_in(container)
    assert actor is not None and actor.email == OWNER and actor.face.value == "gui"


def test_one_console_per_data_directory(tmp_path: Path) -> None:
    first = single_instance.acquire(tmp_path)
    assert first is not None
    assert single_instance.acquire(tmp_path) is None
    first.unlock()
    again = single_instance.acquire(tmp_path)
    assert again is not None
    again.unlock()


def test_an_unusable_database_is_reported_and_the_exit_code_is_non_zero(
    qtbot: QtBot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    foreign = sqlite3.connect(data / "workspace.db")
    foreign.execute("create table invoices (id integer primary key)")
    foreign.commit()
    foreign.close()
    shown: list[str] = []

    def close_the_dialog() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, close_the_dialog)
            return
        shown.append(box.text())
        box.accept()

    QTimer.singleShot(0, close_the_dialog)
    code = app.run(["--data-dir", str(data)])
    assert code == DatabaseError.exit_code != 0
    assert shown and "is not a PenguinMails workspace database" in shown[0]
    assert single_instance.acquire(data) is not None  # the lock was released


def test_the_error_dialog_speaks_core_words(qtbot: QtBot) -> None:
    box = show_error(None, ValidationError("a workspace name cannot be empty"))
    qtbot.addWidget(box)
    assert box.isVisible() and box.text() == "A workspace name cannot be empty"
    assert box.windowTitle() == "Please check your input"
    bug = show_error(None, RuntimeError("boom"))
    qtbot.addWidget(bug)
    assert bug.windowTitle() == "Something went wrong" and "RuntimeError" in describe(
        RuntimeError("boom")
    )


def test_the_gui_never_imports_the_store_or_sqlalchemy() -> None:
    package = Path(ui_package.__file__).resolve().parent
    for source in package.rglob("*.py"):
        text = source.read_text()
        assert "core.platform.store" not in text, source
        assert not re.search(r"^\s*(from|import) sqlalchemy", text, re.M), source
