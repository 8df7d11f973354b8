"""Servers: the mail servers of the workspace (or of every workspace) with their address, pinned
host key, MailU version and status; a detail pane with the provisioning steps and the last
health check; Provision (resume), Run check, Rotate SSH key, Backup…, Restore… and Remove….

Everything that talks to a server runs on a worker, one job per server at a time (the actions
are in `actions`). A host key that awaits trust opens the host-key dialog; a changed one opens
the warning.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QPushButton, QWidget

from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import Health, HealthReport, ServerInfo, ServerStatus
from penguin_desktop.ui.servers.actions import ServerActions
from penguin_desktop.ui.servers.detail import key_changed, status_text
from penguin_desktop.ui.servers.host_key import short_fingerprint
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.list_detail import Split
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules

GOOD = BadgeStyle("#dcfce7", "#86efac", "#166534")
BUSY = BadgeStyle("#dbeafe", "#93c5fd", "#1e40af")


def status_style(row: object) -> BadgeStyle | None:
    if not isinstance(row, ServerInfo):
        return None
    if key_changed(row) or row.status is ServerStatus.PROVISION_FAILED:
        return DANGER
    if row.status is ServerStatus.HOST_KEY_PENDING:
        return WARNING
    if row.status is ServerStatus.PROVISIONING:
        return BUSY
    if row.status is ServerStatus.MAILU_READY:
        return GOOD
    return None


def _status_tip(info: ServerInfo) -> str:
    health = info.health.value if info.health else "not checked"
    when = f" ({local_time(info.last_check_at)})" if info.last_check_at else ""
    return f"{status_text(info)} · health: {health}{when}"


COLUMNS: tuple[Column[ServerInfo], ...] = (
    Column("Name", lambda s: s.name),
    Column("Workspace", lambda s: s.workspace),
    Column("Provider", lambda s: s.provider),
    Column("IP", lambda s: s.ip),
    Column("Host name", lambda s: s.hostname or "—"),
    Column(
        "SSH",
        lambda s: f"{s.ssh_port} / {s.ssh_user}",
        lambda s: f"SSH port {s.ssh_port}, user {s.ssh_user}",
    ),
    Column(
        "Host key",
        lambda s: short_fingerprint(s.host_key_fingerprint) or "not trusted",
        lambda s: s.host_key_fingerprint or f"not trusted yet; presented: {s.offered_fingerprint}",
    ),
    Column("MailU", lambda s: s.mailu_version or "—", lambda s: s.mailu_url or ""),
    Column("Status", status_text, _status_tip),
)
STATUS_COLUMN = len(COLUMNS) - 1


class ServersPage(ServerActions):
    title = "Servers"
    subtitle = (
        "The mail servers of your clients: adopt one or order a VPS, trust its SSH host key, "
        "install MailU step by step, and keep an eye on its health."
    )
    icon_name = "server"
    heading = "Mail servers"
    split = Split(Qt.Orientation.Vertical, (2, 3), (260, 420))
    column_rules = ColumnRules(
        middle=frozenset({"Name", "Workspace", "Host name"}),
        whole=frozenset({"IP", "SSH", "Status"}),
    )

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, COLUMNS, parent)
        self.table.setObjectName("serverTable")
        self.table.setItemDelegateForColumn(STATUS_COLUMN, BadgeDelegate(status_style, self.table))
        self.table.activated.connect(lambda _index: self.open_detail())
        self.empty.button.clicked.connect(self.open_new)

        d = self.detail
        d.provision_button.clicked.connect(self.open_provision)
        d.check_button.clicked.connect(lambda: self.start_check())
        d.rotate_button.clicked.connect(lambda: self.start_rotate())
        d.backup_button.clicked.connect(self.open_backup)
        d.restore_button.clicked.connect(self.open_restore)
        d.remove_button.clicked.connect(self.open_remove)
        d.review_button.clicked.connect(self.open_host_key)
        QWidget.setTabOrder(self.table, d.review_button)
        previous: QWidget = d.review_button
        for button in d.buttons:
            QWidget.setTabOrder(previous, button)
            previous = button
        self.add_shortcuts(
            (
                ("Ctrl+N", self.open_new),
                (QKeySequence.StandardKey.Delete, self.open_remove),
                ("Ctrl+Shift+C", self.start_check_all),
            )
        )
        self.check_all_job: Job | None = None
        self._shown: tuple[str, str] | None = None

    def add_actions(self) -> None:
        self.all_box = QCheckBox("&All my workspaces")
        self.all_box.setToolTip("Show the servers of every workspace you may see")
        self.all_box.toggled.connect(lambda _on: self.refresh())
        self.check_all_button = action_button("Check all", "refresh")
        self.new_button = action_button("&New server…", "add", primary=True)
        self.new_button.setToolTip("Create a VPS or adopt a server (Ctrl+N)")
        self.check_all_button.clicked.connect(self.start_check_all)
        self.new_button.clicked.connect(self.open_new)
        for widget in (self.all_box, self.check_all_button, self.new_button):
            self.page_actions.addWidget(widget)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        rows: list[ServerInfo] | None = []
        servers, actor = self.state.container.servers, self.state.actor
        if self.all_box.isChecked():
            if self.state.can_anywhere(Permission.SERVER_READ):
                rows = self.call(lambda: servers.all(actor))
        elif ws is not None and self.state.can(Permission.SERVER_READ, ws):
            rows = self.call(lambda: servers.all(actor, ws.name))
        self.table.setColumnHidden(1, not self.all_box.isChecked())
        ready = sum(1 for s in rows or [] if s.status is ServerStatus.MAILU_READY)
        self.count.setText(f"{len(rows or [])} servers · {ready} with MailU ready" if rows else "")
        self.show_rows(rows or [])

    def show_empty(self) -> None:
        ws = self.workspace
        if ws is None and not self.all_box.isChecked():
            self.show_no_workspace(self.empty)
        elif ws is not None and not self.state.can(Permission.SERVER_READ, ws):
            self.show_closed("Servers")
        else:
            where = "your workspaces" if self.all_box.isChecked() or ws is None else ws.name
            self.empty.set_text(
                f"No mail servers in {where} yet",
                "Order a VPS at Hostwinds or adopt a server you already run. We pin its SSH host "
                "key, install MailU step by step and check its health.",
            )
            self.empty.set_action("New server…" if self._may_add() else None)

    def row_key(self, row: ServerInfo) -> tuple[str, str]:
        return (row.workspace, row.name)

    def show_detail(self, row: ServerInfo | None) -> None:
        key = self.row_key(row) if row else None
        if key != self._shown:  # a note about another server goes when you move on
            self._shown = key
            self.message.clear_message()
        self.detail.show_server(row, self._report_of(row) if row else None)

    def _report_of(self, info: ServerInfo) -> HealthReport | None:
        """This session's check, else the one kept from the last check (after a restart)."""
        key = (info.workspace, info.name)
        if key not in self.reports and info.last_check_at is not None:
            servers, actor = self.state.container.servers, self.state.actor
            kept = self.call(lambda: servers.last_health(actor, info.name, info.workspace))
            if kept is not None:
                self.reports[key] = kept
        return self.reports.get(key)

    def open_detail(self) -> None:
        """Enter on a row: move into the detail pane, at its first action available."""
        if self.selected() is None:
            return
        d = self.detail
        for widget in [d.review_button, *d.buttons]:
            if widget.isVisible() and widget.isEnabled():
                widget.setFocus()
                return
        d.steps.setFocus()

    # --- checking every server ------------------------------------------------------------------
    def start_check_all(self) -> Job | None:
        if self.check_all_job is not None or self.jobs or not self.model.rows:
            return None
        servers, actor = self.state.container.servers, self.state.actor
        ws = None if self.all_box.isChecked() or self.workspace is None else self.workspace.name
        job = self.state.runner.start(
            "Checking every server", lambda _ctx: servers.check_all(actor, ws), owner=self
        )
        self.check_all_job = job
        self.message.show_info("Checking every server… (progress in the status bar)")
        job.signals.finished.connect(self._checked_all)
        job.signals.failed.connect(lambda error: show_error(self, error))
        job.signals.ended.connect(self._check_all_ended)
        self._update_actions()
        return job

    def _checked_all(self, reports: list[HealthReport]) -> None:
        for report in reports:
            self.reports[(report.workspace, report.server)] = report
        bad = [r.server for r in reports if r.health in (Health.UNREACHABLE, Health.DEGRADED)]
        if bad:
            self.message.show_error(f"Not healthy: {', '.join(bad)}")
        else:
            self.message.show_success(f"Checked {len(reports)} servers: all fine or skipped")

    def _check_all_ended(self) -> None:
        self.check_all_job = None
        self.refresh()

    # --- permissions ----------------------------------------------------------------------------
    def _update_actions(self) -> None:
        info = self.selected()
        self.new_button.setEnabled(self._may_add())
        self.new_button.setToolTip(
            "Create a VPS or adopt a server (Ctrl+N)"
            if self._may_add()
            else "Only admins and owners add servers"
        )
        self.check_all_button.setEnabled(
            bool(self.model.rows) and self.check_all_job is None and not self.jobs
        )
        self._gate_server_actions(info)
        self.detail.review_button.setEnabled(info is not None)

    def _gate_server_actions(self, info: ServerInfo | None) -> None:
        """Each action on the selected server: enabled when allowed, not busy and (for those
        that log in) its host key is trusted; the tooltip says which of these stops it."""
        d = self.detail
        ws = self.workspace_named(info.workspace) if info else None
        role = ws.my_role.value if ws is not None else ""
        operate = self._may(Permission.SERVER_OPERATE, info)
        manage = self._may(Permission.SERVER_MANAGE, info)
        busy = info is not None and (info.workspace, info.name) in self.jobs
        trusted = info is not None and bool(info.host_key_fingerprint) and not key_changed(info)
        operators = f"Only managers, admins and owners do this; you are {role}"
        managers = f"Only admins and owners do this; you are {role}"

        def gate(button: QPushButton, allowed: bool, who: str, ready: bool, tip: str) -> None:
            button.setEnabled(info is not None and allowed and not busy and ready)
            button.setToolTip(
                "Select a server first"
                if info is None
                else who
                if not allowed
                else "A job is running on this server (see the status bar)"
                if busy
                else tip
            )

        untrusted = (
            "Its host key CHANGED: review it first"
            if info is not None and key_changed(info)
            else "Trust its host key first"
        )
        if info is not None and info.steps and info.status is not ServerStatus.MAILU_READY:
            provision_tip = "Resume provisioning after the last done step"
            d.provision_button.setText("Resume &provisioning")
        else:
            provision_tip = "Install MailU step by step (done steps are skipped)"
            d.provision_button.setText("&Provision")
        check_tip = "Connect and check OS, load, memory, disk, Docker"
        rotate_tip = "Replace the SSH key without locking yourself out"
        backup_tip = "Download MailU's configuration and DKIM keys into an encrypted archive"
        restore_tip = "Upload a backup's configuration to this server"
        for button, allowed, who, ready, tip in (
            (d.provision_button, operate, operators, trusted, provision_tip),
            (d.check_button, operate, operators, True, check_tip),
            (d.rotate_button, manage, managers, trusted, rotate_tip),
            (d.backup_button, manage, managers, trusted, backup_tip),
            (d.restore_button, manage, managers, trusted, restore_tip),
            (d.remove_button, manage, managers, True, "Forget this server (Delete)"),
        ):
            gate(button, allowed, who, ready, tip if ready else untrusted)
