"""The row of counts at the top of the Home page: how many servers and domains, how many in
each status, how many alerts are open. Each count is one painted widget, its number in the
status's colour when it is not zero (a red "0 critical" would be noise)."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from penguin_desktop.core.monitoring.models import Dashboard, Status
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.shell import theme

PAD_X = 14
PAD_Y = 10
ROOMY = 112  # a count's width under which its caption would be cut
ZERO = "#b8c2cf"  # a zero count: there, but nothing to see


class StatCard(QWidget):
    """A number over its caption; with a `color`, a dot of it, and the number in it when not
    zero."""

    def __init__(self, caption: str, color: str | None = None) -> None:
        super().__init__()
        self.caption = caption
        self.value = 0
        self.color = color
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.set_value(0)

    def set_value(self, value: int) -> None:
        self.value = value
        self.setAccessibleName(f"{value} {self.caption}")
        self.update()

    def _fonts(self) -> tuple[QFont, QFont]:
        base = self.font()
        return st.scaled_font(base, 1.7, QFont.Weight.DemiBold), st.scaled_font(base, 0.92)

    def sizeHint(self) -> QSize:
        number, caption = (QFontMetrics(f) for f in self._fonts())
        width = max(number.horizontalAdvance("0000"), caption.horizontalAdvance(self.caption))
        return QSize(width + 2 * PAD_X + 14, number.height() + caption.height() + 2 * PAD_Y)

    def minimumSizeHint(self) -> QSize:
        return QSize(64, self.sizeHint().height())  # eight fit the narrowest window

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outline = QPainterPath()
        outline.addRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
        painter.fillPath(outline, QColor("#ffffff"))
        painter.setPen(QPen(QColor(st.BORDER), 1))
        painter.drawPath(outline)
        number_font, caption_font = self._fonts()
        number = QFontMetrics(number_font)
        color = self.color or st.TEXT
        if self.color is not None and not self.value:
            color = ZERO
        painter.setFont(number_font)
        painter.setPen(QColor(color))
        painter.drawText(QPointF(PAD_X, PAD_Y + number.ascent()), f"{self.value:,}")
        caption = QFontMetrics(caption_font)
        baseline = PAD_Y + number.height() + caption.ascent()
        x = PAD_X
        if self.color is not None:
            dot = caption.ascent() * 0.55
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(self.color))
            painter.drawEllipse(QRectF(x, baseline - caption.ascent() / 2 - dot / 2, dot, dot))
            x += int(dot) + 6
        painter.setFont(caption_font)
        painter.setPen(QColor(theme.MUTED))
        room = self.width() - x - PAD_X
        text = caption.elidedText(self.caption, Qt.TextElideMode.ElideRight, room)
        painter.drawText(QPointF(x, baseline), text)
        painter.end()


class SummaryRow(QWidget):
    """The eight counts in one row, or two rows of four where one row would cut the captions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(10)
        self.servers = StatCard("Servers")
        self.domains = StatCard("Domains")
        self.statuses = {
            status: StatCard(st.WORDS[status], st.ACCENTS[status])
            for status in (Status.OK, Status.WARNING, Status.CRITICAL, Status.UNKNOWN, None)
        }
        self.alerts = StatCard("Open alerts", theme.DANGER)
        self.cards = (self.servers, self.domains, *self.statuses.values(), self.alerts)
        self._columns = 0
        self._arrange(len(self.cards))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= len(self.cards) * ROOMY
        self._arrange(len(self.cards) if wide else len(self.cards) // 2)

    def _arrange(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(card, i // columns, i % columns)

    def show_counts(self, dashboard: Dashboard) -> None:
        kinds = Counter(t.target_type for t in dashboard.tiles)
        statuses = Counter(t.status for t in dashboard.tiles)
        self.servers.set_value(kinds["server"])
        self.domains.set_value(kinds["domain"])
        for status, card in self.statuses.items():
            card.set_value(statuses[status])
        self.alerts.set_value(len(dashboard.open_alerts))
