"""What the host-key dialogs (and the server pages) show a fingerprint with: a fixed-width
font, a caption, a selectable value and a copy button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon

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


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldCaption")
    return label


def value_label(text: str, mono: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    if mono:
        monospace(label)
    return label


def copy_button(text: Callable[[], str], tip: str) -> QToolButton:
    button = QToolButton()
    button.setIcon(icon("copy", theme.ICON))
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setAutoRaise(True)
    button.clicked.connect(lambda: QGuiApplication.clipboard().setText(text()))
    return button
