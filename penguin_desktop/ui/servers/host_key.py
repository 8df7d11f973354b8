"""Trusting a server's SSH host key on first contact.

The server's key is shown (host, port, key type, SHA256 fingerprint) with what it means in plain
words; "Trust this key" pins it through `ServerService.accept_host_key`, which reads the key
again and pins it only if it is still the one shown. Cancel is the default.

A changed key is a warning (`host_key_changed`). The fingerprint helpers are in `host_key_view`;
this module names them and the warning too, as the server pages import them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.servers.host_key_changed import HostKeyChangedDialog
from penguin_desktop.ui.servers.host_key_view import (
    CHECK_ON_CONSOLE,
    caption,
    copy_button,
    monospace,
    short_fingerprint,
    value_label,
)
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:  # paramiko is not loaded at start-up
    from penguin_desktop.core.servers.ssh.client import HostKey

__all__ = [
    "HostKeyChangedDialog",
    "HostKeyDialog",
    "HostKeyOffer",
    "monospace",
    "short_fingerprint",
]


@dataclass(frozen=True)
class HostKeyOffer:
    """A host key a server presented, waiting for the user's decision."""

    workspace: str
    server: str
    host: str
    port: int
    fingerprint: str
    key_type: str | None = None

    @classmethod
    def of(cls, info: ServerInfo, fingerprint: str | None = None) -> HostKeyOffer:
        return cls(
            info.workspace,
            info.name,
            info.ip,
            info.ssh_port,
            fingerprint or info.offered_fingerprint or "",
        )


class HostKeyDialog(QDialog):
    """First contact with a server: trust the key it presents, or cancel (the default)."""

    def __init__(self, state: AppState, offer: HostKeyOffer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.offer = state, offer
        self.setObjectName("hostKeyDialog")
        self.setWindowTitle(f"Trust the host key of {offer.server}?")
        self.setMinimumWidth(580)
        self.result_value: ServerInfo | None = None
        self.job: Job | None = None
        self.probe: Job | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        self._build_explanation(outer)
        outer.addLayout(self._build_key())
        self.message = InlineMessage()
        outer.addWidget(self.message)
        outer.addStretch(1)
        outer.addWidget(self._build_buttons())
        ws = next((w for w in state.workspaces if w.name == offer.workspace), None)
        self.allowed = (
            ws is not None and not ws.archived and state.can(Permission.SERVER_MANAGE, ws)
        )
        if not offer.fingerprint:
            # Not read when the server was recorded (a new VPS still booting): read it now.
            self.trust_button.setEnabled(False)
            self.fingerprint.setText("reading…")
        elif not self.allowed:
            self.trust_button.setEnabled(False)
            self.trust_button.setToolTip("Only admins and owners trust host keys")
            self.message.show_info(
                "Only admins and owners of the workspace trust host keys: ask one of them."
            )
        self.cancel_button.setFocus()
        if offer.key_type is None or not offer.fingerprint:
            self._read_key_type()

    def _build_explanation(self, outer: QVBoxLayout) -> None:
        """The question, and how to answer it."""
        offer = self.offer
        head = QHBoxLayout()
        picture = QLabel()
        picture.setPixmap(icon("shield", theme.ACCENT).pixmap(QSize(30, 30)))
        head.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"Is this really {offer.server}?")
        title.setObjectName("dialogTitle")
        head.addWidget(title, 1)
        outer.addLayout(head)
        intro = QLabel(
            f"This is the first time PenguinMails connects to {offer.server}. Every SSH server "
            "proves who it is with a host key, shown below as a fingerprint. Compare it with the "
            "fingerprint the server itself shows: on its console run "
            f"<code>{CHECK_ON_CONSOLE}</code>, or look in your provider's control panel."
            "<br><br>If they match, trust it: from then on PenguinMails talks to this server only "
            "while it presents this very key, and refuses (sending nothing) if it ever changes. "
            "If you cannot check now, cancel: nothing has been sent to the server, and you can "
            "trust it later from the Servers page."
        )
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        outer.addWidget(intro)

    def _build_key(self) -> QGridLayout:
        """Where the key comes from and its fingerprint, with a copy button."""
        offer = self.offer
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.host = value_label(offer.host)
        self.port = value_label(str(offer.port))
        self.key_type = value_label(offer.key_type or "checking…")
        self.fingerprint = value_label(offer.fingerprint, mono=True)
        self.fingerprint.setObjectName("hostKeyFingerprint")
        rows = (
            ("Server", value_label(f"{offer.server} (workspace {offer.workspace})")),
            ("Host", self.host),
            ("Port", self.port),
            ("Key type", self.key_type),
        )
        for row, (name, widget) in enumerate(rows):
            grid.addWidget(caption(name), row, 0)
            grid.addWidget(widget, row, 1, 1, 2)
        grid.addWidget(caption("Fingerprint"), len(rows), 0)
        grid.addWidget(self.fingerprint, len(rows), 1)
        copy = copy_button(lambda: self.offer.fingerprint, "Copy the fingerprint")
        grid.addWidget(copy, len(rows), 2)
        grid.setColumnStretch(1, 1)
        return grid

    def _build_buttons(self) -> QDialogButtonBox:
        self.buttons = QDialogButtonBox()
        self.trust_button = QPushButton("&Trust this key")
        self.trust_button.setAutoDefault(False)  # Cancel is the default, and looks it
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setDefault(True)
        self.cancel_button.setAutoDefault(True)
        self.buttons.addButton(self.trust_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.trust_button.clicked.connect(self.trust)
        self.cancel_button.clicked.connect(self.reject)
        return self.buttons

    def _read_key_type(self) -> None:
        servers, actor, offer = self.state.container.servers, self.state.actor, self.offer
        self.probe = self.state.runner.start(
            f"Reading the host key of {offer.server}",
            lambda _ctx: servers.read_host_key(actor, offer.server, offer.workspace),
        )
        self.probe.signals.finished.connect(self._key_read)
        self.probe.signals.failed.connect(self._not_read)

    def _not_read(self, error: BaseException) -> None:
        self.key_type.setText("unknown")
        if not self.offer.fingerprint:
            self.fingerprint.setText("not readable")
            self.message.show_error(error)

    def _key_read(self, found: HostKey) -> None:
        kind, presented = found.key_type, found.fingerprint
        if not self.offer.fingerprint:  # nothing shown before: this is the key to compare
            self.offer = replace(self.offer, fingerprint=presented, key_type=kind)
            self.fingerprint.setText(presented)
            self.key_type.setText(kind)
            self.trust_button.setEnabled(self.allowed)
            return
        if presented == self.offer.fingerprint:
            self.key_type.setText(kind)
            return
        self.key_type.setText("unknown")
        self.trust_button.setEnabled(False)
        self.message.show_error(
            f"The server now presents a different key ({presented}) than the one shown here. "
            "Cancel, and check the server before trusting anything."
        )

    def trust(self) -> Job | None:
        if self.job is not None or not self.trust_button.isEnabled():
            return None
        servers, actor, offer = self.state.container.servers, self.state.actor, self.offer
        self.message.show_info("Reading the key again and pinning it…")
        self.trust_button.setEnabled(False)
        job = self.state.runner.start(
            f"Trusting the host key of {offer.server}",
            lambda _ctx: servers.accept_host_key(
                actor, offer.server, offer.fingerprint, offer.workspace
            ),
        )
        self.job = job
        job.signals.finished.connect(self._trusted)
        job.signals.failed.connect(self._failed)
        return job

    def _trusted(self, info: ServerInfo) -> None:
        self.job = None
        self.result_value = info
        self.state.notify(f"Host key of {info.name} pinned: {info.host_key_fingerprint}")
        if self.isVisible():
            self.accept()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self.message.show_error(error)
        self.trust_button.setEnabled(self.allowed)
        self.cancel_button.setFocus()
