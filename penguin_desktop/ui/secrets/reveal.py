"""Reading a secret's value: the confirmation that asks why (audited), then the value shown for
a limited time, with a clipboard copy that is wiped after the same delay.

The value is read off the UI thread (a Vault is a network server); it lives in the dialog only
until it hides, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.secrets.models import SecretRefInfo
from penguin_desktop.ui.secrets.labels import backend_noun, kind_label, kind_noun, monospace
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.job_form import JobFormDialog

REVEAL_SECONDS = 30


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
            f"The {kind_noun(ref.kind)} of {ref.workspace} is shown for "
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
        self.fields = {"reason": self.reason}
        self.reason.setFocus()

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        reason = self.reason.text().strip()
        if not reason:
            raise ValidationError(
                "say why you need the value; the reason goes to the audit log", field="reason"
            )
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
        self._copied: str | None = None
        self.hide_ms = hide_ms
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        heading = QLabel(ref.name)
        heading.setObjectName("dialogTitle")
        where = QLabel(
            f"{kind_label(ref.kind)} of {ref.workspace}, from "
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
        for widget in (heading, where, self.field):
            outer.addWidget(widget)
        outer.addLayout(self._build_actions())
        self._start_timers()

    def _build_actions(self) -> QHBoxLayout:
        """The countdown beside Copy and Close."""
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
        self.copy_button.clicked.connect(self.copy)
        self.close_button.clicked.connect(self.accept)
        return row

    def _start_timers(self) -> None:
        self.hide_timer = QTimer(self)
        self.hide_timer.setSingleShot(True)
        self.hide_timer.timeout.connect(self.hide_value)
        self.tick = QTimer(self)
        self.tick.setInterval(250)
        self.tick.timeout.connect(self._show_remaining)
        self.clipboard_timer = QTimer(self)
        self.clipboard_timer.setSingleShot(True)
        self.clipboard_timer.timeout.connect(self.clear_clipboard)
        self.hide_timer.start(self.hide_ms)
        self.tick.start()
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
