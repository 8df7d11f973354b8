"""Secrets: add or replace a value, delete, reveal (with a reason), show a revealed value for a
limited time, and choose where a migration goes.

Every core call that may reach a secret store runs off the UI thread (a Vault is a network
server); values typed here go to core and to the log redactor, never anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop import log
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.secrets.backends.base import BackendKind
from penguin_desktop.core.secrets.models import SecretKind, SecretRefInfo
from penguin_desktop.core.secrets.rotation import DEFAULT_ROTATION_DAYS
from penguin_desktop.core.secrets.service import KEEP_POLICY, clean_secret_name
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, password_field
from penguin_desktop.ui.widgets.job_form import JobFormDialog

REVEAL_SECONDS = 30

KIND_LABELS: dict[SecretKind, str] = {
    SecretKind.SSH_KEY: "SSH private key",
    SecretKind.SMTP_PASSWORD: "SMTP password",
    SecretKind.API_KEY: "API key",
    SecretKind.VAULT_TOKEN: "Vault token",
    SecretKind.WEBHOOK_SECRET: "Webhook secret",
}

KIND_NOUNS: dict[SecretKind, str] = {
    SecretKind.SSH_KEY: "SSH private key",
    SecretKind.SMTP_PASSWORD: "SMTP password",
    SecretKind.API_KEY: "API key",
    SecretKind.VAULT_TOKEN: "Vault token",
    SecretKind.WEBHOOK_SECRET: "webhook secret",
}

BACKEND_LABELS: dict[str, str] = {
    BackendKind.KEYRING.value: "OS keyring",
    BackendKind.VAULT.value: "HashiCorp Vault",
    BackendKind.FILE.value: "Encrypted file",
}


def backend_label(kind: str) -> str:
    return BACKEND_LABELS.get(kind, kind)


BACKEND_NOUNS: dict[str, str] = {
    BackendKind.KEYRING.value: "the OS keyring",
    BackendKind.VAULT.value: "HashiCorp Vault",
    BackendKind.FILE.value: "the encrypted file",
}


def backend_noun(kind: str) -> str:
    """The backend mid-sentence: 'the encrypted file', 'HashiCorp Vault'."""
    return BACKEND_NOUNS.get(kind, kind)


def policy_text(days: int | None) -> str:
    if days is None:
        return "On demand"
    return "Every day" if days == 1 else f"Every {days} days"


def monospace() -> Any:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class SetSecretDialog(JobFormDialog):
    """Add a secret to a workspace, or replace the value of `existing` (a rotation)."""

    POLICY_KEEP, POLICY_DEFAULT, POLICY_DAYS, POLICY_NEVER = "keep", "default", "days", "never"

    def __init__(
        self,
        state: AppState,
        workspace: str,
        backend: str,
        existing: SecretRefInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        if existing is None:
            title = f"Add a secret to {workspace}"
            intro = (
                f"The value goes to {backend_noun(backend)}; the database keeps "
                "only a reference to it."
            )
        else:
            title = f"Replace {existing.name}"
            intro = (
                f"The new value replaces the current one in {backend_noun(backend)} "
                "and counts as a rotation."
            )
        super().__init__(
            state.runner,
            title,
            intro,
            ok_text="Add secret" if existing is None else "Replace value",
            parent=parent,
        )
        self.setMinimumWidth(540)
        self.state = state
        self.workspace = workspace
        self.existing = existing
        self.name = QLineEdit(existing.name if existing else "")
        self.name.setPlaceholderText("e.g. mail1-root-ssh or stripe-live")
        self.name.setReadOnly(existing is not None)
        self.kind = QComboBox()
        for kind, label in KIND_LABELS.items():
            self.kind.addItem(label, kind.value)
        if existing is not None:
            self.kind.setCurrentIndex(self.kind.findData(existing.kind.value))
            self.kind.setEnabled(False)
        self.value_line = password_field("the secret value")
        self.value_text = QPlainTextEdit()
        self.value_text.setObjectName("secretValueText")
        self.value_text.setFont(monospace())
        self.value_text.setPlaceholderText("-----BEGIN OPENSSH PRIVATE KEY-----\n…")
        self.value_text.setTabChangesFocus(True)
        self.value_text.setFixedHeight(150)
        self.value_stack = QStackedWidget()
        self.value_stack.addWidget(self.value_line)
        self.value_stack.addWidget(self.value_text)
        self.policy = QComboBox()
        self.days = QSpinBox()
        self.days.setRange(1, 3650)
        self.days.setSuffix(" days")
        self.days.setValue(90)
        policy_row = QHBoxLayout()
        policy_row.setSpacing(8)
        policy_row.addWidget(self.policy, 1)
        policy_row.addWidget(self.days)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("optional, for the audit log")
        self.form.addRow("Name", self.name)
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Value", self.value_stack)
        self.form.addRow("Rotation", policy_row)
        self.form.addRow("Reason", self.reason)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.policy.currentIndexChanged.connect(self._policy_changed)
        self._kind_changed()
        (self.value_line if existing else self.name).setFocus()

    @property
    def secret_kind(self) -> SecretKind:
        return SecretKind(self.kind.currentData())

    def _kind_changed(self) -> None:
        kind = self.secret_kind
        multi = kind is SecretKind.SSH_KEY
        self.value_stack.setCurrentWidget(self.value_text if multi else self.value_line)
        self.value_stack.setFixedHeight(
            self.value_text.height() if multi else self.value_line.sizeHint().height()
        )
        default = DEFAULT_ROTATION_DAYS[kind]
        self.policy.blockSignals(True)
        self.policy.clear()
        if self.existing is not None:
            self.policy.addItem(
                f"Keep: {policy_text(self.existing.rotation_days).lower()}", self.POLICY_KEEP
            )
        self.policy.addItem(f"Default for the kind: {policy_text(default).lower()}", "default")
        self.policy.addItem("Every…", self.POLICY_DAYS)
        self.policy.addItem("On demand (never due)", self.POLICY_NEVER)
        self.policy.blockSignals(False)
        self._policy_changed()

    def _policy_changed(self) -> None:
        self.days.setVisible(self.policy.currentData() == self.POLICY_DAYS)

    def value(self) -> str:
        if self.secret_kind is SecretKind.SSH_KEY:
            text = self.value_text.toPlainText()
            return text if text.endswith("\n") or not text else text + "\n"
        return self.value_line.text()

    def rotation_days(self) -> Any:
        chosen = self.policy.currentData()
        if chosen == self.POLICY_KEEP:
            return KEEP_POLICY
        if chosen == self.POLICY_NEVER:
            return None
        if chosen == self.POLICY_DAYS:
            return self.days.value()
        return DEFAULT_ROTATION_DAYS[self.secret_kind]

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        name = clean_secret_name(self.name.text())
        value = self.value()
        if not value.strip():
            raise ValidationError("type or paste the secret value")
        log.redact(value)
        secrets, actor, ws = self.state.container.secrets, self.state.actor, self.workspace
        kind, days, reason = self.secret_kind, self.rotation_days(), self.reason.text().strip()
        return (
            f"Saving secret {name}",
            lambda _ctx: secrets.set(actor, ws, name, kind, value, days, reason),
        )

    def working_text(self) -> str:
        return "Saving…"

    def _succeeded(self, result: object) -> None:
        self.value_line.clear()
        self.value_text.clear()
        super()._succeeded(result)


class DeleteSecretDialog(JobFormDialog):
    def __init__(self, state: AppState, ref: SecretRefInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            f"Delete {ref.name}?",
            f"The value is deleted from {backend_noun(ref.backend)} and the "
            f"reference from {ref.workspace}. This cannot be undone: whatever uses this "
            f"{KIND_NOUNS[ref.kind]} stops working.",
            ok_text="Delete secret",
            parent=parent,
            danger=True,
        )
        self.state = state
        self.ref = ref
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("optional, for the audit log")
        self.form.addRow("Reason", self.reason)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        secrets, actor, ref = self.state.container.secrets, self.state.actor, self.ref
        reason = self.reason.text().strip()
        return (
            f"Deleting secret {ref.name}",
            lambda _ctx: secrets.delete(actor, ref.workspace, ref.name, reason),
        )

    def working_text(self) -> str:
        return "Deleting…"


class RevealDialog(JobFormDialog):
    """The confirmation before a person reads a value: a reason is required (audited)."""

    def __init__(
        self,
        state: AppState,
        ref: SecretRefInfo,
        seconds: float = REVEAL_SECONDS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            state.runner,
            f"Reveal {ref.name}?",
            f"The {KIND_NOUNS[ref.kind]} of {ref.workspace} is shown for "
            f"{_seconds_text(seconds)}, then hidden again. Revealing is recorded in the audit "
            "log with your name and the reason you give here.",
            ok_text="Reveal value",
            parent=parent,
        )
        self.state = state
        self.ref = ref
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. log in to mail1 to renew its certificate")
        self.form.addRow("Reason", self.reason)
        self.reason.setFocus()

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        reason = self.reason.text().strip()
        if not reason:
            raise ValidationError("say why you need the value; the reason goes to the audit log")
        secrets, actor, ref = self.state.container.secrets, self.state.actor, self.ref
        return (
            f"Revealing {ref.name}",
            lambda _ctx: secrets.reveal(actor, ref.workspace, ref.name, reason),
        )

    def working_text(self) -> str:
        return "Reading the value…"

    @property
    def value(self) -> str | None:
        return self.result_value if isinstance(self.result_value, str) else None

    def forget(self) -> None:
        self.result_value = None


def _seconds_text(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f} seconds"
    return f"{seconds * 1000:.0f} ms"


class SecretValueDialog(QDialog):
    """Shows a revealed value until `hide_ms` passes, then wipes it from the dialog; a copy
    on the clipboard is wiped after the same delay (if the clipboard still holds it)."""

    def __init__(
        self,
        ref: SecretRefInfo,
        value: str,
        hide_ms: int = REVEAL_SECONDS * 1000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("formDialog")
        self.setWindowTitle(f"{ref.name} — revealed")
        self.setMinimumWidth(560)
        self.ref = ref
        self._value: str | None = value
        self.hide_ms = hide_ms
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        heading = QLabel(ref.name)
        heading.setObjectName("dialogTitle")
        where = QLabel(
            f"{KIND_LABELS[ref.kind]} of {ref.workspace}, from "
            f"{backend_noun(ref.backend)}. This reveal is in the audit log."
        )
        where.setObjectName("dialogIntro")
        where.setWordWrap(True)
        self.field = QPlainTextEdit(value)
        self.field.setObjectName("revealedValue")
        self.field.setReadOnly(True)
        self.field.setFont(monospace())
        lines = max(1, min(value.count("\n") + 1, 12))
        self.field.setFixedHeight(28 + 18 * lines)
        self.countdown = QLabel()
        self.countdown.setObjectName("revealCountdown")
        row = QHBoxLayout()
        clock = QLabel()
        clock.setPixmap(icon("clock", theme.MUTED).pixmap(QSize(16, 16)))
        row.addWidget(clock)
        row.addWidget(self.countdown, 1)
        self.copy_button = QPushButton(icon("copy", theme.ICON), "Copy")
        self.copy_button.setIconSize(QSize(16, 16))
        self.copy_button.setToolTip("Copy to the clipboard; it is wiped after the same delay")
        self.close_button = QPushButton("Close")
        self.close_button.setProperty("primary", True)
        self.close_button.setDefault(True)
        row.addWidget(self.copy_button)
        row.addWidget(self.close_button)
        for widget in (heading, where, self.field):
            outer.addWidget(widget)
        outer.addLayout(row)
        self.copy_button.clicked.connect(self.copy)
        self.close_button.clicked.connect(self.accept)

        self.hide_timer = QTimer(self)
        self.hide_timer.setSingleShot(True)
        self.hide_timer.timeout.connect(self.hide_value)
        self.tick = QTimer(self)
        self.tick.setInterval(250)
        self.tick.timeout.connect(self._show_remaining)
        self.clipboard_timer = QTimer(self)
        self.clipboard_timer.setSingleShot(True)
        self.clipboard_timer.timeout.connect(self.clear_clipboard)
        self.hide_timer.start(hide_ms)
        self.tick.start()
        self._copied: str | None = None
        self._show_remaining()

    @property
    def shown(self) -> bool:
        return self._value is not None

    def _show_remaining(self) -> None:
        left = max(self.hide_timer.remainingTime(), 0) / 1000
        self.countdown.setText(f"Hides in {left:.0f} s" if left >= 1 else "Hides in a moment")

    def copy(self) -> None:
        """Copy the value; the clipboard is wiped after the same delay (even if the dialog is
        closed meanwhile, so the value can still be pasted right away)."""
        if self._value is None:
            return
        QGuiApplication.clipboard().setText(self._value)
        self._copied = self._value
        self.clipboard_timer.start(self.hide_ms)
        self.copy_button.setText("Copied")

    def hide_value(self) -> None:
        """Wipe the value from the dialog."""
        self.hide_timer.stop()
        self.tick.stop()
        self._value = None
        self.field.clear()
        self.field.setPlaceholderText("Hidden. Reveal it again if you still need it.")
        self.countdown.setText("Value hidden")
        self.copy_button.setEnabled(False)
        self.copy_button.setText("Copy")

    def clear_clipboard(self) -> None:
        """Wipe our copy from the clipboard, unless something else was copied since."""
        self.clipboard_timer.stop()
        if self._copied is None:
            return
        clipboard = QGuiApplication.clipboard()
        if clipboard.text() == self._copied:
            clipboard.clear()
        self._copied = None

    def done(self, result: int) -> None:
        self.hide_value()
        super().done(result)


class MigrateDialog(FormDialog):
    """Choose where every secret goes; the page then runs the migration as a job."""

    def __init__(self, counts: dict[str, int], parent: QWidget | None = None) -> None:
        spread = ", ".join(
            f"{n} {'is' if n == 1 else 'are'} in {backend_noun(k)}" for k, n in counts.items()
        )
        super().__init__(
            "Migrate every secret",
            "Each secret of every workspace is copied to the target, read back to check the "
            "copy, switched over, and only then deleted where it was. If the migration stops "
            "or you cancel it, run it again to finish: nothing is lost."
            + (f"\n\nOf the secrets you can see, {spread}." if spread else ""),
            ok_text="Start migration",
            parent=parent,
        )
        self.target = QComboBox()
        for kind in (BackendKind.VAULT, BackendKind.FILE, BackendKind.KEYRING):
            self.target.addItem(backend_label(kind.value), kind.value)
        self.form.addRow("Move everything to", self.target)
        self.chosen: BackendKind | None = None

    def submit(self) -> None:
        self.chosen = BackendKind(self.target.currentData())
