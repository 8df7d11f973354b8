"""Colours shared by the QSS theme and code that tints icons, kept in one place so they agree."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from penguin_desktop.ui.shell.resources import app_icon, stylesheet

ACCENT = "#2563eb"
MUTED = "#64748b"
ICON = "#475569"
SIDEBAR_ICON = "#94a3b8"
SIDEBAR_ICON_ACTIVE = "#ffffff"
DANGER = "#dc2626"
SUCCESS = "#16a34a"


def apply(app: QApplication) -> None:
    """Fusion style (identical on every platform) under our stylesheet, plus the app icon."""
    app.setStyle("Fusion")
    app.setStyleSheet(stylesheet())
    app.setWindowIcon(app_icon())
