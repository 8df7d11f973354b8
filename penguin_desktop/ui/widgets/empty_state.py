"""The panel shown instead of an empty table: what is missing and what to do next."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon


class EmptyState(QWidget):
    def __init__(
        self,
        title: str,
        body: str,
        action_text: str | None = None,
        icon_name: str = "empty",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(10)
        picture = QLabel()
        picture.setPixmap(icon(icon_name, theme.SIDEBAR_ICON).pixmap(QSize(56, 56)))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(title)
        self.title.setObjectName("emptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QLabel(body)
        self.body.setObjectName("emptyBody")
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setWordWrap(True)
        self.body.setFixedWidth(480)  # a fixed width lets the wrapped text get its full height
        layout.addWidget(picture)
        layout.addWidget(self.title)
        layout.addWidget(self.body, 0, Qt.AlignmentFlag.AlignHCenter)
        self.button = QPushButton(action_text or "")
        self.button.setProperty("primary", True)
        self.button.setVisible(action_text is not None)
        layout.addSpacing(6)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)

    def set_text(self, title: str, body: str) -> None:
        self.title.setText(title)
        self.body.setText(body)

    def set_action(self, text: str | None) -> None:
        """Show the call-to-action only when the user may take it."""
        self.button.setText(text or "")
        self.button.setVisible(text is not None)
