"""Desktop notifications through the system tray, where the desktop has one; elsewhere the
status bar and Home's badge are the whole story."""

from __future__ import annotations

from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from penguin_desktop.ui.shell.resources import app_icon


def notify_desktop(window: QWidget, title: str, text: str) -> bool:
    """Show `text` as a desktop notification; False when the desktop has no tray."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return False
    tray = window.findChild(QSystemTrayIcon)
    if tray is None:
        tray = QSystemTrayIcon(app_icon(), window)
        tray.setToolTip("PenguinMails Desktop")
        tray.show()
    tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 10_000)
    return True
