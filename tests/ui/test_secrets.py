"""Secrets page: backend status and choice, references, add/reveal/delete, migration as a job,
connection tests, and the encrypted file's master password (unlock, create, first run).

A real Container over a temporary data directory with the GUI's own master-password prompt and
a real encrypted file; Vault is the session's real OpenBao server. No OS keyring is active, as
on the headless machines the issue describes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.secrets import rotation
from penguin_desktop.core.secrets.backends.base import BackendKind
from penguin_desktop.core.secrets.backends.vault import VaultConfig
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.ui.accounts.first_run import FirstRunDialog
from penguin_desktop.ui.secrets.columns import DUE_TEXT
from penguin_desktop.ui.secrets.forms import DeleteSecretDialog, SetSecretDialog
from penguin_desktop.ui.secrets.master_password import MasterPasswordDialog
from penguin_desktop.ui.secrets.page import SecretsPage
from penguin_desktop.ui.secrets.reveal import RevealDialog
from penguin_desktop.ui.secrets.unlock import MasterPasswordPrompt, prompt_of
from penguin_desktop.ui.shell.main_window import MainWindow
from penguin_desktop.ui.shell.workers import Job
from tests.conftest import fresh_sqlite
from tests.servers.vault import VaultServer

from .conftest import OWNER, PASSWORD

MASTER = "Master-of-secrets-2026"
WindowFactory = Callable[..., MainWindow]


@pytest.fixture(autouse=True)
def _no_os_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def container(qapp: QApplication, tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """Overrides the suite's container: this one asks for the master password as the GUI does."""
    prompt = MasterPasswordPrompt(env={})
    fresh_sqlite(sqlite_template, tmp_path / "data" / DB_FILE)
    built = Container(Settings.resolve(data_dir=tmp_path / "data", env={}), prompt)
    yield built
    prompt.abort()
    built.close()


@pytest.fixture
def acme(container: Container, owner: Actor) -> str:
    container.workspaces.create(owner, "Acme")
    return "Acme"


@pytest.fixture
def unlocked(container: Container, owner: Actor) -> None:
    prompt = prompt_of(container)
    assert prompt is not None
    prompt.actor = owner
    prompt.unlock_with(container.secrets, MASTER)


def secrets_page(window: MainWindow) -> SecretsPage:
    index = window.page_types.index(SecretsPage)
    page = window.show_page(index)
    assert isinstance(page, SecretsPage)
    return page


def cells(page: SecretsPage) -> list[str]:
    model = page.model
    return [
        str(model.index(r, c).data())
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    ]


def column(page: SecretsPage, title: str) -> list[str]:
    model = page.model
    c = next(
        i
        for i in range(model.columnCount())
        if model.headerData(i, Qt.Orientation.Horizontal) == title
    )
    return [str(model.index(r, c).data()) for r in range(model.rowCount())]


def use_vault(container: Container, owner: Actor, vault: VaultServer) -> None:
    container.secrets.set_backend(
        owner, BackendKind.VAULT, None, VaultConfig(vault.address), token=vault.root_token
    )


# --- backend ---------------------------------------------------------------------------------


def test_status_line_says_the_file_is_active_and_why(
    owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = secrets_page(make_window(owner))
    text = page.backend.status.text()
    assert "Encrypted file" in text and "is active for Acme" in text
    assert "no OS keyring is available" in text
    assert page.empty.isVisible() and "No secrets in Acme yet" in page.empty.title.text()
    assert page.empty.button.isVisible()  # the owner may add one


def test_test_connection_reports_the_unlocked_file(
    qtbot: QtBot, owner: Actor, acme: str, unlocked: None, make_window: WindowFactory
) -> None:
    page = secrets_page(make_window(owner))
    job = page.backend.start_test()
    assert job is not None and not page.backend.test_button.isEnabled()
    qtbot.waitUntil(lambda: page.backend.test_job is None, timeout=20_000)
    message = page.backend.test_message
    assert message.kind == "success"
    assert (
        message.text().startswith("Connection OK: encrypted file") and "unlocked" in message.text()
    )
    assert page.backend.test_button.isEnabled()


def test_vault_form_sets_the_backend_and_test_connection_reaches_it(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    vault: VaultServer,
    make_window: WindowFactory,
) -> None:
    page = secrets_page(make_window(owner))
    card = page.backend
    card.kind.setCurrentIndex(card.kind.findData("vault"))
    assert card.vault_box.isVisible() and card.token.echoMode() == card.token.EchoMode.Password
    card.address.setText(vault.address)
    card.token.setText(vault.root_token)
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert card.token.text() == "" and not card.save_button.isEnabled()  # off the UI thread
    qtbot.waitUntil(lambda: card.save_job is None, timeout=20_000)
    assert card.save_message.kind == "success", card.save_message.text()
    assert card.token.text() == ""  # handed to core, not kept by the form
    assert "HashiCorp Vault" in card.status.text() and vault.address in card.status.text()
    dump = container.settings.data_dir.joinpath("workspace.db").read_bytes()
    assert vault.root_token.encode() not in dump

    assert card.start_test() is not None
    qtbot.waitUntil(lambda: card.test_job is None, timeout=20_000)
    assert card.test_message.kind == "success"
    assert f"at {vault.address}, KV v2 mount secret" in card.test_message.text()


def test_an_unreachable_vault_is_refused_with_the_reason(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    make_window: WindowFactory,
) -> None:
    """Core checks a Vault before switching to it; the card says why it did not switch."""
    page = secrets_page(make_window(owner))
    card = page.backend
    card.kind.setCurrentIndex(card.kind.findData("vault"))
    card.address.setText("http://127.0.0.1:9")
    card.token.setText("not-a-real-token-123")
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.save_job is None, timeout=20_000)

    assert card.save_message.kind == "error"
    assert card.save_message.text().startswith(
        "Cannot reach Vault at http://127.0.0.1:9: connection failed"
    )
    assert card.token.text() == ""
    assert "Encrypted file" in card.status.text()


# --- references ------------------------------------------------------------------------------


def test_added_secret_is_listed_without_its_value(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = secrets_page(make_window(owner))
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    unlock = page.unlock_dialog  # the file does not exist yet: its master password is chosen
    assert isinstance(unlock, MasterPasswordDialog) and unlock.creating
    unlock.master.setText(MASTER)
    assert unlock.confirm is not None
    unlock.confirm.setText(MASTER)
    qtbot.mouseClick(unlock.ok_button, Qt.MouseButton.LeftButton)
    assert container.stores.file_path.exists()

    dialog = page.dialog
    assert isinstance(dialog, SetSecretDialog) and dialog.isVisible()
    dialog.name.setText("stripe-live")
    dialog.kind.setCurrentIndex(dialog.kind.findData("api_key"))
    assert dialog.value_line.echoMode() == dialog.value_line.EchoMode.Password
    dialog.value_line.setText("sk_live_canary_4242")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=20_000)
    assert not dialog.isVisible() and dialog.value_line.text() == ""
    assert column(page, "Name") == ["stripe-live"]
    assert column(page, "Kind") == ["API key"]
    assert column(page, "Backend") == ["Encrypted file"]
    assert column(page, "Rotation policy") == ["On demand"]
    assert column(page, "Last accessed") == ["Never"]
    assert not any("sk_live_canary" in text for text in cells(page))
    assert container.secrets.reveal(owner, acme, "stripe-live") == "sk_live_canary_4242"


def test_an_ssh_key_is_typed_as_multi_line_text_with_its_default_policy(
    owner: Actor, acme: str, unlocked: None, make_window: WindowFactory
) -> None:
    page = secrets_page(make_window(owner))
    page.open_add()
    dialog = page.dialog
    assert isinstance(dialog, SetSecretDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("ssh_key"))
    assert dialog.value_stack.currentWidget() is dialog.value_text
    assert "90 days" in dialog.policy.currentText()


def test_reveal_asks_for_a_reason_shows_the_value_then_hides_it(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    make_window: WindowFactory,
) -> None:
    container.secrets.set(owner, acme, "mail1-smtp", SecretKind.SMTP_PASSWORD, "smtp-canary-99")
    page = secrets_page(make_window(owner))
    page.reveal_ms = 400
    page.table.selectRow(0)
    assert page.reveal_button.isEnabled()
    qtbot.mouseClick(page.reveal_button, Qt.MouseButton.LeftButton)
    confirm = page.dialog
    assert isinstance(confirm, RevealDialog) and confirm.isVisible()
    qtbot.mouseClick(confirm.ok_button, Qt.MouseButton.LeftButton)
    assert "reason" in confirm.field_error("reason") and confirm.focusWidget() is confirm.reason
    assert page.value_dialog is None

    confirm.reason.setText("renew the mail1 certificate")
    qtbot.mouseClick(confirm.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.value_dialog is not None, timeout=20_000)
    shown = page.value_dialog
    assert shown is not None and shown.isVisible()
    assert shown.field.toPlainText() == "smtp-canary-99"
    qtbot.mouseClick(shown.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "smtp-canary-99"

    qtbot.waitUntil(lambda: not shown.shown, timeout=5_000)
    assert shown.field.toPlainText() == "" and shown.countdown.text() == "Value hidden"
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=5_000)
    assert column(page, "Last accessed") != ["Never"]
    events = list(container.audit.page(owner, AuditFilter(action="secret.reveal")))
    assert len(events) == 1 and "renew the mail1 certificate" in events[0].summary
    assert "smtp-canary-99" not in events[0].summary


def test_delete_asks_first(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    make_window: WindowFactory,
) -> None:
    container.secrets.set(owner, acme, "old", SecretKind.API_KEY, "api-key-12345678")
    page = secrets_page(make_window(owner))
    page.table.selectRow(0)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, DeleteSecretDialog) and dialog.ok_button.property("danger")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=20_000)
    assert container.secrets.all(owner, acme) == []


def test_members_cannot_reveal_and_viewers_see_no_references(
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.secrets.set(owner, acme, "stripe", SecretKind.API_KEY, "sk_live_123456789")
    member = make_user("mia@agency.test", Acme=Role.MEMBER)
    page = secrets_page(make_window(member))
    assert column(page, "Name") == ["stripe"]
    page.table.selectRow(0)
    assert not page.reveal_button.isEnabled()
    assert "Only admins and owners of Acme reveal values" in page.reveal_button.toolTip()
    assert not page.replace_button.isEnabled() and not page.add_button.isEnabled()
    assert not page.migrate_button.isEnabled()
    assert not page.backend.save_button.isEnabled()

    viewer = make_user("vic@agency.test", Acme=Role.VIEWER)
    page = secrets_page(make_window(viewer))
    assert page.model.rowCount() == 0
    assert page.empty.title.text() == "Secrets are not open to your role"
    assert not page.reveal_button.isEnabled()


def test_an_admin_reveals(
    owner: Actor,
    acme: str,
    container: Container,
    unlocked: None,
    make_user: Callable[..., Actor],
    make_window: WindowFactory,
) -> None:
    container.secrets.set(owner, acme, "stripe", SecretKind.API_KEY, "sk_live_123456789")
    admin = make_user("ada@agency.test", Acme=Role.ADMIN)
    page = secrets_page(make_window(admin))
    page.table.selectRow(0)
    assert page.reveal_button.isEnabled()


# --- migration -------------------------------------------------------------------------------


def test_migrating_file_to_vault_runs_as_a_job_with_progress(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    vault: VaultServer,
    make_window: WindowFactory,
) -> None:
    for i in range(3):
        container.secrets.set(owner, acme, f"key{i}", SecretKind.API_KEY, f"value-{i}-abcdef")
    use_vault(container, owner, vault)
    window = make_window(owner)
    page = secrets_page(window)
    assert column(page, "Backend") == ["Encrypted file"] * 3
    progress: list[float] = []
    started: list[Job] = []

    def watch(job: Job) -> None:
        started.append(job)
        job.signals.progress.connect(lambda f, _t: progress.append(f))

    window.state.runner.started.connect(watch)
    dialog = page.open_migrate()
    assert dialog is not None
    dialog.target.setCurrentIndex(dialog.target.findData("vault"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert started and window.jobs.row_for(started[0]) is not None
    assert not page.migrate_button.isEnabled()
    qtbot.waitUntil(lambda: page.migrate_job is None, timeout=30_000)
    assert progress and progress[-1] == 1.0
    assert column(page, "Backend") == ["HashiCorp Vault"] * 3
    assert page.message.kind == "success" and page.message.text().startswith(
        "Moved 3 secrets to HashiCorp Vault"
    )
    assert container.secrets.reveal(owner, acme, "key1") == "value-1-abcdef"


def test_a_cancelled_migration_says_to_run_it_again(
    qtbot: QtBot,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    vault: VaultServer,
    make_window: WindowFactory,
) -> None:
    for i in range(120):  # three batches of 50
        container.secrets.set(owner, acme, f"s{i:03d}", SecretKind.API_KEY, f"value-{i}-xyz")
    use_vault(container, owner, vault)
    window = make_window(owner)
    page = secrets_page(window)

    def cancel_at_first_progress(job: Job) -> None:
        job.signals.progress.connect(
            lambda _f, _t: job.cancel(), Qt.ConnectionType.DirectConnection
        )

    window.state.runner.started.connect(cancel_at_first_progress)
    page.start_migration(BackendKind.VAULT)
    assert page.migrate_job is not None
    qtbot.waitUntil(lambda: page.migrate_job is None, timeout=30_000)
    assert page.message.kind == "info"
    assert "Migration cancelled after 50 secrets; run it again to finish" in page.message.text()
    backends = column(page, "Backend")
    assert backends.count("HashiCorp Vault") == 50 and backends.count("Encrypted file") == 70
    assert page.migrate_button.isEnabled()


# --- the master password ---------------------------------------------------------------------


def test_unlock_dialog_refuses_a_wrong_master_password_then_unlocks(
    qtbot: QtBot,
    tmp_path: Path,
    container: Container,
    owner: Actor,
    acme: str,
    make_window: WindowFactory,
) -> None:
    other = Container(container.settings, lambda _creating: MASTER)
    other.secrets.set(owner, acme, "stripe", SecretKind.API_KEY, "sk_live_987654321")
    other.close()

    page = secrets_page(make_window(owner))
    page.table.selectRow(0)
    qtbot.mouseClick(page.reveal_button, Qt.MouseButton.LeftButton)
    unlock = page.unlock_dialog
    assert isinstance(unlock, MasterPasswordDialog) and not unlock.creating
    assert unlock.confirm is None and unlock.master.echoMode() == unlock.master.EchoMode.Password
    unlock.master.setText("not the master password")
    qtbot.mouseClick(unlock.ok_button, Qt.MouseButton.LeftButton)
    assert unlock.isVisible() and unlock.message.kind == "error"
    assert unlock.message.text().startswith("Wrong master password for the secrets file")
    assert unlock.master.text() == "" and page.dialog is None

    unlock.master.setText(MASTER)
    qtbot.mouseClick(unlock.ok_button, Qt.MouseButton.LeftButton)
    assert not unlock.isVisible()
    assert isinstance(page.dialog, RevealDialog) and page.dialog.isVisible()

    page.dialog.reject()
    page.open_reveal()  # unlocked once per session: no second question
    assert page.unlock_dialog is None and isinstance(page.dialog, RevealDialog)


def test_cancelling_the_unlock_does_nothing(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = secrets_page(make_window(owner))
    page.open_add()
    unlock = page.unlock_dialog
    assert isinstance(unlock, MasterPasswordDialog)
    unlock.reject()
    assert page.dialog is None and not container.stores.file_path.exists()


def test_a_new_master_password_must_be_typed_twice(
    qtbot: QtBot, container: Container, owner: Actor, acme: str, make_window: WindowFactory
) -> None:
    page = secrets_page(make_window(owner))
    page.open_add()
    unlock = page.unlock_dialog
    assert isinstance(unlock, MasterPasswordDialog) and unlock.confirm is not None
    unlock.master.setText(MASTER)
    unlock.confirm.setText(MASTER + "x")
    qtbot.mouseClick(unlock.ok_button, Qt.MouseButton.LeftButton)
    assert unlock.isVisible() and "differ" in unlock.field_error("master_confirm")
    assert not container.stores.file_path.exists()


def test_a_worker_asking_for_the_master_password_gets_it_from_the_ui_thread(
    qtbot: QtBot, container: Container, owner: Actor
) -> None:
    prompt = prompt_of(container)
    assert prompt is not None
    answers: list[str] = []
    worker = threading.Thread(target=lambda: answers.append(prompt(False)))
    worker.start()

    def dialog() -> MasterPasswordDialog | None:
        for widget in QApplication.topLevelWidgets():
            asked = isinstance(widget, MasterPasswordDialog) and widget.container is None
            if asked and widget.isVisible():
                return widget
        return None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=5_000)
    shown = dialog()
    assert shown is not None
    shown.master.setText(MASTER)
    qtbot.mouseClick(shown.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=5_000)
    assert answers == [MASTER]


def test_first_run_without_a_keyring_creates_the_secrets_file(
    qtbot: QtBot, container: Container
) -> None:
    dialog = FirstRunDialog(container)
    qtbot.addWidget(dialog)
    assert dialog.master is not None and dialog.master_confirm is not None
    dialog.org_name.setText("Test Agency")
    dialog.email.setText(OWNER)
    dialog.password.setText(PASSWORD)
    dialog.confirm.setText(PASSWORD)
    dialog.master.setText(MASTER)
    dialog.master_confirm.setText("something else entirely")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "differ" in dialog.field_error("master_confirm")
    assert container.auth.organization() is None

    dialog.master_confirm.setText(MASTER)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and dialog.result() == dialog.DialogCode.Accepted
    assert container.stores.file_path.exists()
    prompt = prompt_of(container)
    assert prompt is not None and prompt.unlocked
    assert container.secrets.backend_info(dialog.actor).kind == "file"

    again = Container(container.settings, lambda _creating: MASTER)
    assert "0 secrets" in again.stores.file().status()  # the master password opens it
    again.close()


def test_first_run_with_a_keyring_does_not_ask(qtbot: QtBot, tmp_path: Path) -> None:
    from tests.servers.file_keyring import FileBackedKeyring

    keyring.set_keyring(FileBackedKeyring(tmp_path / "keyring.json"))
    built = Container(Settings.resolve(data_dir=tmp_path / "k", env={}), MasterPasswordPrompt({}))
    dialog = FirstRunDialog(built)
    qtbot.addWidget(dialog)
    assert dialog.master is None
    built.close()


def test_due_rotation_shows_a_badge(
    monkeypatch: pytest.MonkeyPatch,
    container: Container,
    owner: Actor,
    acme: str,
    unlocked: None,
    make_window: WindowFactory,
) -> None:
    container.secrets.set(owner, acme, "ssh", SecretKind.SSH_KEY, "-----BEGIN KEY-----\nx\n")
    page = secrets_page(make_window(owner))
    assert column(page, "Rotation")[0].startswith("Next ")
    assert column(page, "Rotation policy") == ["Every 90 days"]
    # ninety days later, as far as the rotation schedule can tell
    monkeypatch.setattr(
        rotation, "due_at", lambda last, days: None if days is None else last - timedelta(days=1)
    )
    page.refresh()
    assert column(page, "Rotation") == [DUE_TEXT]
    assert "1 due for rotation" in page.count.text()
