"""The console's first page: the agency's estate at a glance (the Home dashboard), refreshed
every minute and after each background round, with open alerts to acknowledge."""

from __future__ import annotations

import importlib
import threading

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing.home_panel import HomeFigures, read_home_figures
from penguin_desktop.ui.monitoring.home_view import HomeView
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.list_detail import ListDetailPage
from penguin_desktop.ui.widgets.page import Page, action_button

REFRESH_MS = 60_000
WARM_UP_AFTER_MS = 2_000


def warm_up_charts() -> None:
    """Import pyqtgraph and numpy (about 0.3 s) on a thread once the page has shown, so the
    first charts, and every later opening of Home, do not wait for them."""
    threading.Thread(
        target=importlib.import_module,
        args=("penguin_desktop.ui.monitoring.charts",),
        name="penguin-warm-up",
        daemon=True,
    ).start()


class HomePage(Page):
    title = "Home"
    subtitle = "Every client's servers and domains, open alerts and what expires next."
    icon_name = "home"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.view = HomeView()
        self.view.acknowledge.connect(self._acknowledge)
        self.view.open_target.connect(self._open_target)
        self.view.open_secrets.connect(lambda: self._open_page("Secrets"))
        self.view.open_alerts.connect(self._show_all_alerts)
        self.view.open_billing.connect(lambda: self._open_page("Billing"))
        self.billing_job: Job | None = None
        self.note = QLabel()
        self.note.setObjectName("pageSubtitle")
        self.check_now = action_button("Check now", "refresh", primary=True)
        self.check_now.setToolTip("Run every check once now, in the background")
        self.check_now.clicked.connect(self._check_now)
        self.page_actions.addWidget(self.note)
        self.page_actions.addWidget(self.check_now)
        self.body.addWidget(self.view, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_if_visible)
        self._timer.start()
        self._stale_charts = True

    def refresh(self) -> None:
        first = self._stale_charts
        self._stale_charts = False
        super().refresh()
        monitoring = self.state.container.monitoring
        dashboard = self.call(lambda: monitoring.dashboard.build(self.state.actor))
        may_run = any(
            self.state.can(Permission.MONITOR_MANAGE, w) for w in self.state.active_workspaces
        )
        self.check_now.setEnabled(may_run)
        self.check_now.setToolTip(
            "Run every check once now, in the background"
            if may_run
            else "Your role runs no checks; a manager of the workspace can"
        )
        if dashboard is not None:
            self.view.show_dashboard(dashboard)
            self.note.setText(f"Updated {dashboard.generated_at.astimezone():%H:%M}")
        if first:  # after start-up has settled, not competing with it for the CPU
            QTimer.singleShot(WARM_UP_AFTER_MS, warm_up_charts)
            QTimer.singleShot(WARM_UP_AFTER_MS, self, self.read_billing)
        else:
            self.read_billing()

    def read_billing(self) -> Job | None:
        """The billing panel's figures, read on the job pool without a row in the jobs strip
        (Home reads them every minute; nobody asked, nobody needs to see it happen). Hidden
        for a role that may not read billing, without asking core."""
        if not self.state.can(Permission.BILLING_READ):
            self.view.show_billing(None)
            return None
        if self.billing_job is not None:
            return None
        container, actor = self.state.container, self.state.actor
        job = Job("Reading billing figures", lambda _ctx: read_home_figures(container, actor))
        job.signals.finished.connect(self._billing_read)
        job.signals.failed.connect(self._billing_failed)
        job.signals.ended.connect(self._billing_ended)
        self.billing_job = job
        self.state.runner.pool.start(job)
        return job

    def _billing_read(self, figures: HomeFigures | None) -> None:
        self.view.show_billing(figures)

    def _billing_failed(self, _error: BaseException) -> None:
        """The Billing page says what is wrong; Home only leaves the panel out."""
        self.view.show_billing(None)

    def _billing_ended(self) -> None:
        self.billing_job = None

    def _refresh_if_visible(self) -> None:
        if self.isVisible():
            self.refresh()

    def _acknowledge(self, alert_id: int) -> None:
        alerts = self.state.container.monitoring.alerts
        if self.call(lambda: alerts.acknowledge(self.state.actor, alert_id)) is not None:
            self.state.status_message.emit(f"Alert #{alert_id} acknowledged")
            self.refresh()

    def _check_now(self) -> None:
        runner = self.state.container.monitoring.runner
        actor = self.state.actor
        job = self.state.runner.start(
            "Checking every server and domain", lambda ctx: runner.run_round(actor, ctx=ctx), self
        )
        job.signals.ended.connect(self.refresh)

    def _show_all_alerts(self) -> None:
        """The Monitoring page's Alerts tab, or this page's list where there is none."""
        page = self._open_page("Monitoring")
        show_alerts = getattr(page, "show_alerts", None)
        if show_alerts is not None:
            show_alerts()
            return
        self.view.setFocus()
        self.state.status_message.emit("Every open alert is listed on this page")

    def _open_target(self, workspace: str, target_type: str, name: str) -> None:
        """The server's or domain's page, in its workspace, with it selected."""
        self.state.select_workspace(workspace)
        page = self._open_page("Servers" if target_type == "server" else "Domains")
        if isinstance(page, ListDetailPage):
            page.reveal(name)

    def _open_page(self, title: str) -> object:
        window = self.window()
        show = getattr(window, "show_page_titled", None)
        return show(title) if show is not None else None
