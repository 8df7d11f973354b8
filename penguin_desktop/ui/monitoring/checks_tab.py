"""The Checks tab of the Monitoring page: what runs on the current workspace's servers and
domains, how often and with what result; the selected check's last 24 hours below.

Every server and domain gets its default checks (added as the next round would when the tab
loads); users add their own, change them, turn any off, and remove the ones they added (a
default one would come back, so it is turned off instead). Run now runs every check of the
workspace once, off the UI thread, with its progress and Cancel in the status bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QSplitter, QWidget

from penguin_desktop.core.monitoring.checks import CheckChange
from penguin_desktop.core.monitoring.models import CheckInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.monitoring import check_words as words
from penguin_desktop.ui.monitoring.background import report_words
from penguin_desktop.ui.monitoring.check_form import CheckDialog, RemoveCheckDialog, Targets
from penguin_desktop.ui.monitoring.check_history import CheckHistory
from penguin_desktop.ui.monitoring.tab_base import ListTable, MonitoringTab
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.badge_delegate import BadgeDelegate
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules

if TYPE_CHECKING:
    from penguin_desktop.core.monitoring import RoundReport


def _message(check: CheckInfo) -> str:
    text = check.last_message or ""
    if check.failures > 1:
        text = f"{check.failures} runs without an answer: {text}"
    return text


def _target_tip(check: CheckInfo) -> str:
    name = f"; certificate expected for {check.tls_name}" if check.tls_name else ""
    return f"The {check.target_type} {check.target}{name}"


def _kind_tip(check: CheckInfo) -> str:
    origin = "a default check" if check.is_default else "added by hand"
    return f"{words.KIND_WORDS[check.kind]}, check #{check.id}, {origin}"


COLUMNS: tuple[Column[CheckInfo], ...] = (
    Column("Target", lambda c: c.target, _target_tip),
    Column("Kind", lambda c: words.SHORT_KIND_WORDS[c.kind], _kind_tip),
    Column("Port", lambda c: str(c.port) if c.port else "—"),
    Column("TLS", lambda c: words.TLS_WORDS[c.tls] if c.tls else "—"),
    Column("Every", lambda c: words.every_text(c.interval), lambda c: f"{c.interval} s"),
    Column("Enabled", lambda c: "Yes" if c.enabled else "No"),
    Column("Status", words.check_status_text),
    Column(
        "Last run",
        lambda c: words.short_when(c.last_run_at, "never"),
        lambda c: words.when(c.last_run_at, "never run"),
    ),
    Column("Message", _message, _message),
)
STATUS_COLUMN = 6
RUN_TIP = "Run every check of this workspace once now (progress and Cancel in the status bar)"


class ChecksTab(MonitoringTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "pulse", parent)
        self._build_bar()  # first: Tab reaches the actions before the lists
        self.list = ListTable(
            "MonitoringPage/checks",
            COLUMNS,
            lambda c: c.id,
            ColumnRules(
                middle=frozenset({"Target"}),
                whole=frozenset({"Kind", "Port", "Every", "Enabled", "Status", "Last run"}),
                widest={"Message": 900},
                least={"Message": 260},
            ),
        )
        self.table = self.list.table
        self.table.setObjectName("checkTable")
        self.table.setItemDelegateForColumn(
            STATUS_COLUMN, BadgeDelegate(words.check_status_style, self.table)
        )
        self.table.activated.connect(lambda _index: self.open_edit())
        self.history = CheckHistory()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.history)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([330, 220])
        self.set_content(self.splitter)
        self.list.on_selection(self._selected_changed)
        self.empty.button.clicked.connect(self.open_add)
        self.add_shortcuts((("Ctrl+N", self.open_add), ("Ctrl+E", self.toggle_enabled)))
        self.rows: list[CheckInfo] = []
        self.dialog: QDialog | None = None
        self.run_job: Job | None = None

    def _build_bar(self) -> None:
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.add_button = action_button("A&dd check…", "add", primary=True)
        self.edit_button = action_button("&Edit…", "edit")
        self.toggle_button = action_button("Disa&ble", "lock")
        self.remove_button = action_button("Re&move…", "remove")
        self.run_button = action_button("R&un now", "play")
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.toggle_button.clicked.connect(self.toggle_enabled)
        self.remove_button.clicked.connect(self.open_remove)
        self.run_button.clicked.connect(self.run_now)
        self.bar.addWidget(self.heading("Checks"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        for button in (
            self.run_button,
            self.edit_button,
            self.toggle_button,
            self.remove_button,
            self.add_button,
        ):
            self.bar.addWidget(button)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        ws = self.workspace
        rows: list[CheckInfo] | None = []
        if ws is not None and self.state.can(Permission.MONITOR_READ, ws):
            checks, actor = self.state.container.monitoring.checks, self.state.actor

            def read() -> list[CheckInfo]:
                if not ws.archived:
                    checks.ensure_defaults(actor, ws.name)  # as the next round would
                return checks.all(actor, ws.name)

            rows = self.call(read)
        self.rows = rows or []
        self.list.set_rows(self.rows)
        off = sum(1 for c in self.rows if not c.enabled)
        bad = sum(1 for c in self.rows if c.enabled and c.last_status in words.BAD)
        parts = [words.count(len(self.rows), "check"), f"{bad} with problems", f"{off} disabled"]
        self.count.setText(" · ".join(parts) if self.rows else "")
        self._show_empty()
        self.show_content(bool(self.rows))
        self._selected_changed()

    def _show_empty(self) -> None:
        ws = self.workspace
        name = ws.name if ws is not None else "this workspace"
        self.empty.set_text(
            f"No checks in {name} yet",
            "Every server and domain gets its checks as soon as it is added: SMTP, submission, "
            "IMAPS and HTTPS, the server's health and blocklists, the domain's DNS records. Add "
            "a server or a domain to this workspace first.",
        )
        self.empty.set_action(None)

    def _selected_changed(self) -> None:
        check = self.list.selected()
        points = []
        if check is not None:
            monitoring, actor = self.state.container.monitoring, self.state.actor
            points = self.call(lambda: monitoring.history(actor, check.id)) or []
        self.history.show_points(check, points)
        self._update_actions()

    # --- adding, changing, removing -------------------------------------------------------------
    def open_add(self) -> CheckDialog | None:
        ws = self.workspace
        if ws is None or not self.rows or not self.allowed(Permission.MONITOR_MANAGE):
            return None
        container, actor = self.state.container, self.state.actor
        servers = self.call(lambda: container.servers.all(actor, ws.name)) or []
        domains = self.call(lambda: container.domains.all(actor, ws.name)) or []
        views = self.call(lambda: container.monitoring.rules.all(actor, ws.name)) or []
        targets = Targets([s.name for s in servers], [d.name for d in domains])
        dialog = CheckDialog(self.state, ws.name, targets, views, parent=self)
        self._open(dialog, lambda: self._saved(dialog, "Added"))
        return dialog

    def open_edit(self) -> CheckDialog | None:
        check, ws = self.list.selected(), self.workspace
        if check is None or ws is None or not self.allowed(Permission.MONITOR_MANAGE):
            return None
        rules, actor = self.state.container.monitoring.rules, self.state.actor
        views = self.call(lambda: rules.all(actor, ws.name)) or []
        dialog = CheckDialog(self.state, ws.name, Targets([], []), views, check, self)
        self._open(dialog, lambda: self._saved(dialog, "Saved"))
        return dialog

    def open_remove(self) -> RemoveCheckDialog | None:
        check = self.list.selected()
        if check is None or check.is_default or not self.allowed(Permission.MONITOR_MANAGE):
            return None
        dialog = RemoveCheckDialog(self.state, check, self)
        kind = words.SHORT_KIND_WORDS[check.kind]
        self._open(dialog, lambda: self._changed(f"Removed the {kind} check of {check.target}"))
        return dialog

    def _open(self, dialog: QDialog, done: Callable[[], None]) -> None:
        dialog.accepted.connect(done)
        self.dialog = dialog
        dialog.open()

    def _saved(self, dialog: CheckDialog, verb: str) -> None:
        check = dialog.result_check
        if check is None:
            return
        self.refresh()
        for index, row in enumerate(self.list.model.rows):
            if row.id == check.id:
                self.table.selectRow(index)
        kind = words.SHORT_KIND_WORDS[check.kind]
        self.message.show_success(f"{verb} the {kind} check of {check.target}")

    def toggle_enabled(self) -> CheckInfo | None:
        check = self.list.selected()
        if check is None or not self.allowed(Permission.MONITOR_MANAGE):
            return None
        checks, actor = self.state.container.monitoring.checks, self.state.actor
        done = self.call(
            lambda: checks.set(actor, check.id, CheckChange(enabled=not check.enabled))
        )
        if done is not None:
            verb = "Enabled" if done.enabled else "Disabled"
            self._changed(f"{verb} the {words.SHORT_KIND_WORDS[done.kind]} check of {done.target}")
        return done

    def _changed(self, text: str) -> None:
        self.message.show_success(text)
        self.state.notify(text)
        self.refresh()
        self.changed.emit()

    # --- running --------------------------------------------------------------------------------
    def run_now(self) -> Job | None:
        """Run every enabled check of the workspace once; while it runs, the button cancels."""
        if self.run_job is not None:
            self.run_job.cancel()
            self.message.show_info("Stopping after the checks already under way…")
            return None
        ws = self.workspace
        if ws is None or not self.allowed(Permission.MONITOR_READ):
            return None
        runner, actor = self.state.container.monitoring.runner, self.state.actor
        job = self.state.runner.start(
            f"Checking {ws.name}", lambda ctx: runner.run_round(actor, ws.name, ctx=ctx), self
        )
        self.run_job = job
        self.message.show_info(f"Running every check of {ws.name}… (progress in the status bar)")
        job.signals.finished.connect(self._ran)
        job.signals.failed.connect(lambda error: show_error(self, error))
        job.signals.cancelled.connect(self.message.show_info)
        job.signals.ended.connect(self._run_ended)
        self._update_actions()
        return job

    def _ran(self, report: RoundReport) -> None:
        text = report_words(report)
        if report.cancelled:
            self.message.show_info(f"Stopped early. {text}")
        else:
            self.message.show_success(text)

    def _run_ended(self) -> None:
        self.run_job = None
        self.refresh()
        self.changed.emit()

    # --- permissions ----------------------------------------------------------------------------
    def _update_actions(self) -> None:
        check = self.list.selected()
        may = self.allowed(Permission.MONITOR_MANAGE)
        refused = self.refused(Permission.MONITOR_MANAGE, "change checks")
        targets = bool(self.rows)  # every server and domain has its default checks
        self.add_button.setEnabled(may and targets)
        self.add_button.setToolTip(
            refused
            if not may
            else "Add a check (Ctrl+N)"
            if targets
            else "Add a server or a domain to this workspace first"
        )
        enable = check is not None and not check.enabled
        self.toggle_button.setText("Ena&ble" if enable else "Disa&ble")
        self.toggle_button.setIcon(icon("unlock" if enable else "lock", theme.ICON))
        for button, tip in (
            (self.edit_button, "Change its port, TLS, interval and thresholds (Enter)"),
            (
                self.toggle_button,
                "Turn it back on (Ctrl+E)" if enable else "Stop running it (Ctrl+E)",
            ),
            (self.remove_button, "Remove this check with its results and alerts"),
        ):
            button.setEnabled(may and check is not None)
            button.setToolTip(refused if not may else "Select a check first" if not check else tip)
        if may and check is not None and check.is_default:
            self.remove_button.setEnabled(False)
            self.remove_button.setToolTip(
                "A default check cannot be removed (the next round would add it back): "
                "disable it instead"
            )
        self._update_run()

    def _update_run(self) -> None:
        running = self.run_job is not None
        self.run_button.setText("Cancel r&un" if running else "R&un now")
        self.run_button.setIcon(icon("cancel" if running else "play", theme.ICON))
        may = self.allowed(Permission.MONITOR_READ) and bool(self.rows)
        self.run_button.setEnabled(running or may)
        self.run_button.setToolTip(
            "Stop the run (the checks under way finish)"
            if running
            else RUN_TIP
            if may
            else "No checks to run"
        )
