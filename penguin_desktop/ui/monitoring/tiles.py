"""Status tiles: one painted widget per server or domain, in a grid that flows with the width.

A tile paints its text instead of holding labels: the Home page may show 700 of them, and a few
thousand styled QLabels cost far more to create and polish than one widget each. Tiles are
kept across refreshes (see `workspaces`), so a refresh mostly repaints.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from penguin_desktop.core.monitoring.models import Tile, Uptime
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon

GAP = 10  # between tiles
MIN_WIDTH = 232  # a tile's narrowest; tiles widen to fill a row
PAD = 11  # inside a tile
EDGE = 4  # the status-coloured strip on a tile's left
ACTIVATE_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Select)
TYPE_WORDS = {"server": "Server", "domain": "Domain"}
TYPE_ICONS = {"server": "server", "domain": "globe"}


def percent(value: float | None) -> str:
    """Uptime as people quote it: at most two decimals, never rounded up to 100%."""
    if value is None:
        return "—"
    floored = math.floor(value * 100) / 100
    return f"{floored:.2f}".rstrip("0").rstrip(".") + "%"


def uptime_spans(uptime: Uptime) -> tuple[str, str, str]:
    return (
        f"24h {percent(uptime.day)}",
        f"7d {percent(uptime.week)}",
        f"30d {percent(uptime.month)}",
    )


def uptime_text(uptime: Uptime) -> str:
    return ", ".join(uptime_spans(uptime))


def alerts_text(count: int) -> str:
    return f"{count} open alert{'' if count == 1 else 's'}" if count else ""


def wrap_elided(metrics: QFontMetrics, text: str, width: int, lines: int) -> list[str]:
    """`text` word-wrapped into at most `lines` lines of `width`, the last one elided."""
    words = text.split()
    out: list[str] = []
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        if metrics.horizontalAdvance(line) > width:  # one long word (a host name): cut it
            words.insert(0, line)
            break
        out.append(line)
    if words:
        out.append(metrics.elidedText(" ".join(words), Qt.TextElideMode.ElideRight, width))
    return out


def tile_height(font: QFont) -> int:
    """The name, the status line, two lines of summary and the uptime line."""
    line = QFontMetrics(font).lineSpacing()
    small = QFontMetrics(st.scaled_font(font, 0.9)).lineSpacing()
    name = QFontMetrics(st.scaled_font(font, 1.05, QFont.Weight.DemiBold)).lineSpacing()
    pill = st.pill_size(QFontMetrics(st.pill_font(font)), "X").height()
    return 2 * PAD + name + 6 + max(pill, small) + 6 + 2 * line + 6 + small


class StatusTile(QWidget):
    """One server or domain: clicking it, or Enter/Space when focused, emits `chosen(Tile)`."""

    chosen = Signal(object)

    def __init__(self, tile: Tile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)  # repaints on hover, for the border
        self.tile = tile
        self._describe()

    def set_tile(self, tile: Tile) -> None:
        if tile != self.tile:
            self.tile = tile
            self._describe()
            self.update()

    def _describe(self) -> None:
        """Tooltip and accessible text: the full words the painting may elide."""
        t = self.tile
        kind = TYPE_WORDS.get(t.target_type, t.target_type)
        word = st.WORDS[t.status]
        self.setAccessibleName(f"{t.target}, {kind.lower()}, {word.lower()}")
        extra = f"\n{alerts_text(t.open_alerts)}" if t.open_alerts else ""
        self.setAccessibleDescription(f"{t.summary}. Uptime {uptime_text(t.uptime)}")
        self.setToolTip(
            f"{t.target} ({kind.lower()}, {t.workspace}): {word}\n{t.summary}\n"
            f"Uptime {uptime_text(t.uptime)}{extra}\nClick or press Enter to open"
        )

    # --- input --------------------------------------------------------------------------------
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.chosen.emit(self.tile)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in ACTIVATE_KEYS and not event.isAutoRepeat():
            self.chosen.emit(self.tile)
            event.accept()
            return
        super().keyPressEvent(event)

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_frame(painter)
        right = self.width() - PAD
        left = EDGE + PAD
        y = self._paint_head(painter, left, right)
        y = self._paint_kind(painter, left, right, y)
        self._paint_body(painter, left, right, y)
        painter.end()

    def _paint_frame(self, painter: QPainter) -> None:
        """White card, the status colour down its left edge, blue when focused."""
        outline = QPainterPath()
        outline.addRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.fillPath(outline, QColor("#ffffff"))
        painter.save()
        painter.setClipPath(outline)
        painter.fillRect(QRectF(0, 0, EDGE, self.height()), QColor(st.ACCENTS[self.tile.status]))
        painter.restore()
        focused = self.hasFocus()
        border = theme.ACCENT if focused else ("#94a3b8" if self.underMouse() else st.BORDER)
        painter.setPen(QPen(QColor(border), 2 if focused else 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(outline)

    def _paint_head(self, painter: QPainter, left: int, right: int) -> int:
        """The type's icon and the name, the whole width for it; returns the y below."""
        font = st.scaled_font(self.font(), 1.05, QFont.Weight.DemiBold)
        metrics = QFontMetrics(font)
        line = metrics.lineSpacing()
        glyph = min(line, 18)
        kind_icon = icon(TYPE_ICONS.get(self.tile.target_type, "empty"), theme.ICON)
        kind_icon.paint(painter, QRect(left, PAD + (line - glyph) // 2, glyph, glyph))
        painter.setFont(font)
        painter.setPen(QColor(st.TEXT))
        x = left + glyph + 6
        name = metrics.elidedText(self.tile.target, Qt.TextElideMode.ElideMiddle, right - x)
        painter.drawText(QPointF(x, PAD + metrics.ascent()), name)
        return PAD + line + 6

    def _paint_kind(self, painter: QPainter, left: int, right: int, y: int) -> int:
        """The status pill, "Server" or "Domain", and the open alerts in red if any."""
        word = st.WORDS[self.tile.status]
        pill_font = st.pill_font(self.font())
        pill = st.pill_size(QFontMetrics(pill_font), word)
        small = st.scaled_font(self.font(), 0.9)
        metrics = QFontMetrics(small)
        height = max(pill.height(), metrics.lineSpacing())
        painter.setFont(pill_font)
        pill_rect = QRectF(left, y + (height - pill.height()) / 2, pill.width(), pill.height())
        st.draw_pill(painter, pill_rect, word, st.STYLES[self.tile.status])
        baseline = y + (height - metrics.height()) / 2 + metrics.ascent()
        painter.setFont(small)
        painter.setPen(QColor(theme.MUTED))
        kind = TYPE_WORDS.get(self.tile.target_type, self.tile.target_type)
        painter.drawText(QPointF(pill_rect.right() + 8, baseline), kind)
        alerts = alerts_text(self.tile.open_alerts)
        if alerts:
            painter.setFont(st.scaled_font(self.font(), 0.9, QFont.Weight.DemiBold))
            painter.setPen(QColor(theme.DANGER))
            width = painter.fontMetrics().horizontalAdvance(alerts)
            painter.drawText(QPointF(right - width, baseline), alerts)
        return y + height + 6

    def _paint_body(self, painter: QPainter, left: int, right: int, y: int) -> None:
        """Two lines of summary, then the three uptimes spread along the bottom."""
        base = self.font()
        metrics = QFontMetrics(base)
        painter.setFont(base)
        painter.setPen(QColor("#334155"))
        for line in wrap_elided(metrics, self.tile.summary, right - left, 2):
            painter.drawText(QPointF(left, y + metrics.ascent()), line)
            y += metrics.lineSpacing()
        small = st.scaled_font(base, 0.9)
        small_metrics = QFontMetrics(small)
        painter.setFont(small)
        painter.setPen(QColor(theme.MUTED))
        bottom = self.height() - PAD - small_metrics.descent()
        spans = uptime_spans(self.tile.uptime)
        widths = [small_metrics.horizontalAdvance(span) for span in spans]
        if sum(widths) + 12 <= right - left:  # justified: first left, last right, one between
            middle = (left + widths[0] + right - widths[2] - widths[1]) // 2
            for span, x in zip(spans, (left, middle, right - widths[2]), strict=True):
                painter.drawText(QPointF(x, bottom), span)
            return
        x = left  # too narrow: one after the other, what does not fit is cut
        for span, width in zip(spans, widths, strict=True):
            shown = small_metrics.elidedText(span, Qt.TextElideMode.ElideRight, right - x)
            painter.drawText(QPointF(x, bottom), shown)
            x += width + 8


class TileGrid(QWidget):
    """Tiles in rows that fill the width: as many columns of at least `MIN_WIDTH` as fit,
    stretched to share the row. Its height follows its width, which the scroll area honours."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setCursor(Qt.CursorShape.PointingHandCursor)  # the tiles inherit it
        self.tiles: list[StatusTile] = []
        self._height: tuple[QFont, int] | None = None

    def set_tiles(self, tiles: list[StatusTile]) -> None:
        """Show `tiles` in this order (tiles not passed are the caller's to delete)."""
        visible = self.isVisible()
        for tile in tiles:
            if tile.parentWidget() is not self:
                tile.setParent(self)
            if visible and tile.isHidden():  # else it shows with the grid
                tile.show()
        self.tiles = tiles
        self.updateGeometry()
        self._place(self.width())

    def _row_height(self) -> int:
        self.ensurePolished()  # the theme's font decides the height
        font = self.font()
        if self._height is None or self._height[0] != font:
            self._height = (font, tile_height(font))
        return self._height[1]

    @staticmethod
    def _columns(width: int) -> int:
        return max(1, (width + GAP) // (MIN_WIDTH + GAP))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if not self.tiles:
            return 0
        rows = math.ceil(len(self.tiles) / self._columns(width))
        return rows * self._row_height() + (rows - 1) * GAP

    def sizeHint(self) -> QSize:
        width = 4 * MIN_WIDTH + 3 * GAP
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, self._row_height() if self.tiles else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place(event.size().width())

    def _place(self, width: int) -> None:
        columns = self._columns(width)
        tile_width = max(MIN_WIDTH, (width - (columns - 1) * GAP) // columns)
        height = self._row_height()
        for i, tile in enumerate(self.tiles):
            row, column = divmod(i, columns)
            tile.setGeometry(column * (tile_width + GAP), row * (height + GAP), tile_width, height)


def discard(widget: QWidget) -> None:
    """Take `widget` out of the page at once (finders and layouts no longer see it) and let
    Qt delete it when control returns to the event loop."""
    widget.hide()
    widget.setParent(None)
    widget.deleteLater()
