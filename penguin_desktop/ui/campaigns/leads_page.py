"""Leads: the current workspace's leads (import a CSV file into a list, filter, export, erase
one for GDPR) and its suppression list, one tab each, under the sender details every email of
the workspace must carry (postal address, unsubscribe link)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.campaigns.models import ComplianceInfo
from penguin_desktop.core.platform.errors import NotFoundError, PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.campaigns.forms import ComplianceDialog
from penguin_desktop.ui.campaigns.leads_tab import LeadsTab
from penguin_desktop.ui.campaigns.suppression_tab import SuppressionTab
from penguin_desktop.ui.monitoring.tab_base import MonitoringTab, roles_words
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.page import WorkspacePage, action_button


class LeadsPage(WorkspacePage):
    title = "Leads"
    subtitle = (
        "One client's leads and the addresses never to be mailed: import CSV files into lists, "
        "export a segment, erase a lead on request."
    )
    icon_name = "members"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.compliance: ComplianceInfo | None = None
        self.compliance_label = QLabel()
        self.compliance_label.setObjectName("pageSubtitle")
        self.compliance_label.setWordWrap(True)
        self.edit_compliance = action_button("Sender details…", "edit")
        self.edit_compliance.clicked.connect(self.open_compliance)
        line = QHBoxLayout()
        line.addWidget(self.compliance_label, 1)
        line.addWidget(self.edit_compliance)
        self.compliance_row = QWidget()
        self.compliance_row.setLayout(line)
        line.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("leadsTabs")
        self.tabs.setDocumentMode(True)
        self.leads = LeadsTab(state)
        self.suppression = SuppressionTab(state)
        for tab, icon_name, text in (
            (self.leads, "members", "&Leads"),
            (self.suppression, "shield", "S&uppression"),
        ):
            self.tabs.addTab(tab, icon(icon_name, theme.ICON), text)
            tab.changed.connect(lambda source=tab: self._changed_in(source))
        content = QWidget()
        stacked = QVBoxLayout(content)
        stacked.setContentsMargins(0, 0, 0, 0)
        stacked.addWidget(self.compliance_row)
        stacked.addWidget(self.tabs, 1)
        self.content = content
        self.empty = EmptyState("", "", icon_name=self.icon_name)
        self.stack = QStackedWidget()
        self.stack.addWidget(content)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack, 1)
        self.dialog: ComplianceDialog | None = None
        state.workspaces_changed.connect(self.mark_stale)

    @property
    def all_tabs(self) -> tuple[MonitoringTab, ...]:
        return (self.leads, self.suppression)

    def refresh(self) -> None:
        super().refresh()
        if self.workspace is None:
            self.show_no_workspace(self.empty)
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.content)
        for tab in self.all_tabs:
            tab.refresh()
        self._show_compliance()

    def _changed_in(self, source: MonitoringTab) -> None:
        """An erasure changes the suppression list; a suppression, what imports keep."""
        for tab in self.all_tabs:
            if tab is not source:
                tab.refresh()

    # --- sender details ------------------------------------------------------------------------
    def _show_compliance(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        try:
            self.compliance = self.state.container.compliance.settings(self.state.actor, ws.name)
        except NotFoundError:
            self.compliance = None
        except PenguinError as error:
            self.compliance = None
            self.compliance_label.setText(str(error))
        info = self.compliance
        if info is not None:
            self.compliance_label.setText(
                f"Sender details: {info.postal_address} · unsubscribe {info.unsubscribe_url}"
            )
        else:
            self.compliance_label.setText(
                "No sender details yet: emails need a postal address and an unsubscribe link."
            )
        allowed = not ws.archived and self.state.can(Permission.COMPLIANCE_SET, ws)
        self.edit_compliance.setEnabled(allowed)
        self.edit_compliance.setToolTip(
            "Set the postal address and unsubscribe link"
            if allowed
            else f"Only {roles_words(Permission.COMPLIANCE_SET)} set the sender details"
        )

    def open_compliance(self) -> None:
        ws = self.workspace
        if ws is None or not self.state.can(Permission.COMPLIANCE_SET, ws):
            return
        dialog = ComplianceDialog(self.state, ws.name, self.compliance, self)
        dialog.accepted.connect(self._show_compliance)
        self.dialog = dialog
        dialog.open()
