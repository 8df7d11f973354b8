"""Trend charts on the Home page, drawn with pyqtgraph: one small plot per metric, one line
per target, time along the bottom.

Only `home_view` imports this module, and only once a dashboard carries measurements: pyqtgraph
and numpy cost about 0.3 s to load, and the console's start-up is measured.

Which lines a chart draws: at most `MAX_LINES`, so 200 servers do not make spaghetti. Lines
with points are candidates. Those still measured (their last point within `STALE` of the newest
point in the chart) come before those that stopped (a target removed or no longer checked),
and within each group the worst latest value leads: highest latency, queue and disk use,
fewest days of certificate left. A chart says how many it left out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Any

import numpy as np
import pyqtgraph as pg  # type: ignore[import-untyped]
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from penguin_desktop.core.monitoring.models import Series
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.panels import subhead
from penguin_desktop.ui.shell import theme

MAX_LINES = 8
STALE = timedelta(hours=3)  # roll-ups are hourly: two missed hours still count as current
PLOT_HEIGHT = 170
PALETTE = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#475569",
)


@dataclass(frozen=True)
class Metric:
    name: str
    title: str
    unit: str
    higher_is_worse: bool
    threshold: float | None  # drawn as a dashed line: where the checks start to warn


METRICS = (
    Metric("latency_ms", "Latency", "ms", True, None),
    Metric("queue_size", "Mail queue", "messages", True, None),
    Metric("disk_percent", "Disk used", "%", True, 90.0),
    Metric("cert_days", "Certificate days left", "days", False, 14.0),
)


def _seconds(at: datetime) -> float:
    """Epoch seconds, naive datetimes being UTC as everywhere in core."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).timestamp()


def pick_lines(series: list[Series], higher_is_worse: bool, limit: int = MAX_LINES) -> list[Series]:
    """The lines worth drawing, most worrying first (see the module's docstring); points are
    in time order, as the roll-ups are read."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return []
    newest = max(_seconds(s.points[-1].at) for s in drawn)
    stale = STALE.total_seconds()

    def concern(line: Series) -> tuple[bool, float, str]:
        last = line.points[-1]
        worst = -last.value if higher_is_worse else last.value
        return (newest - _seconds(last.at) > stale, worst, line.target)

    return sorted(drawn, key=concern)[:limit]


def unbroken(name: str) -> str:
    """`name` as HTML that wraps only between names: its hyphens are non-breaking."""
    return escape(name).replace("-", "\u2011")


def _dot(index: int) -> str:
    return f'<span style="color:{PALETTE[index % len(PALETTE)]}">&#9679;</span>'


def _legend_html(lines: list[Series], total: int, metric: Metric) -> str:
    names = "&nbsp;&nbsp; ".join(
        f"{_dot(i)}&nbsp;{unbroken(line.target)}" for i, line in enumerate(lines)
    )
    if total > len(lines):
        which = "highest" if metric.higher_is_worse else "lowest"
        names += (
            f'<br><span style="color:{theme.MUTED}">{len(lines)} of {total} shown: '
            f"the {which} now</span>"
        )
    return names


class MetricChart(QWidget):
    """One metric's plot, its title and a legend of the targets drawn."""

    def __init__(self, metric: Metric, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = metric
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        title = subhead(f"{metric.title} ({metric.unit})")
        self.plot = pg.PlotWidget(
            background="#ffffff",
            axisItems={"bottom": pg.DateAxisItem(orientation="bottom")},
            enableMenu=False,  # no context menus: building them costs a third of the chart
        )
        self.plot.setFixedHeight(PLOT_HEIGHT)
        self.plot.setMouseEnabled(x=False, y=False)  # the wheel scrolls the page, not the plot
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            axis = self.plot.getAxis(side)
            axis.setPen(pg.mkPen(st.BORDER))
            axis.setTextPen(pg.mkPen(theme.MUTED))
        self.plot.setAccessibleName(f"{metric.title} over time")
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.empty = QLabel(f"No {metric.title.lower()} measured yet.")
        self.empty.setObjectName("pageSubtitle")
        layout.addWidget(title)
        layout.addWidget(self.plot)
        layout.addWidget(self.legend)
        layout.addWidget(self.empty)
        layout.addStretch(1)
        self.lines: list[Series] = []
        self.curves: list[Any] = []  # pyqtgraph's PlotDataItem, one per line drawn
        self.threshold: Any = None
        if metric.threshold is not None:
            dashed = pg.mkPen(st.AMBER, width=1, style=Qt.PenStyle.DashLine)
            self.threshold = pg.InfiniteLine(pos=metric.threshold, angle=0, pen=dashed)
            self.plot.addItem(self.threshold)

    def show_series(self, series: list[Series]) -> None:
        """Draw the chosen lines, reusing the curves of the last refresh."""
        self.lines = pick_lines(series, self.spec.higher_is_worse)
        while len(self.curves) < len(self.lines):
            self.curves.append(self._new_curve(PALETTE[len(self.curves) % len(PALETTE)]))
        for curve, line in zip(self.curves, self.lines, strict=False):
            points = line.points
            xs = np.fromiter((_seconds(p.at) for p in points), float, len(points))
            ys = np.fromiter((p.value for p in points), float, len(points))
            curve.setSymbol("o" if len(points) == 1 else None)  # one point shows as a dot
            curve.setData(xs, ys)
            curve.setVisible(True)
        for curve in self.curves[len(self.lines) :]:
            curve.setVisible(False)
            curve.setData([], [])
        if self.threshold is not None:
            self.threshold.setVisible(bool(self.lines))
        drawable = sum(1 for s in series if s.points)
        self.legend.setText(_legend_html(self.lines, drawable, self.spec))
        self.plot.setVisible(bool(self.lines))
        self.legend.setVisible(bool(self.lines))
        self.empty.setVisible(not self.lines)

    def _new_curve(self, color: str) -> Any:
        """A thin line: a 1 px pen keeps 720 antialiased points per line cheap to paint (a
        wider one costs ten times as much), and peak down-sampling keeps spikes at any width."""
        return self.plot.plot(
            pen=pg.mkPen(color, width=1),
            symbolSize=7,
            symbolBrush=color,
            symbolPen=None,
            antialias=True,
            autoDownsample=True,
            downsampleMethod="peak",
            clipToView=True,
        )


class ChartGrid(QWidget):
    """The four metrics in two rows of two."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 0)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(16)
        self.charts = {m.name: MetricChart(m) for m in METRICS}
        for i, chart in enumerate(self.charts.values()):
            grid.addWidget(chart, i // 2, i % 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def show_series(self, series: tuple[Series, ...]) -> None:
        """Each chart gets its metric's lines; metrics this page does not chart are left out."""
        by_metric: dict[str, list[Series]] = defaultdict(list)
        for line in series:
            by_metric[line.metric].append(line)
        for name, chart in self.charts.items():
            chart.show_series(by_metric[name])
