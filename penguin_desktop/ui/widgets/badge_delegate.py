"""Paints a column's text as a coloured pill (status badges in tables, e.g. "Rotation due")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from penguin_desktop.ui.widgets.list_model import ROW_OBJECT_ROLE
from penguin_desktop.ui.widgets.table_columns import full_text_tip, show_tip

Index = QModelIndex | QPersistentModelIndex
INSET = 8  # between the cell's edge and the pill
PADDING = 18  # the pill's width beyond its text


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

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """Room for the whole pill, so a column sized to its content shows every badge."""
        hint = super().sizeHint(option, index)
        if self._style_for(index.data(ROW_OBJECT_ROLE)) is None:
            return hint
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        metrics = QFontMetrics(_badge_font(option.font))
        return QSize(max(hint.width(), _pill_width(metrics, text) + 2 * INSET), hint.height())

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event is None or event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        cut = self.sizeHint(option, index).width() > option.rect.width()
        return show_tip(event, view, full_text_tip(index, cut))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        style = self._style_for(index.data(ROW_OBJECT_ROLE))
        if style is None:
            super().paint(painter, option, index)
            return
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        plain = QStyleOptionViewItem(option)
        self.initStyleOption(plain, index)
        plain.text = ""
        widget = option.widget
        qstyle = widget.style() if widget is not None else None
        if qstyle is not None:
            qstyle.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, widget)
        painter.save()
        painter.setClipRect(option.rect)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(_badge_font(option.font))
        metrics = painter.fontMetrics()
        rect = option.rect
        full = _pill_width(metrics, text)
        width = min(full, rect.width() - 2 * INSET)
        shown = (
            text
            if width == full
            else metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - PADDING)
        )
        height = metrics.height() + 6
        pill = QRectF(rect.left() + INSET, rect.center().y() - height / 2 + 0.5, width, height)
        painter.setPen(QPen(QColor(style.border), 1))
        painter.setBrush(QColor(style.background))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(style.text))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, shown)
        painter.restore()


def _badge_font(font: QFont) -> QFont:
    badge = QFont(font)
    badge.setPointSizeF(max(font.pointSizeF() - 1, 7))
    badge.setBold(True)
    return badge


def _pill_width(metrics: QFontMetrics, text: str) -> int:
    return metrics.horizontalAdvance(text) + PADDING
