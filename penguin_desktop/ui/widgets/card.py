"""A titled white panel grouping related controls (settings sections, forms)."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class Card(QFrame):
    def __init__(self, title: str, description: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 14, 18, 16)
        self.layout_.setSpacing(10)
        heading = QLabel(title)
        heading.setObjectName("cardTitle")
        self.layout_.addWidget(heading)
        self.description = QLabel(description)
        self.description.setObjectName("cardDescription")
        self.description.setWordWrap(True)
        self.description.setVisible(bool(description))
        self.layout_.addWidget(self.description)

    def set_description(self, text: str) -> None:
        self.description.setText(text)
        self.description.setVisible(bool(text))

    def add(self, widget: QWidget, stretch: int = 0) -> None:
        self.layout_.addWidget(widget, stretch)
