"""Trusting a server's SSH host key, and the warning when a pinned key has changed.

First contact: the server's key is shown (host, port, key type, SHA256 fingerprint) with what it
means in plain words; "Trust this key" pins it through `ServerService.accept_host_key`, which
reads the key again and pins it only if it is still the one shown. Cancel is the default.

A changed key is a warning, never a button press away from being trusted: like the CLI
(`penguin server accept-host-key NAME SHA256:...`), replacing the pinned key needs the new
fingerprint typed in after checking it on the server's own console.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.core.servers.ssh.fingerprints import normalize_fingerprint
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.inline_message import InlineMessage

if TYPE_CHECKING:  # paramiko is not loaded at start-up
    from penguin_desktop.core.servers.ssh.client import HostKey

CHECK_ON_CONSOLE = "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"
MONO_STYLE = (
    'font-family: "DejaVu Sans Mono", "Menlo", "Consolas", monospace; '
    "background: #f8fafc; border: 1px solid #e2e8f0; border-radius: 4px; padding: 4px 6px;"
)


def monospace(widget: QWidget) -> None:
    """Fingerprints and logs read in a fixed-width font (the theme sets sizes, not families);
    the style is scoped to the widget's own class so its scroll bars keep theirs."""
    widget.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    widget.setStyleSheet(f"{widget.metaObject().className()} {{ {MONO_STYLE} }}")


def short_fingerprint(value: str | None) -> str:
    """`SHA256:AbCdEf…wXyZ` for a table cell."""
    if not value:
        return ""
    body = value.removeprefix("SHA256:")
    return f"SHA256:{body[:8]}…{body[-4:]}" if len(body) > 14 else value


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


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldCaption")
    return label


def _value(text: str, mono: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    if mono:
        monospace(label)
    return label


def _copy_button(text: Callable[[], str], tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon("copy", theme.ICON))
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    button.clicked.connect(lambda: QGuiApplication.clipboard().setText(text()))
    return button


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
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.host = _value(offer.host)
        self.port = _value(str(offer.port))
        self.key_type = _value(offer.key_type or "checking…")
        self.fingerprint = _value(offer.fingerprint, mono=True)
        self.fingerprint.setObjectName("hostKeyFingerprint")
        rows = (
            ("Server", _value(f"{offer.server} (workspace {offer.workspace})")),
            ("Host", self.host),
            ("Port", self.port),
            ("Key type", self.key_type),
        )
        for row, (name, widget) in enumerate(rows):
            grid.addWidget(_caption(name), row, 0)
            grid.addWidget(widget, row, 1, 1, 2)
        grid.addWidget(_caption("Fingerprint"), len(rows), 0)
        grid.addWidget(self.fingerprint, len(rows), 1)
        copy = _copy_button(lambda: self.offer.fingerprint, "Copy the fingerprint")
        grid.addWidget(copy, len(rows), 2)
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)
        self.message = InlineMessage()
        outer.addWidget(self.message)
        outer.addStretch(1)
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
        outer.addWidget(self.buttons)
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
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        self.pinned_label = _value(self.pinned, mono=True)
        self.offered_label = _value(offered, mono=True)
        grid.addWidget(_caption("Trusted (pinned)"), 0, 0)
        grid.addWidget(self.pinned_label, 0, 1)
        grid.addWidget(_caption("Presented now"), 1, 0)
        grid.addWidget(self.offered_label, 1, 1)
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid)
        how = QLabel(
            "<b>Only if you know why it changed</b>: read the new fingerprint on the server's "
            f"own console (<code>{CHECK_ON_CONSOLE}</code>) and type it here. This is the same "
            f"as <code>penguin server accept-host-key {info.name} SHA256:...</code>."
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
