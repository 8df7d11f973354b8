"""The MRR movements chart, drawn with pyqtgraph: per month, the MRR won (new, expansion,
reactivation) stacked up from zero and the MRR lost (contraction, churn) stacked down, with
the month's closing MRR as a line over them. One currency at a time: amounts of two
currencies never share an axis.

Only the Overview tab imports this module, and only once there is revenue to chart: pyqtgraph
and numpy cost about 0.3 s to load (see `ui/monitoring/charts.py`, which Home warms up in the
background, so by the time Billing is opened it is usually loaded already).

Bars are drawn in the currency's major unit (dollars, not cents): a plot's axis is for the
eye; the exact amounts are in the months table under the chart, in core's minor units turned
into words by `money`."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg  # type: ignore[import-untyped]
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from penguin_desktop.core.billing.models import MonthFigures
from penguin_desktop.core.billing.money import decimals
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.shell import theme

PLOT_HEIGHT = 240
BAR_WIDTH = 0.62
# (field, words, colour, sign): gains stack up, losses stack down, in this order from zero.
PARTS: tuple[tuple[str, str, str, int], ...] = (
    ("new", "New", "#16a34a", 1),
    ("expansion", "Expansion", "#86efac", 1),
    ("reactivation", "Reactivation", "#0891b2", 1),
    ("contraction", "Contraction", "#f59e0b", -1),
    ("churn", "Churn", "#dc2626", -1),
)
MRR_COLOR = theme.ACCENT


def stacks(months: Sequence[MonthFigures], scale: int) -> dict[str, tuple[Any, Any]]:
    """Each part's bar heights and bases, in major units: the gains start at zero and stack
    up, the losses start at zero and stack down."""
    up = np.zeros(len(months))
    down = np.zeros(len(months))
    out: dict[str, tuple[Any, Any]] = {}
    for field, _words, _color, sign in PARTS:
        values = np.fromiter((getattr(m, field) / scale for m in months), float, len(months))
        if sign > 0:
            out[field] = (values, up.copy())
            up += values
        else:
            down -= values
            out[field] = (values, down.copy())
    return out


def legend_html() -> str:
    items = [
        f'<span style="color:{color}">&#9632;</span>&nbsp;{escape(name)}'
        for _field, name, color, _sign in PARTS
    ]
    items.append(f'<span style="color:{MRR_COLOR}">&#9679;&#8212;</span>&nbsp;MRR at month end')
    return "&nbsp;&nbsp;&nbsp; ".join(items)


class MrrChart(QWidget):
    """`show_months` draws one currency's months, oldest on the left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.plot = pg.PlotWidget(background="#ffffff", enableMenu=False)
        self.plot.setFixedHeight(PLOT_HEIGHT)
        self.plot.setMouseEnabled(x=False, y=False)  # the wheel scrolls the tab, not the plot
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(pg.mkPen(st.BORDER))
            axis.setTextPen(pg.mkPen(theme.MUTED))
        self.plot.getAxis("left").setWidth(56)
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen("#94a3b8")))
        self.bars: dict[str, Any] = {}
        for field, _words, color, _sign in PARTS:
            bars = pg.BarGraphItem(
                x=[], height=[], y0=[], width=BAR_WIDTH, brush=color, pen=pg.mkPen(color)
            )
            self.plot.addItem(bars)
            self.bars[field] = bars
        self.line = self.plot.plot(
            pen=pg.mkPen(MRR_COLOR, width=2),
            symbol="o",
            symbolSize=6,
            symbolBrush=MRR_COLOR,
            symbolPen=None,
            antialias=True,
        )
        self.legend = QLabel(legend_html())
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        layout.addWidget(self.plot)
        layout.addWidget(self.legend)
        self.months: list[MonthFigures] = []

    def show_months(self, months: Sequence[MonthFigures], currency: str) -> None:
        self.months = list(months)
        scale = 10 ** decimals(currency)
        xs = np.arange(len(self.months), dtype=float)
        for field, (heights, bases) in stacks(self.months, scale).items():
            self.bars[field].setOpts(x=xs, height=heights, y0=bases, width=BAR_WIDTH)
        ends = np.fromiter((m.end_mrr / scale for m in self.months), float, len(self.months))
        self.line.setData(xs, ends)
        ticks = [(float(i), words.short_month(m.month)) for i, m in enumerate(self.months)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.getAxis("left").setLabel(currency.upper(), color=theme.MUTED)
        self.plot.setXRange(-0.6, len(self.months) - 0.4, padding=0)
        self.plot.enableAutoRange(axis="y")
        self.plot.setAccessibleName(f"MRR movements by month in {currency.upper()}")
