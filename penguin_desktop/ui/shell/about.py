"""About PenguinMails: which program, on which Qt and Python, over which data and database.

What support asks first when something goes wrong, shown where a user finds it (Settings, and
F1 anywhere in the window) and selectable, so it can be pasted into a message. The database is
named without its password.
"""

from __future__ import annotations

import platform

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop import __version__
from penguin_desktop.container import Container
from penguin_desktop.ui.shell.resources import app_icon


def about_facts(container: Container) -> list[tuple[str, str]]:
    """The dialog's rows, in order: label and value."""
    revision = container.db.schema_revision() or "none"
    return [
        ("Version", __version__),
        ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Data folder", str(container.settings.data_dir)),
        ("Database", container.db.where()),
        ("Schema revision", revision),
    ]


class AboutDialog(QDialog):
    def __init__(self, container: Container, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formDialog")
        self.setWindowTitle("About PenguinMails")
        self.setMinimumWidth(520)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)

        top = QHBoxLayout()
        top.setSpacing(14)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(48, 48))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        heading = QLabel("PenguinMails Desktop")
        heading.setObjectName("dialogTitle")
        intro = QLabel("Self-hosted console for cold-email infrastructure agencies.")
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)
        titles.addWidget(heading)
        titles.addWidget(intro)
        top.addWidget(logo)
        top.addLayout(titles, 1)
        outer.addLayout(top)

        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        self.values: dict[str, QLabel] = {}
        for label, value in about_facts(container):
            shown = QLabel(value)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[label] = shown
            form.addRow(f"{label}:", shown)
        outer.addLayout(form)

        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = QPushButton("Close")
        self.close_button.setProperty("primary", True)
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self.accept)
        row.addWidget(self.close_button)
        outer.addLayout(row)
