"""Servers: the mail servers of the workspace (or of every workspace) with their address, pinned
host key, MailU version and status; a detail pane with the provisioning steps and the last
health check; Provision (resume), Run check, Rotate SSH key, Backup…, Restore… and Remove….

Everything that talks to a server runs on a worker, one job per server at a time. A host key
that awaits trust opens the host-key dialog; a changed one opens the warning.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import Health, HealthReport, ServerInfo, ServerStatus
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged, HostKeyNotAccepted
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.servers.forms import (
    AMBER,
    FINISHED,
    ProvisionDialog,
    RemoveServerDialog,
    RestoreDialog,
    StartProvisionDialog,
    StepList,
)
from penguin_desktop.ui.servers.host_key import (
    HostKeyChangedDialog,
    HostKeyDialog,
    HostKeyOffer,
    monospace,
    short_fingerprint,
)
from penguin_desktop.ui.servers.wizard import NewServerWizard
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import WorkspacePage, action_button, make_table

GOOD = BadgeStyle("#dcfce7", "#86efac", "#166534")
BUSY = BadgeStyle("#dbeafe", "#93c5fd", "#1e40af")
STATUS_WORDS = {
    ServerStatus.HOST_KEY_PENDING: "Host key to trust",
    ServerStatus.ADOPTED: "Adopted",
    ServerStatus.PROVISIONING: "Provisioning",
    ServerStatus.PROVISION_FAILED: "Provisioning stopped",
    ServerStatus.MAILU_READY: "MailU ready",
}
HEALTH_LOOK = {
    Health.HEALTHY: ("check", theme.SUCCESS),
    Health.DEGRADED: ("warning", AMBER),
    Health.UNREACHABLE: ("cancel", theme.DANGER),
    Health.SKIPPED: ("info", theme.MUTED),
}


def key_changed(info: ServerInfo) -> bool:
    """A pinned key and a different one presented since (the service recorded the refusal)."""
    return bool(
        info.host_key_fingerprint
        and info.offered_fingerprint
        and info.offered_fingerprint != info.host_key_fingerprint
    )


def status_text(info: ServerInfo) -> str:
    if key_changed(info):
        return "Host key CHANGED"
    return STATUS_WORDS.get(info.status, info.status.value)


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


def _when(value: datetime | None) -> str:
    return local_time(value) if value else "never"


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


class ServerDetail(QScrollArea):
    """The selected server: address, key, MailU; host-key banner; steps; last health check;
    and the actions on it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("serverDetail")
        self.setWidgetResizable(True)
        inner = QFrame()
        inner.setObjectName("card")
        self.setWidget(inner)
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(16, 14, 16, 14)
        outer.setSpacing(10)
        self.headline = QLabel("Select a server")
        self.headline.setObjectName("sectionTitle")
        self.headline.setWordWrap(True)
        outer.addWidget(self.headline)
        columns = QHBoxLayout()
        columns.setSpacing(22)
        outer.addLayout(columns, 1)

        # Left: what it is, the host-key banner, the actions.
        column = QVBoxLayout()
        column.setSpacing(8)
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(14)
        self.facts.setVerticalSpacing(4)
        self.values: dict[str, QLabel] = {}
        for row, (key, caption) in enumerate(
            (
                ("address", "Address"),
                ("host_key", "Host key"),
                ("ssh_key", "SSH key"),
                ("mailu", "MailU"),
                ("added", "Added"),
            )
        ):
            name = QLabel(caption)
            name.setObjectName("fieldCaption")
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            self.facts.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.facts.addWidget(value, row, 1)
            self.values[key] = value
        monospace(self.values["host_key"])
        self.values["host_key"].setWordWrap(False)
        self.facts.setColumnStretch(1, 1)
        column.addLayout(self.facts)
        self.banner = InlineMessage()
        column.addWidget(self.banner)
        self.review_button = action_button("Review host key…", "shield")
        self.review_button.hide()
        column.addWidget(self.review_button, 0, Qt.AlignmentFlag.AlignLeft)
        actions = QGridLayout()
        actions.setHorizontalSpacing(8)
        actions.setVerticalSpacing(8)
        self.provision_button = action_button("&Provision", "play", primary=True)
        self.check_button = action_button("Run &check", "verify")
        self.rotate_button = action_button("Rotate SSH &key", "key")
        self.backup_button = action_button("&Backup…", "archive")
        self.restore_button = action_button("Re&store…", "transfer")
        self.remove_button = action_button("Re&move…", "remove")
        self.buttons: list[QPushButton] = [
            self.provision_button,
            self.check_button,
            self.rotate_button,
            self.backup_button,
            self.restore_button,
            self.remove_button,
        ]
        for index, button in enumerate(self.buttons):
            actions.addWidget(button, index // 3, index % 3)
        column.addLayout(actions)
        self.activity = InlineMessage()
        column.addWidget(self.activity)
        column.addStretch(1)
        columns.addLayout(column, 5)

        # Middle: the provisioning steps.
        column = QVBoxLayout()
        column.setSpacing(6)
        steps_title = QLabel("Provisioning steps")
        steps_title.setObjectName("subhead")
        column.addWidget(steps_title)
        self.steps = StepList()
        column.addWidget(self.steps)
        self.steps_note = QLabel()
        self.steps_note.setObjectName("footnote")
        self.steps_note.setWordWrap(True)
        column.addWidget(self.steps_note)
        column.addStretch(1)
        columns.addLayout(column, 6)

        # Right: the last health check.
        column = QVBoxLayout()
        column.setSpacing(6)
        health_title = QLabel("Last health check")
        health_title.setObjectName("subhead")
        column.addWidget(health_title)
        self.health = QLabel()
        self.health.setWordWrap(True)
        column.addWidget(self.health)
        self.checks = QTreeWidget()
        self.checks.setRootIsDecorated(False)
        self.checks.setHeaderLabels(["Check", "Result"])
        self.checks.setColumnWidth(0, 90)
        self.checks.setIconSize(QSize(16, 16))
        self.checks.setAccessibleName("Health checks")
        self.checks.setMaximumHeight(150)
        column.addWidget(self.checks)
        column.addStretch(1)
        columns.addLayout(column, 3)

    def show_server(self, info: ServerInfo | None, report: HealthReport | None) -> None:
        for widget in (self.banner, self.activity):
            widget.clear_message()
        self.review_button.hide()
        if info is None:
            self.headline.setText("Select a server to see its steps and health")
            for value in self.values.values():
                value.setText("")
            self.steps.show_states({})
            self.steps_note.setText("")
            self.health.setText("")
            self.checks.clear()
            return
        self.headline.setText(f"{info.name} · {info.workspace} · {status_text(info)}")
        where = info.hostname or info.ip
        self.values["address"].setText(
            f"{info.ssh_user}@{where}:{info.ssh_port} (IP {info.ip}, {info.provider})"
        )
        self.values["host_key"].setText(info.host_key_fingerprint or "not trusted yet")
        self.values["ssh_key"].setText(f"secret {info.ssh_key_secret}")
        self.values["mailu"].setText(
            " ".join(p for p in (info.mailu_version or "not installed", info.mailu_url or "") if p)
        )
        self.values["added"].setText(local_time(info.created_at))
        if key_changed(info):
            self.banner.show_error(
                f"WARNING: {info.name} presented a different host key "
                f"({info.offered_fingerprint}) than the pinned one. Nothing was sent to it."
            )
            self.review_button.setText("Review the changed key…")
            self.review_button.show()
        elif info.status is ServerStatus.HOST_KEY_PENDING:
            offered = info.offered_fingerprint or "not read yet"
            self.banner.show_info(
                f"The host key of {info.name} is not trusted yet (presented: {offered}). "
                "Nothing is sent to the server until you trust it."
            )
            self.review_button.setText("Review &host key…")
            self.review_button.show()
        self.steps.show_states(info.steps)
        done = sum(1 for state in info.steps.values() if state in FINISHED)
        self.steps_note.setText(
            "Not provisioned yet: Provision installs MailU step by step."
            if not info.steps
            else f"{done} of {len(self.steps.titles)} steps done."
            + (
                " Provision resumes after the last done step."
                if info.status is not ServerStatus.MAILU_READY
                else ""
            )
        )
        self._show_health(info, report)

    def _show_health(self, info: ServerInfo, report: HealthReport | None) -> None:
        self.checks.clear()
        health = report.health if report else info.health
        when = local_time(info.last_check_at) if info.last_check_at else ""
        if health is None:
            self.health.setText("Not checked yet: Run check connects and looks at the server.")
            self.checks.hide()
            return
        text = f"{health.value.capitalize()}" + (f" · {when}" if when else "")
        if report is not None:
            text += f" · {report.seconds:.1f} s" if report.seconds else ""
            if report.error:
                text += f"\n{report.error}"
        self.health.setText(text)
        if report is None or not report.checks:
            self.checks.setVisible(False)
            if report is None:
                self.health.setText(f"{text}\nRun check again to see each check's result.")
            return
        self.checks.setVisible(True)
        for check in report.checks:
            item = QTreeWidgetItem([check.name, check.detail])
            name, color = ("check", theme.SUCCESS) if check.ok else ("cancel", theme.DANGER)
            item.setIcon(0, icon(name, color))
            item.setToolTip(1, check.detail)
            self.checks.addTopLevelItem(item)


class ServersPage(WorkspacePage):
    title = "Servers"
    subtitle = (
        "The mail servers of your clients: adopt one or order a VPS, trust its SSH host key, "
        "install MailU step by step, and keep an eye on its health."
    )
    icon_name = "server"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
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

        bar = QHBoxLayout()
        heading = QLabel("Mail servers")
        heading.setObjectName("sectionTitle")
        self.count = QLabel()
        self.count.setObjectName("footnote")
        bar.addWidget(heading)
        bar.addWidget(self.count)
        bar.addStretch(1)
        self.body.addLayout(bar)
        self.message = InlineMessage()
        self.body.addWidget(self.message)

        self.model: ListTableModel[ServerInfo] = ListTableModel(COLUMNS)
        self.table = make_table()
        self.table.setObjectName("serverTable")
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(STATUS_COLUMN, BadgeDelegate(status_style, self.table))
        for column, width in enumerate((110, 110, 90, 120, 190, 110, 200, 80)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.table.activated.connect(lambda _index: self.open_detail())
        self.detail = ServerDetail()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([260, 420])
        self.empty = EmptyState("", "", icon_name="server")
        self.empty.button.clicked.connect(self.open_new)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack, 1)

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
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            ("Ctrl+N", self.open_new),
            (QKeySequence.StandardKey.Delete, self.open_remove),
            ("Ctrl+Shift+C", self.start_check_all),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

        self.jobs: dict[tuple[str, str], Job] = {}
        self.check_all_job: Job | None = None
        self.reports: dict[tuple[str, str], HealthReport] = {}
        self.dialog: QWidget | None = None
        self.host_key_dialog: QWidget | None = None
        self.unlock_dialog: QWidget | None = None
        self.provision_dialogs: dict[tuple[str, str], ProvisionDialog] = {}
        self.provision_options: dict[str, Any] = {}  # e.g. poll_s, for tests and slow links
        self._shown: tuple[str, str] | None = None
        state.workspaces_changed.connect(self.mark_stale)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        chosen = self.selected()
        rows: list[ServerInfo] | None = []
        servers, actor = self.state.container.servers, self.state.actor
        if self.all_box.isChecked():
            if self.state.can_anywhere(Permission.SERVER_READ):
                rows = self.call(lambda: servers.all(actor))
        elif ws is not None and self.state.can(Permission.SERVER_READ, ws):
            rows = self.call(lambda: servers.all(actor, ws.name))
        self.model.set_rows(rows or [])
        self.table.setColumnHidden(1, not self.all_box.isChecked())
        ready = sum(1 for s in rows or [] if s.status is ServerStatus.MAILU_READY)
        self.count.setText(f"{len(rows or [])} servers · {ready} with MailU ready" if rows else "")
        if rows:
            self.stack.setCurrentWidget(self.splitter)
            if chosen is not None:
                self._select(chosen.workspace, chosen.name)
            if self.selected() is None:
                self.table.selectRow(0)
        else:
            self._show_empty()
        self._selected_changed()

    def _show_empty(self) -> None:
        ws = self.workspace
        if ws is None and not self.all_box.isChecked():
            self.show_no_workspace(self.empty)
        elif ws is not None and not self.state.can(Permission.SERVER_READ, ws):
            self.empty.set_text(
                "Servers are not open to your role", "Ask an owner of the workspace for access."
            )
            self.empty.set_action(None)
        else:
            where = "your workspaces" if self.all_box.isChecked() or ws is None else ws.name
            self.empty.set_text(
                f"No mail servers in {where} yet",
                "Order a VPS at Hostwinds or adopt a server you already run. We pin its SSH host "
                "key, install MailU step by step and check its health.",
            )
            self.empty.set_action("New server…" if self._may_add() else None)
        self.stack.setCurrentWidget(self.empty)

    def selected(self) -> ServerInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _select(self, workspace: str, name: str) -> None:
        for row, info in enumerate(self.model.rows):
            if info.workspace == workspace and info.name == name:
                self.table.selectRow(row)
                return

    def _selected_changed(self) -> None:
        info = self.selected()
        key = (info.workspace, info.name) if info else None
        if key != self._shown:  # a note about another server goes when you move on
            self._shown = key
            self.message.clear_message()
        report = self._report_of(info) if info else None
        self.detail.show_server(info, report)
        self._update_actions()

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

    # --- permissions ----------------------------------------------------------------------------
    def _workspace_of(self, info: ServerInfo) -> WorkspaceInfo | None:
        return next((w for w in self.state.workspaces if w.name == info.workspace), None)

    def _may(self, permission: Permission, info: ServerInfo | None) -> bool:
        if info is None:
            return False
        ws = self._workspace_of(info)
        return ws is not None and not ws.archived and self.state.can(permission, ws)

    def _may_add(self) -> bool:
        return any(
            self.state.can(Permission.SERVER_MANAGE, w) for w in self.state.active_workspaces
        )

    def _update_actions(self) -> None:
        info = self.selected()
        d = self.detail
        ws = self._workspace_of(info) if info else None
        role = ws.my_role.value if ws is not None else ""
        operate = self._may(Permission.SERVER_OPERATE, info)
        manage = self._may(Permission.SERVER_MANAGE, info)
        busy = info is not None and (info.workspace, info.name) in self.jobs
        trusted = info is not None and bool(info.host_key_fingerprint) and not key_changed(info)
        self.new_button.setEnabled(self._may_add())
        self.new_button.setToolTip(
            "Create a VPS or adopt a server (Ctrl+N)"
            if self._may_add()
            else "Only admins and owners add servers"
        )
        self.check_all_button.setEnabled(
            bool(self.model.rows) and self.check_all_job is None and not self.jobs
        )
        busy_tip = "A job is running on this server (see the status bar)"
        operators = f"Only managers, admins and owners do this; you are {role}"
        managers = f"Only admins and owners do this; you are {role}"

        def gate(button: QPushButton, allowed: bool, who: str, ready: bool, tip: str) -> None:
            button.setEnabled(info is not None and allowed and not busy and ready)
            button.setToolTip(
                "Select a server first"
                if info is None
                else who
                if not allowed
                else busy_tip
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
        gate(
            d.provision_button,
            operate,
            operators,
            trusted,
            provision_tip if trusted else untrusted,
        )
        gate(
            d.check_button,
            operate,
            operators,
            True,
            "Connect and check OS, load, memory, disk, Docker",
        )
        gate(
            d.rotate_button,
            manage,
            managers,
            trusted,
            "Replace the SSH key without locking yourself out" if trusted else untrusted,
        )
        gate(
            d.backup_button,
            manage,
            managers,
            trusted,
            "Download MailU's configuration and DKIM keys into an encrypted archive"
            if trusted
            else untrusted,
        )
        gate(
            d.restore_button,
            manage,
            managers,
            trusted,
            "Upload a backup's configuration to this server" if trusted else untrusted,
        )
        gate(d.remove_button, manage, managers, True, "Forget this server (Delete)")
        d.review_button.setEnabled(info is not None)

    # --- jobs on one server ---------------------------------------------------------------------
    def _run(
        self,
        info: ServerInfo,
        title: str,
        work: Callable[[Any], Any],
        done: Callable[[Any], None],
        retry: Callable[[], object] | None = None,
    ) -> Job | None:
        key = (info.workspace, info.name)
        if key in self.jobs:
            return None
        job = self.state.runner.start(title, work)
        self.jobs[key] = job
        self.detail.activity.show_info(f"{title}… (progress and Cancel in the status bar)")
        job.signals.finished.connect(done)
        job.signals.failed.connect(lambda error: self._job_failed(info, error, retry))
        job.signals.cancelled.connect(lambda text: self.message.show_info(text))
        job.signals.ended.connect(lambda: self._job_ended(key))
        self._update_actions()
        return job

    def _job_ended(self, key: tuple[str, str]) -> None:
        self.jobs.pop(key, None)
        self.refresh()

    def _job_failed(
        self, info: ServerInfo, error: BaseException, retry: Callable[[], object] | None
    ) -> None:
        if isinstance(error, HostKeyNotAccepted):
            self._ask_trust(HostKeyOffer.of(info, error.fingerprint), retry)
            return
        if isinstance(error, HostKeyChanged):
            self._warn_changed(info, error.offered, error.pinned)
            return
        self.message.show_error(f"{info.name}: the job stopped. Nothing else was changed.")
        show_error(self, error)

    def start_check(self, info: ServerInfo | None = None) -> Job | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_OPERATE, info):
            return None
        servers, actor = self.state.container.servers, self.state.actor
        name, ws = info.name, info.workspace
        return self._with_secrets(
            info,
            lambda: self._run(
                info,
                f"Checking {name}",
                lambda _ctx: servers.run_check(actor, name, ws),
                lambda report: self._checked(info, report),
            ),
        )

    def _checked(self, info: ServerInfo, report: HealthReport) -> None:
        self.reports[(report.workspace, report.server)] = report
        text = f"{report.server}: {report.health.value}"
        if report.health is Health.HEALTHY:
            self.message.show_success(f"{text} ({report.seconds:.1f} s)")
        else:
            self.message.show_error(f"{text}: {report.error or 'a check failed'}")
        self.state.notify(text)
        if report.health is Health.UNREACHABLE and "CHANGED" in (report.error or ""):
            servers, actor = self.state.container.servers, self.state.actor
            fresh = self.call(lambda: servers.get(actor, info.name, info.workspace))
            if fresh is not None and key_changed(fresh):
                self._warn_changed(
                    fresh, fresh.offered_fingerprint or "", fresh.host_key_fingerprint
                )

    def start_check_all(self) -> Job | None:
        if self.check_all_job is not None or self.jobs or not self.model.rows:
            return None
        servers, actor = self.state.container.servers, self.state.actor
        ws = None if self.all_box.isChecked() or self.workspace is None else self.workspace.name
        job = self.state.runner.start(
            "Checking every server", lambda _ctx: servers.check_all(actor, ws)
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

    def _unlocked(self, workspace: str | None, then: Callable[[], object]) -> None:
        """SSH keys and tokens live in the workspace's secret store: unlock the encrypted file
        first when that is where they are."""
        container = self.state.container
        try:
            kind = (
                container.secrets.backend_info(self.state.actor, workspace).kind
                if workspace
                else "file"
            )
        except PenguinError:
            kind = "file"

        def go() -> None:
            then()

        self.unlock_dialog = with_file_unlocked(self, container, {kind}, go)

    def _with_secrets(self, info: ServerInfo, then: Callable[[], Job | None]) -> Job | None:
        started: list[Job | None] = []
        self._unlocked(info.workspace, lambda: started.append(then()))
        return started[0] if started else None

    def start_rotate(self, info: ServerInfo | None = None) -> Job | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return None
        servers, actor = self.state.container.servers, self.state.actor
        name, ws = info.name, info.workspace
        lines: list[str] = []

        def rotated(result: ServerInfo) -> None:
            self.message.show_success(f"SSH key of {result.name} rotated: " + "; ".join(lines[-2:]))

        return self._with_secrets(
            info,
            lambda: self._run(
                info,
                f"Rotating the SSH key of {name}",
                lambda _ctx: servers.rotate_key(actor, name, ws, on_log=lines.append),
                rotated,
                retry=lambda: self.start_rotate(info),
            ),
        )

    def open_backup(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        suggested = Path.home() / f"{info.name}-mailu-{stamp}.pmbak"
        name, _ = QFileDialog.getSaveFileName(
            self, f"Back up {info.name}", str(suggested), "PenguinMails backups (*.pmbak)"
        )
        if name:
            self.start_backup(Path(name), info)

    def start_backup(self, out: Path, info: ServerInfo | None = None) -> Job | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return None
        servers, actor = self.state.container.servers, self.state.actor
        name, ws = info.name, info.workspace

        def done(manifest: dict[str, str]) -> None:
            self.message.show_success(f"Backed up {name} to {out} ({manifest.get('files', '')})")

        return self._with_secrets(
            info,
            lambda: self._run(
                info,
                f"Backing up {name}",
                lambda _ctx: servers.backup(actor, name, out, ws),
                done,
                retry=lambda: self.start_backup(out, info),
            ),
        )

    def open_restore(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return
        name, _ = QFileDialog.getOpenFileName(
            self,
            f"Restore onto {info.name}",
            str(Path.home()),
            "PenguinMails backups (*.pmbak);;All files (*)",
        )
        if name:
            self.confirm_restore(Path(name), info)

    def confirm_restore(self, source: Path, info: ServerInfo | None = None) -> QWidget | None:
        info = info or self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return None
        dialog = RestoreDialog(self.state, info, source, self)

        def restored() -> None:
            manifest = dialog.result_value or {}
            self.message.show_success(
                f"Restored the configuration of {manifest.get('server', '?')} onto {info.name}: "
                "Provision it to start MailU with it"
            )
            self.refresh()

        dialog.accepted.connect(restored)
        self.dialog = dialog
        self._unlocked(info.workspace, dialog.open)
        return dialog

    # --- provisioning ---------------------------------------------------------------------------
    def open_provision(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_OPERATE, info):
            return
        if info.host_key_fingerprint is None:
            self.open_host_key()
            return
        if info.steps:
            self.start_provision(info, resume=True)
            return
        form = StartProvisionDialog(info, self)
        form.accepted.connect(lambda: self.start_provision(info, resume=False, plan=form.values))
        self.dialog = form
        form.open()

    def start_provision(
        self,
        info: ServerInfo,
        resume: bool,
        plan: dict[str, str | None] | None = None,
    ) -> ProvisionDialog | None:
        key = (info.workspace, info.name)
        if key in self.jobs:
            shown = self.provision_dialogs.get(key)
            if shown is not None:
                shown.show()
                shown.raise_()
            return shown
        old = self.provision_dialogs.get(key)
        if old is not None:
            old.close()
            old.deleteLater()
        dialog = ProvisionDialog(self.state, info, self)
        self.provision_dialogs[key] = dialog

        def begin() -> None:
            job = dialog.start(resume, plan, self.provision_options)
            if job is None:
                return
            self.jobs[key] = job
            job.signals.ended.connect(lambda: self._job_ended(key))
            dialog.view.ended.connect(lambda outcome: self._provision_ended(info, dialog, outcome))
            self.detail.activity.show_info(f"Provisioning {info.name}…")
            self._update_actions()
            dialog.open()

        self._unlocked(info.workspace, begin)
        return dialog

    def _provision_ended(self, info: ServerInfo, dialog: ProvisionDialog, outcome: str) -> None:
        if outcome == "done":
            self.message.show_success(f"MailU is installed on {info.name}")
        elif outcome == "cancelled":
            self.message.show_info(
                f"Provisioning {info.name} was cancelled: Resume provisioning continues it"
            )
        else:
            error = dialog.view.error
            if isinstance(error, HostKeyChanged):
                self._warn_changed(info, error.offered, error.pinned)
            self.message.show_error(
                f"Provisioning {info.name} stopped; see its log. Resume provisioning continues it."
            )

    # --- host keys ------------------------------------------------------------------------------
    def open_host_key(self) -> None:
        info = self.selected()
        if info is None:
            return
        if key_changed(info):
            self._warn_changed(info, info.offered_fingerprint or "", info.host_key_fingerprint)
            return
        if info.host_key_fingerprint is not None:
            self.message.show_success(f"The host key of {info.name} is trusted")
            return
        self._ask_trust(HostKeyOffer.of(info), None)

    def _ask_trust(self, offer: HostKeyOffer, retry: Callable[[], object] | None) -> HostKeyDialog:
        dialog = HostKeyDialog(self.state, offer, self)

        def trusted() -> None:
            self.refresh()
            self._select(offer.workspace, offer.server)
            self.message.show_success(f"Host key of {offer.server} pinned")
            if retry is not None:
                retry()

        dialog.accepted.connect(trusted)
        self.host_key_dialog = dialog
        dialog.open()
        return dialog

    def _warn_changed(
        self, info: ServerInfo, offered: str, pinned: str | None
    ) -> HostKeyChangedDialog:
        dialog = HostKeyChangedDialog(self.state, info, offered, pinned, self)
        dialog.accepted.connect(self.refresh)
        self.host_key_dialog = dialog
        self.message.show_error(f"The host key of {info.name} has CHANGED: nothing was sent to it")
        dialog.open()
        return dialog

    # --- adding and removing --------------------------------------------------------------------
    def open_new(self) -> NewServerWizard | None:
        if not self._may_add():
            return None
        ws = self.workspace

        def show() -> None:
            wizard = NewServerWizard(self.state, ws.name if ws else None, self)
            wizard.provision_options = dict(self.provision_options)
            wizard.server_changed.connect(lambda w, n: self._server_added(w, n))
            wizard.finished.connect(lambda _code: self.refresh())
            self.dialog = wizard
            wizard.open()

        self._unlocked(ws.name if ws else None, show)
        return self.dialog if isinstance(self.dialog, NewServerWizard) else None

    def _server_added(self, workspace: str, name: str) -> None:
        self.refresh()
        self._select(workspace, name)

    def open_remove(self) -> None:
        info = self.selected()
        if info is None or not self._may(Permission.SERVER_MANAGE, info):
            return
        if (info.workspace, info.name) in self.jobs:
            return
        dialog = RemoveServerDialog(self.state, info, self)

        def removed() -> None:
            self.reports.pop((info.workspace, info.name), None)
            self.refresh()
            self.state.notify(f"Removed {info.name}")
            self.message.show_success(f"Removed {info.name}")

        dialog.accepted.connect(removed)
        self.dialog = dialog
        self._unlocked(info.workspace, dialog.open)
