"""The Alerts tab of the Monitoring page: the current workspace's alerts, worst news first as
core lists them (newest first), with Acknowledge (Ctrl+Enter) and Resolve.

Alerts open and resolve themselves as the checks find problems and see them clear; a person
acknowledges one to say it is being looked at (the notifiers are told who), or resolves one the
monitor cannot see clear. Delete does nothing here: an alert is never removed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QSplitter, QVBoxLayout, QWidget

from penguin_desktop.core.monitoring.models import AlertInfo, AlertState
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.monitoring import check_words as words
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.tab_base import ListTable, MonitoringTab
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import BadgeDelegate
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def _state_text(alert: AlertInfo) -> str:
    return words.STATE_WORDS[alert.state]


def _state_tip(alert: AlertInfo) -> str:
    if alert.state is AlertState.RESOLVED:
        return f"Resolved {words.when(alert.resolved_at)}"
    if alert.state is AlertState.ACKNOWLEDGED:
        return f"Acknowledged by {alert.acknowledged_by}: someone is on it"
    return "Nobody has acknowledged it yet"


COLUMNS: tuple[Column[AlertInfo], ...] = (
    Column("Severity", lambda a: st.WORDS[a.severity], lambda a: f"Alert #{a.id}"),
    Column("Target", lambda a: a.target),
    Column(
        "Check",
        lambda a: words.SHORT_KIND_WORDS[a.check_kind],
        lambda a: f"{words.KIND_WORDS[a.check_kind]}, check #{a.check_id}",
    ),
    Column(
        "Condition",
        lambda a: words.condition_words(a.condition),
        lambda a: words.condition_meaning(a.condition),
    ),
    Column("State", _state_text, _state_tip),
    Column("Opened", lambda a: words.short_when(a.opened_at), lambda a: words.when(a.opened_at)),
    Column("Acknowledged", words.acknowledged_text, words.acknowledged_tip),
    Column("Message", lambda a: a.message, lambda a: a.message),
)
SEVERITY_COLUMN = 0


class AlertDetail(QFrame):
    """The selected alert in full: what, where, since when, who is on it, and the whole
    message (the table cuts it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        column = QVBoxLayout(self)
        column.setContentsMargins(18, 14, 18, 16)
        column.setSpacing(6)
        self.title = QLabel()
        self.title.setObjectName("cardTitle")
        self.facts = QLabel()
        self.facts.setObjectName("footnote")
        self.facts.setWordWrap(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for label in (self.title, self.facts, self.text):
            label.setTextFormat(Qt.TextFormat.PlainText)
            column.addWidget(label)
        column.addStretch(1)

    def show_alert(self, alert: AlertInfo | None) -> None:
        if alert is None:
            self.title.setText("No alert selected")
            self.facts.setText("")
            self.text.setText("Select an alert to read all of its message.")
            return
        kind = words.SHORT_KIND_WORDS[alert.check_kind]
        self.title.setText(
            f"{st.WORDS[alert.severity]}: {words.condition_words(alert.condition)} · "
            f"{kind} on {alert.target}"
        )
        facts = [f"Opened {words.when(alert.opened_at)}"]
        if alert.acknowledged_by is not None:
            facts.append(words.acknowledged_tip(alert))
        else:
            facts.append("Not acknowledged yet")
        if alert.state is AlertState.RESOLVED:
            facts.append(f"Resolved {words.when(alert.resolved_at)}")
        facts.append(f"alert #{alert.id} of check #{alert.check_id}")
        self.facts.setText(" · ".join(facts))
        self.text.setText(alert.message)


class AlertsTab(MonitoringTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "warning", parent)
        self._build_bar()  # first: Tab reaches the actions before the lists
        self.list = ListTable(
            "MonitoringPage/alerts",
            COLUMNS,
            lambda a: a.id,
            ColumnRules(
                middle=frozenset({"Target", "Acknowledged"}),
                whole=frozenset({"Severity", "Check", "Condition", "State", "Opened"}),
                widest={"Message": 900},
                least={"Target": 110, "Acknowledged": 110, "Message": 240},
            ),
        )
        self.table = self.list.table
        self.table.setObjectName("alertTable")
        self.table.setItemDelegateForColumn(
            SEVERITY_COLUMN, BadgeDelegate(words.severity_style, self.table)
        )
        self.detail = AlertDetail()
        self.list.on_selection(self._selected_changed)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([360, 160])
        self.set_content(self.splitter)
        self.add_shortcuts((("Ctrl+Return", self.acknowledge), ("Ctrl+Enter", self.acknowledge)))
        self.rows: list[AlertInfo] = []

    def _build_bar(self) -> None:
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.show_resolved = QCheckBox("Show resol&ved")
        self.show_resolved.setToolTip("List the alerts already resolved too")
        self.show_resolved.toggled.connect(lambda _on: self.refresh())
        self.acknowledge_button = action_button("Ac&knowledge", "check", primary=True)
        self.resolve_button = action_button("&Resolve", "verify")
        self.acknowledge_button.clicked.connect(self.acknowledge)
        self.resolve_button.clicked.connect(self.resolve)
        self.bar.addWidget(self.heading("Alerts"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        for widget in (self.show_resolved, self.acknowledge_button, self.resolve_button):
            self.bar.addWidget(widget)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        ws = self.workspace
        rows: list[AlertInfo] | None = []
        if ws is not None and self.state.can(Permission.MONITOR_READ, ws):
            alerts, actor = self.state.container.monitoring.alerts, self.state.actor
            everything = self.show_resolved.isChecked()
            rows = self.call(lambda: alerts.all(actor, ws.name, include_resolved=everything))
        self.rows = rows or []
        self.list.set_rows(self.rows)
        self.count.setText(self._count_text())
        self._show_empty()
        self.show_content(bool(self.rows))
        self._selected_changed()

    def _selected_changed(self) -> None:
        self.detail.show_alert(self.list.selected())
        self._update_actions()

    def _count_text(self) -> str:
        opened = sum(1 for a in self.rows if a.state is AlertState.OPEN)
        acked = sum(1 for a in self.rows if a.state is AlertState.ACKNOWLEDGED)
        resolved = len(self.rows) - opened - acked
        parts = [f"{opened} open", f"{acked} acknowledged"]
        if self.show_resolved.isChecked():
            parts.append(f"{resolved} resolved")
        return " · ".join(parts) if self.rows else ""

    def _show_empty(self) -> None:
        ws = self.workspace
        name = ws.name if ws is not None else "this workspace"
        if self.show_resolved.isChecked():
            title = f"No alerts in {name} yet"
        else:
            title = f"No open alerts in {name}"
        self.empty.set_text(
            title,
            "An alert opens when a check finds a problem (a service down, a certificate about "
            "to expire, a full disk) and resolves itself once the problem clears."
            + ("" if self.show_resolved.isChecked() else " Tick Show resolved to see past ones."),
        )

    @property
    def open_count(self) -> int:
        return sum(1 for a in self.rows if a.state is not AlertState.RESOLVED)

    # --- acting ---------------------------------------------------------------------------------
    def acknowledge(self) -> AlertInfo | None:
        """Say the selected open alert is being looked at (Ctrl+Enter)."""
        alert = self.list.selected()
        if alert is None or alert.state is not AlertState.OPEN:
            return None
        alerts, actor = self.state.container.monitoring.alerts, self.state.actor
        done = self.call(lambda: alerts.acknowledge(actor, alert.id))
        if done is not None:
            self.state.notify(f"Alert #{alert.id} on {alert.target} acknowledged")
            self._changed()
        return done

    def resolve(self) -> AlertInfo | None:
        """Close the selected alert by hand (the monitor reopens it if the problem is still
        there on the next run)."""
        alert = self.list.selected()
        if alert is None or alert.state is AlertState.RESOLVED:
            return None
        alerts, actor = self.state.container.monitoring.alerts, self.state.actor
        done = self.call(lambda: alerts.resolve(actor, alert.id))
        if done is not None:
            self.state.notify(f"Alert #{alert.id} on {alert.target} resolved")
            self._changed()
        return done

    def _changed(self) -> None:
        self.refresh()
        self.changed.emit()

    def _update_actions(self) -> None:
        alert = self.list.selected()
        may = self.allowed(Permission.ALERT_HANDLE)
        refused = self.refused(Permission.ALERT_HANDLE, "handle alerts")
        for button, ready, tip, not_ready in (
            (
                self.acknowledge_button,
                alert is not None and alert.state is AlertState.OPEN,
                "Tell everyone you are on it (Ctrl+Enter); the notifiers hear who",
                "Only an open alert can be acknowledged",
            ),
            (
                self.resolve_button,
                alert is not None and alert.state is not AlertState.RESOLVED,
                "Close it by hand; the next run opens it again if the problem is still there",
                "It is already resolved",
            ),
        ):
            button.setEnabled(may and ready)
            button.setToolTip(
                refused
                if not may
                else "Select an alert first"
                if alert is None
                else tip
                if ready
                else not_ready
            )
