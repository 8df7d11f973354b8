"""The warning when a server's pinned host key has changed.

Never a button press away from trusting the new key: like the CLI
(`penguin server accept-host-key NAME SHA256:...`), replacing the pinned key needs the new
fingerprint typed in after checking it on the server's own console.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.core.servers.ssh.fingerprints import normalize_fingerprint
from penguin_desktop.ui.servers.host_key_view import (
    CHECK_ON_CONSOLE,
    caption,
    monospace,
    value_label,
)
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.inline_message import InlineMessage


class HostKeyChangedDialog(QDialog):
    """The pinned key and the one now presented differ: a warning, nothing was sent. The only
    way on is the CLI's: type the new fingerprint after checking it on the server's console."""

    def __init__(
        self,
        state: AppState,
        info: ServerInfo,
        offered: str,
        pinned: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state, self.info, self.offered = state, info, offered
        self.pinned = pinned or info.host_key_fingerprint or ""
        self.setObjectName("hostKeyChangedDialog")
        self.setWindowTitle(f"WARNING: the host key of {info.name} has changed")
        self.setMinimumWidth(620)
        self.result_value: ServerInfo | None = None
        self.job: Job | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        self._build_warning(outer)
        outer.addLayout(self._build_keys())
        self._build_replace(outer)
        self.message = InlineMessage()
        outer.addWidget(self.message)
        outer.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        assert close is not None
        self.close_button: QPushButton = close
        self.close_button.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        ws = next((w for w in state.workspaces if w.name == info.workspace), None)
        self.allowed = (
            ws is not None and not ws.archived and state.can(Permission.SERVER_MANAGE, ws)
        )
        if not self.allowed:
            self.typed.setEnabled(False)
            self.replace_button.setToolTip("Only admins and owners trust host keys")
            self.message.show_info(
                "Only admins and owners of the workspace can replace a pinned key."
            )
        self.typed.textChanged.connect(self._typed_changed)
        self.typed.returnPressed.connect(self.replace)
        self.replace_button.clicked.connect(self.replace)
        self.close_button.setFocus()

    def _build_warning(self, outer: QVBoxLayout) -> None:
        """The red heading and what the change may mean."""
        info = self.info
        head = QHBoxLayout()
        picture = QLabel()
        picture.setPixmap(icon("warning", theme.DANGER).pixmap(QSize(34, 34)))
        head.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"The host key of {info.name} has CHANGED")
        title.setObjectName("dialogTitle")
        title.setStyleSheet(f"color: {theme.DANGER};")
        head.addWidget(title, 1)
        outer.addLayout(head)
        for paragraph in (
            f"{info.ip}:{info.ssh_port} presented a different host key than the one you trusted. "
            "PenguinMails refused the connection and sent nothing: no login, no command, no "
            "file.",
            "Either the server was reinstalled or its SSH keys were regenerated, <b>or someone "
            "is intercepting the connection</b>. Do not go on until you know which.",
        ):
            text = QLabel(paragraph)
            text.setObjectName("dialogIntro")
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setWordWrap(True)
            outer.addWidget(text)

    def _build_keys(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.pinned_label = value_label(self.pinned, mono=True)
        self.offered_label = value_label(self.offered, mono=True)
        grid.addWidget(caption("Trusted (pinned)"), 0, 0)
        grid.addWidget(self.pinned_label, 0, 1)
        grid.addWidget(caption("Presented now"), 1, 0)
        grid.addWidget(self.offered_label, 1, 1)
        grid.setColumnStretch(1, 1)
        return grid

    def _build_replace(self, outer: QVBoxLayout) -> None:
        """How to go on, and the field for the fingerprint checked on the server."""
        how = QLabel(
            "<b>Only if you know why it changed</b>: read the new fingerprint on the server's "
            f"own console (<code>{CHECK_ON_CONSOLE}</code>) and type it here. This is the same "
            f"as <code>penguin server accept-host-key {self.info.name} SHA256:...</code>."
        )
        how.setTextFormat(Qt.TextFormat.RichText)
        how.setWordWrap(True)
        outer.addWidget(how)
        row = QHBoxLayout()
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("SHA256:… as the server's console shows it")
        self.typed.setAccessibleName("New fingerprint, checked on the server's console")
        monospace(self.typed)
        self.replace_button = QPushButton("Replace the pinned key")
        self.replace_button.setProperty("danger", True)
        self.replace_button.setStyleSheet(  # the theme has no disabled look for danger buttons
            "QPushButton:disabled { background: #fecaca; border-color: #fecaca; color: #ffffff; }"
        )
        self.replace_button.setAutoDefault(False)
        self.replace_button.setEnabled(False)
        row.addWidget(self.typed, 1)
        row.addWidget(self.replace_button)
        outer.addLayout(row)

    def _matches(self) -> bool:
        text = self.typed.text().strip()
        try:
            return normalize_fingerprint(text) == self.offered
        except PenguinError:
            return False

    def _typed_changed(self) -> None:
        ok = self._matches()
        self.replace_button.setEnabled(self.allowed and ok and self.job is None)
        if self.typed.text().strip() and not ok:
            self.message.show_error(
                "That is not the fingerprint the server presents now: do not replace the key."
            )
        else:
            self.message.clear_message()

    def replace(self) -> Job | None:
        if self.job is not None or not (self.allowed and self._matches()):
            return None
        servers, actor, info = self.state.container.servers, self.state.actor, self.info
        typed = self.typed.text().strip()
        self.replace_button.setEnabled(False)
        self.message.show_info("Reading the key again and pinning it…")
        job = self.state.runner.start(
            f"Replacing the host key of {info.name}",
            lambda _ctx: servers.accept_host_key(actor, info.name, typed, info.workspace),
        )
        self.job = job
        job.signals.finished.connect(self._replaced)
        job.signals.failed.connect(self._failed)
        return job

    def _replaced(self, info: ServerInfo) -> None:
        self.job = None
        self.result_value = info
        self.state.notify(f"Host key of {info.name} replaced: {info.host_key_fingerprint}")
        if self.isVisible():
            self.accept()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self.message.show_error(error)
        self.replace_button.setEnabled(self.allowed and self._matches())
