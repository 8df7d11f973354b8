"""Monitoring: the current workspace's alerts (acknowledge, resolve), the checks behind them
(add, change, turn off, remove, run now, the last 24 hours of one) and the notifiers alerts go
to with their delivery log, one tab each. Home shows the whole agency at a glance; this page is
where one client's monitoring is looked after."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QTabWidget, QWidget

from penguin_desktop.ui.monitoring.alerts_tab import AlertsTab
from penguin_desktop.ui.monitoring.checks_tab import ChecksTab
from penguin_desktop.ui.monitoring.notifiers_tab import NotifiersTab
from penguin_desktop.ui.monitoring.tab_base import MonitoringTab
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.page import WorkspacePage


class MonitoringPage(WorkspacePage):
    title = "Monitoring"
    subtitle = (
        "One client's alerts, the checks that raise them and where alerts are sent: acknowledge "
        "what you are on, tune or turn off a check, and test your notifiers."
    )
    icon_name = "pulse"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.tabs = QTabWidget()  # first: Tab reaches its bar before the tabs' controls
        self.tabs.setObjectName("monitoringTabs")
        self.tabs.setDocumentMode(True)
        self.alerts = AlertsTab(state)
        self.checks = ChecksTab(state)
        self.notifiers = NotifiersTab(state)
        for tab, icon_name, text in (
            (self.alerts, "warning", "&Alerts"),
            (self.checks, "pulse", "&Checks"),
            (self.notifiers, "plug", "&Notifiers"),
        ):
            self.tabs.addTab(tab, icon(icon_name, theme.ICON), text)
            tab.changed.connect(lambda source=tab: self._changed_in(source))
        self.empty = EmptyState("", "", icon_name=self.icon_name)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack, 1)
        state.workspaces_changed.connect(self.mark_stale)

    @property
    def all_tabs(self) -> tuple[MonitoringTab, ...]:
        return (self.alerts, self.checks, self.notifiers)

    def refresh(self) -> None:
        super().refresh()
        if self.workspace is None:
            self.show_no_workspace(self.empty)
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.tabs)
        for tab in self.all_tabs:
            tab.refresh()
        self._count_alerts()

    def _changed_in(self, source: MonitoringTab) -> None:
        """A change in one tab shows in the others (a run opens alerts, acknowledging one
        queues deliveries)."""
        for tab in self.all_tabs:
            if tab is not source:
                tab.refresh()
        self._count_alerts()

    def _count_alerts(self) -> None:
        count = self.alerts.open_count
        index = self.tabs.indexOf(self.alerts)
        self.tabs.setTabText(index, f"&Alerts ({count})" if count else "&Alerts")

    def show_alerts(self) -> None:
        """Open the Alerts tab with the focus on the list (Home's "View all alerts")."""
        self.tabs.setCurrentWidget(self.alerts)
        self.alerts.table.setFocus()
