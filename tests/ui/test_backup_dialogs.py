"""Backups in the console: the Settings page's Backups card, the schedule's dialog, a backup
made now, and the scheduled backup after start-up (only when due, only for owners/admins)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.portable import archive, verify
from penguin_desktop.core.portable.schedule import made_at
from penguin_desktop.core.secrets import BackendKind
from penguin_desktop.ui.accounts.settings_page import SettingsPage
from penguin_desktop.ui.portable.backup_dialogs import (
    BackupNowDialog,
    ScheduleDialog,
    start_due_backup,
)
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.state import AppState
from tests.servers.file_keyring import FileBackedKeyring

PASSPHRASE = "Harbour-lights-2026-console"


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "DEFAULT_KDF", archive.KdfParams(1, 8192, 1))


@pytest.fixture
def keyring_store(
    container: Container, owner: Actor, test_keyring: FileBackedKeyring
) -> FileBackedKeyring:
    container.secrets.set_backend(owner, BackendKind.KEYRING)
    return test_keyring


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "backups"
    path.mkdir()
    return path


def settings_page(make_window: Callable[..., MainWindow], actor: Actor) -> SettingsPage:
    window = make_window(actor)
    page = window.show_page(window.page_types.index(SettingsPage))
    assert isinstance(page, SettingsPage)
    return page


def test_a_mismatched_passphrase_is_shown_at_its_field(
    qtbot: QtBot, container: Container, owner: Actor, folder: Path
) -> None:
    state = AppState(container, owner)
    for dialog in (
        ScheduleDialog(state, container.backup_schedule.settings(owner)),
        BackupNowDialog(state, folder),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.passphrase.setText(PASSPHRASE)
        dialog.confirm.setText(PASSPHRASE + "x")
        dialog.ok_button.click()
        assert "differ" in dialog.field_error("confirm")
        assert dialog.isVisible() and dialog.job is None and dialog.confirm.text() == ""
        dialog.reject()


def test_a_schedule_is_saved_and_shown_in_settings(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    container: Container,
    owner: Actor,
    folder: Path,
    keyring_store: FileBackedKeyring,
) -> None:
    page = settings_page(make_window, owner)
    card = page.backups
    assert card.isVisible() and card.values["Daily backups"].text() == "Off"
    dialog = card.open_schedule()
    dialog.enabled.setChecked(True)
    dialog.folder.setText(str(folder))
    dialog.keep_daily.setValue(5)
    dialog.passphrase.setText(PASSPHRASE)
    dialog.confirm.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        dialog.ok_button.click()
    assert card.values["Daily backups"].text() == "On"
    assert card.values["Folder"].text() == str(folder.resolve())
    assert "5 days" in card.values["Keep"].text()
    assert card.values["Last backup"].text() == "None yet"
    assert container.backup_schedule.settings(owner).has_passphrase

    job = start_due_backup(page.state)
    assert job is not None
    with qtbot.waitSignal(job.signals.finished, timeout=30_000) as done:
        pass
    made = Path(done.args[0].path)
    qtbot.waitUntil(lambda: not page.state.runner.running)
    assert made_at(made.name) and verify(made, PASSPHRASE).counts
    assert start_due_backup(page.state) is None  # a day has not passed
    page.refresh()
    assert made.name in card.values["Last backup"].text()


def test_back_up_now_writes_the_file(
    qtbot: QtBot, container: Container, owner: Actor, folder: Path
) -> None:
    state = AppState(container, owner)
    dialog = BackupNowDialog(state, folder)
    qtbot.addWidget(dialog)
    dialog.show()
    out = folder / "now.pmbk"
    dialog.out.setText(str(out))
    dialog.passphrase.setText(PASSPHRASE)
    dialog.confirm.setText(PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        dialog.ok_button.click()
        assert dialog.progress.isVisible()
    assert dialog.result_value.path == str(out)
    qtbot.waitUntil(lambda: not state.runner.running)
    assert verify(out, PASSPHRASE).counts


def test_nothing_runs_when_not_due_or_not_allowed(
    container: Container, owner: Actor, make_user: Callable[..., Actor]
) -> None:
    assert start_due_backup(AppState(container, owner)) is None  # no schedule
    member = make_user("bob@agency.test", Role.MEMBER)
    assert start_due_backup(AppState(container, member)) is None
