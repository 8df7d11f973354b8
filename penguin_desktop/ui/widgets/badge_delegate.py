"""Paints a column's text as a coloured pill (status badges in tables, e.g. "Rotation due")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from penguin_desktop.ui.widgets.list_model import ROW_OBJECT_ROLE


@dataclass(frozen=True)
class BadgeStyle:
    background: str
    border: str
    text: str


WARNING = BadgeStyle("#fef3c7", "#fcd34d", "#92400e")
DANGER = BadgeStyle("#fee2e2", "#fca5a5", "#991b1b")


class BadgeDelegate(QStyledItemDelegate):
    """Rows for which `style_for(row_object)` gives a style get their text drawn as a badge;
    the others are drawn as plain text."""

    def __init__(
        self, style_for: Callable[[object], BadgeStyle | None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._style_for = style_for

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        style = self._style_for(index.data(ROW_OBJECT_ROLE))
        if style is None:
            super().paint(painter, option, index)
            return
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        widget = option.widget  # type: ignore[attr-defined]
        qstyle = widget.style() if widget is not None else None
        if qstyle is not None:
            qstyle.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = option.font  # type: ignore[attr-defined]
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        rect = option.rect  # type: ignore[attr-defined]
        width = metrics.horizontalAdvance(text) + 18
        height = metrics.height() + 6
        pill = QRectF(rect.left() + 8, rect.center().y() - height / 2 + 0.5, width, height)
        painter.setPen(QPen(QColor(style.border), 1))
        painter.setBrush(QColor(style.background))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(style.text))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
