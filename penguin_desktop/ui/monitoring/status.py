"""How a status reads and looks on the Home page: its word, its colours, its rank, its pill.

Kept in one place so a tile, an alert's severity and the summary counts agree on what
"warning" looks like. The pill is painted rather than styled: the tiles paint themselves (see
`tiles`), and the same drawing serves the few labelled pills in the alert list.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from penguin_desktop.core.monitoring.models import Status
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeStyle

OK_STYLE = BadgeStyle("#dcfce7", "#86efac", "#166534")
UNKNOWN_STYLE = BadgeStyle("#f1f5f9", "#cbd5e1", "#475569")
NOT_CHECKED_STYLE = BadgeStyle("#ffffff", "#cbd5e1", theme.MUTED)  # hollow: nothing known yet

AMBER = "#d97706"
BORDER = "#e2e8f0"
TEXT = "#0f172a"

STYLES: dict[Status | None, BadgeStyle] = {
    Status.OK: OK_STYLE,
    Status.WARNING: WARNING,
    Status.CRITICAL: DANGER,
    Status.UNKNOWN: UNKNOWN_STYLE,
    None: NOT_CHECKED_STYLE,
}
WORDS: dict[Status | None, str] = {
    Status.OK: "OK",
    Status.WARNING: "Warning",
    Status.CRITICAL: "Critical",
    Status.UNKNOWN: "Unknown",
    None: "Not checked",
}
# The strong colour of each status: a tile's edge, a non-zero count.
ACCENTS: dict[Status | None, str] = {
    Status.OK: theme.SUCCESS,
    Status.WARNING: AMBER,
    Status.CRITICAL: theme.DANGER,
    Status.UNKNOWN: theme.MUTED,
    None: "#94a3b8",
}
# Worst first, so what needs a look leads each workspace; "not checked" sits between unknown
# and OK because nothing is known to be wrong yet.
_RANK: dict[Status | None, int] = {
    Status.CRITICAL: 0,
    Status.WARNING: 1,
    Status.UNKNOWN: 2,
    None: 3,
    Status.OK: 4,
}

PILL_PADDING = 16  # the pill's width beyond its text


def rank(status: Status | None) -> int:
    return _RANK[status]


def scaled_font(base: QFont, factor: float, weight: QFont.Weight | None = None) -> QFont:
    """`base` made `factor` times bigger: the theme sets sizes in pixels, a plain font in
    points, and the page must follow whichever the user's theme uses."""
    font = QFont(base)
    if font.pixelSize() > 0:
        font.setPixelSize(max(round(font.pixelSize() * factor), 8))
    else:
        font.setPointSizeF(max(font.pointSizeF() * factor, 6.0))
    if weight is not None:
        font.setWeight(weight)
    return font


def pill_font(base: QFont) -> QFont:
    return scaled_font(base, 0.85, QFont.Weight.DemiBold)


def pill_size(metrics: QFontMetrics, text: str) -> QSize:
    return QSize(metrics.horizontalAdvance(text) + PILL_PADDING, metrics.height() + 4)


def draw_pill(painter: QPainter, rect: QRectF, text: str, style: BadgeStyle) -> None:
    """A rounded badge filling `rect`; the painter's font must be the pill font."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(style.border), 1))
    painter.setBrush(QColor(style.background))
    radius = rect.height() / 2
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
    painter.setPen(QColor(style.text))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


class Pill(QWidget):
    """A status word as a coloured badge (an alert's severity in the alert list)."""

    def __init__(self, status: Status | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = status
        self.text = WORDS[status]
        self.setAccessibleName(self.text)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return pill_size(QFontMetrics(pill_font(self.font())), self.text)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setFont(pill_font(self.font()))
        draw_pill(painter, QRectF(self.rect()), self.text, STYLES[self.status])
        painter.end()
