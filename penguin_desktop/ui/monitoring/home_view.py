"""The body of the Home page: the agency's dashboard at a glance.

From the top: the counts; what needs attention now (open alerts beside the agency's billing,
the certificates and the secrets coming due); the trend charts; then every workspace's servers
and domains as tiles. The bounded parts come first so they stay on the first screen however
many tiles follow.

The view only shows a `Dashboard` and says what the user asked for through its signals; the
page around it reads the dashboard, acknowledges alerts and switches pages. Charts load
pyqtgraph on first use (see `charts`), just after the rest of the page has painted, so a console
started without measurements never pays for it and one with them shows its tiles first.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QScrollArea, QVBoxLayout, QWidget

from penguin_desktop.core.monitoring.models import Dashboard, Series, Tile
from penguin_desktop.ui.billing.home_panel import BillingPanel, HomeFigures
from penguin_desktop.ui.monitoring.panels import (
    AlertsPanel,
    CertificatesPanel,
    EmptyNote,
    SecretsPanel,
)
from penguin_desktop.ui.monitoring.summary import SummaryRow
from penguin_desktop.ui.monitoring.workspaces import WorkspaceSections
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.empty_state import EmptyState

if TYPE_CHECKING:
    from penguin_desktop.ui.monitoring.charts import ChartGrid

STACK_BELOW = 900  # px of width under which the alerts and the lists beside them stack
NO_TARGETS = (
    "No servers or domains yet",
    "Add a server or a domain and its checks start on their own: reachability, certificates, "
    "DNS and blacklists, every few minutes.",
)


class HomeView(QWidget):
    """`show_dashboard` fills it (again on every refresh, keeping the scroll position and the
    tiles already built); the signals carry what the user picked."""

    open_target = Signal(str, str, str)  # workspace, "server" or "domain", name
    open_alerts = Signal()
    open_secrets = Signal()
    open_billing = Signal()
    acknowledge = Signal(int)  # the alert's id

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("scrollInner")
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(0, 0, 12, 12)
        self.column.setSpacing(16)
        self.scroll_area.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

        self.summary = SummaryRow()
        self.nothing = EmptyState(*NO_TARGETS, icon_name="server")
        self.alerts = AlertsPanel()
        self.certificates = CertificatesPanel()
        self.secrets = SecretsPanel()
        self.billing = BillingPanel()  # hidden until the page hands it figures
        self.trends = Card(
            "Trends", "Hourly figures from the checks; each chart shows the most worrying lines."
        )
        self.trends_empty = EmptyNote(
            "clock",
            "No measurements yet",
            "Latency, mail queues, disk use and certificate days chart here once checks run.",
        )
        self.trends.add(self.trends_empty)
        self.charts: ChartGrid | None = None  # built on the first measurements
        self._charts_pending = False
        self._series: tuple[Series, ...] = ()
        self.workspaces = WorkspaceSections()
        self._lay_out()
        self._connect()

    def _lay_out(self) -> None:
        self.attention = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        attention = self.attention
        attention.setSpacing(16)
        attention.addWidget(self.alerts, 3)
        side = QVBoxLayout()
        side.setSpacing(16)
        side.addWidget(self.billing)
        side.addWidget(self.certificates)
        side.addWidget(self.secrets)
        attention.addLayout(side, 2)
        self.column.addWidget(self.summary)
        self.column.addWidget(self.nothing)
        self.column.addLayout(attention)
        self.column.addWidget(self.trends)
        self.column.addWidget(self.workspaces)
        self.column.addStretch(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Side by side, the alerts and the lists beside them need about 900 px; in a
        narrower window they stack."""
        super().resizeEvent(event)
        wide = event.size().width() >= STACK_BELOW
        self.attention.setDirection(
            QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        )

    def _connect(self) -> None:
        self.workspaces.chosen.connect(self._tile_chosen)
        self.alerts.acknowledge.connect(self.acknowledge)
        if self.alerts.link is not None:
            self.alerts.link.clicked.connect(self.open_alerts)
        if self.secrets.link is not None:
            self.secrets.link.clicked.connect(self.open_secrets)
        self.billing.open_billing.connect(self.open_billing)

    def _tile_chosen(self, tile: Tile) -> None:
        self.open_target.emit(tile.workspace, tile.target_type, tile.target)

    # --- showing ------------------------------------------------------------------------------
    def show_dashboard(self, dashboard: Dashboard) -> None:
        """Show `dashboard`, reusing what is already built: the page keeps its height, so it
        stays where it was scrolled to."""
        self.summary.show_counts(dashboard)
        self.nothing.setVisible(not dashboard.tiles)
        self.alerts.show_alerts(dashboard.open_alerts, dashboard.generated_at)
        self.certificates.show_certificates(dashboard.expiring)
        self.secrets.show_secrets(dashboard.due_secrets, dashboard.generated_at)
        self._show_series(dashboard.series)
        self.workspaces.show_workspaces(dashboard.workspaces, dashboard.tiles)
        self._order_focus()

    def show_billing(self, figures: HomeFigures | None) -> None:
        """The agency's MRR and failed payments, or no billing panel (None)."""
        self.billing.show_figures(figures)
        self._order_focus()

    def _show_series(self, series: tuple[Series, ...]) -> None:
        """The first charts are built just after this refresh paints: loading pyqtgraph and
        building the plots takes longer than the rest of the page, which need not wait."""
        self._series = series
        if self.charts is None and any(line.points for line in series):
            self.trends_empty.hide()
            if not self._charts_pending:
                self._charts_pending = True
                QTimer.singleShot(0, self, self._build_charts)
            return
        self._fill_charts()

    def _build_charts(self) -> None:
        from penguin_desktop.ui.monitoring.charts import ChartGrid

        self._charts_pending = False
        self.charts = ChartGrid()
        self.trends.add(self.charts)
        self._fill_charts()

    def _fill_charts(self) -> None:
        measured = any(line.points for line in self._series)
        if self.charts is not None:
            self.charts.setVisible(measured)
            if measured:
                self.charts.show_series(self._series)
        self.trends_empty.setVisible(not measured)

    def _order_focus(self) -> None:
        """Tab follows the page from top to bottom: rows and tiles built on a refresh would
        otherwise come after everything built before them."""
        chain: list[QWidget] = [*self.alerts.buttons.values()]
        chain += [self.billing.link] if self.billing.isVisibleTo(self) else []
        chain += [link for link in (self.alerts.link, self.secrets.link) if link is not None]
        chain += self.workspaces.focus_chain()
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
