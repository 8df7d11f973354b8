"""What the window shows while locked: nothing of the data, only a password prompt.

The password is checked off the UI thread (a password hash takes a noticeable moment), and only
one check runs at a time: Enter held down, or pressed again while the console is still
checking, sends nothing more. An empty field is no attempt for core either, so nobody locks
themselves out by leaning on a key.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.form import password_field
from penguin_desktop.ui.widgets.inline_message import InlineMessage


class LockScreen(QWidget):
    unlocked = Signal()
    quit_requested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.check: Job | None = None
        self.setObjectName("lockScreen")
        outer = QVBoxLayout(self)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        panel = QFrame()
        panel.setObjectName("lockPanel")
        panel.setFixedWidth(400)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        picture = QLabel()
        picture.setPixmap(icon("lock", theme.ACCENT).pixmap(QSize(44, 44)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Console locked")
        title.setObjectName("dialogTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel()
        self.detail.setObjectName("dialogIntro")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = password_field("password")
        self.password.returnPressed.connect(self.try_unlock)
        self.message = InlineMessage()
        buttons = QHBoxLayout()
        self.quit_button = QPushButton("Quit")
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setProperty("primary", True)
        self.unlock_button.setDefault(True)
        self.quit_button.clicked.connect(self.quit_requested)
        self.unlock_button.clicked.connect(self.try_unlock)
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        for widget in (picture, title, self.detail, self.password, self.message):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        outer.addWidget(panel)

    def prepare(self, idle_seconds: float) -> None:
        """Reset for a new lock: empty password, fresh explanation, focus in the field."""
        self.password.clear()
        self.message.clear_message()
        if not idle_seconds:
            why = "The console was locked."
        elif idle_seconds < 60:
            why = f"Locked after {idle_seconds:.0f} s without input."
        else:
            why = f"Locked after {idle_seconds / 60:.0f} min without input."
        self.detail.setText(f"{why} Enter the password of {self.state.actor.email} to continue.")
        self.password.setFocus()

    def try_unlock(self) -> Job | None:
        """Have core re-check the password (failures count towards lockout like any sign-in);
        the running check, or None when one is already running."""
        if self.check is not None:
            return None
        auth, actor, typed = self.state.container.auth, self.state.actor, self.password.text()
        self._checking(True)
        job = self.state.runner.start(
            "Checking your password", lambda _ctx: auth.confirm_password(actor, typed)
        )
        self.check = job
        job.signals.finished.connect(lambda _result: self._confirmed())
        job.signals.failed.connect(self._refused)
        return job

    def _checking(self, busy: bool) -> None:
        self.password.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)

    def _confirmed(self) -> None:
        self.check = None
        self._checking(False)
        self.password.clear()
        self.message.clear_message()
        self.unlocked.emit()

    def _refused(self, error: BaseException) -> None:
        self.check = None
        self._checking(False)
        self.password.clear()
        self.message.show_error(describe(error, beside_field=True))  # the only field here
        self.password.setFocus()
