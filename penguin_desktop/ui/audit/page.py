"""Audit log: the hash-chained trail, filtered, lazily paged, exported and verified; the
selected event whole in the pane below the table.

The table never loads more than the pages the user scrolls through; export and verification
walk the whole trail, so they run as jobs off the UI thread with progress and cancel in the
status bar.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel, QSplitter, QStackedWidget, QWidget

from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditEntry, ExportResult, VerifyResult
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import Role
from penguin_desktop.core.platform.permissions import Permission, allows
from penguin_desktop.ui.audit.detail import AuditEventDetail
from penguin_desktop.ui.audit.filter import AuditFilterBar
from penguin_desktop.ui.audit.model import COLUMN_RULES, AuditTableModel
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.page import Page, action_button, make_table

_FILE_FILTERS = {
    ExportFormat.CSV: "CSV files (*.csv)",
    ExportFormat.JSON: "JSON files (*.json)",
    ExportFormat.PDF: "PDF documents (*.pdf)",
}


class AuditPage(Page):
    title = "Audit log"
    subtitle = (
        "Every change and every denied attempt, hash-chained so tampering shows. Newest first."
    )
    icon_name = "audit"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.format = QComboBox()
        for fmt in ExportFormat:
            self.format.addItem(fmt.value.upper(), fmt.value)
        self.format.setToolTip("Report format")
        self.export_button = action_button("Export…", "export", primary=True)
        self.verify_button = action_button("Verify chain", "verify")
        self.export_button.clicked.connect(self.open_export)
        self.verify_button.clicked.connect(self.start_verify)
        for widget in (self.verify_button, self.format, self.export_button):
            self.page_actions.addWidget(widget)

        self.filters = AuditFilterBar()
        self.filters.applied.connect(self.apply_filter)
        self.message = InlineMessage()
        self.model = AuditTableModel(state.container.audit, state.actor)
        self.model.failed.connect(self._fetch_failed, Qt.ConnectionType.QueuedConnection)
        self.model.modelReset.connect(self._update_counts)
        self.model.rowsInserted.connect(self._update_counts)
        self.table = make_table("AuditPage", COLUMN_RULES)
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(self._show_selected)
        self.model.modelReset.connect(self._select_newest)
        self.detail = AuditEventDetail()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([330, 220])
        self.empty = EmptyState("", "", icon_name="audit")
        self.empty.button.clicked.connect(self.filters.reset)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty)
        self.counts = QLabel()
        self.counts.setObjectName("footnote")
        self.body.addWidget(self.filters)
        self.body.addWidget(self.message)
        self.body.addWidget(self.stack, 1)
        self.body.addWidget(self.counts)
        self.export_job: Job | None = None
        self.verify_job: Job | None = None
        state.workspaces_changed.connect(self._workspaces_changed)
        state.actor_changed.connect(lambda actor: self.mark_stale())

    # --- permissions ----------------------------------------------------------------------------
    def may_read(self) -> bool:
        org = self.state.actor.org_role
        return (
            org is Role.OWNER
            or allows(org, Permission.AUDIT_ORGANIZATION)
            or self.state.can_anywhere(Permission.AUDIT_READ)
        )

    def may_export(self) -> bool:
        org = self.state.actor.org_role
        return (
            org is Role.OWNER
            or allows(org, Permission.AUDIT_ORGANIZATION)
            or self.state.can_anywhere(Permission.AUDIT_EXPORT)
        )

    def _update_actions(self) -> None:
        running_export = self.export_job is not None
        self.export_button.setEnabled(self.may_export() and not running_export)
        self.format.setEnabled(self.may_export())
        self.export_button.setToolTip(
            "Export is running (see the status bar)"
            if running_export
            else ("" if self.may_export() else "Only admins and owners export audit reports")
        )
        may_verify = self.state.can(Permission.AUDIT_VERIFY)
        self.verify_button.setEnabled(may_verify and self.verify_job is None)
        self.verify_button.setToolTip(
            "" if may_verify else "Only organization owners and admins verify the chain"
        )

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        self._workspaces_changed()
        self._update_actions()
        if not self.may_read():
            self.model.clear()
            self.filters.setEnabled(False)
            self.empty.set_text(
                "The audit log is not open to your role",
                "Managers, admins and owners of a workspace can read its audit log. Ask an "
                "owner for a higher role if you need it.",
            )
            self.empty.set_action(None)
            self.stack.setCurrentWidget(self.empty)
            return
        self.filters.setEnabled(True)
        self.apply_filter()

    def _workspaces_changed(self) -> None:
        self.filters.set_workspaces(
            [w.name for w in self.state.workspaces if allows(w.my_role, Permission.AUDIT_READ)]
        )

    def apply_filter(self) -> None:
        """Start the table over with the filter as typed; only the newest page is fetched."""
        self.message.clear_message()
        try:
            flt = self.filters.current()
            self.model.load(flt, self.state.actor)
        except PenguinError as error:
            self.message.show_error(error)
            self.model.clear()
        self._update_counts()

    def _update_counts(self) -> None:
        rows = self.model.rowCount()
        more = self.model.canFetchMore()
        if rows:
            self.stack.setCurrentWidget(self.splitter)
            self.counts.setText(
                f"{rows:,} events loaded" + (" — scroll down for older ones" if more else "")
            )
            return
        self.counts.setText("")
        if self.may_read():
            self.empty.set_text(
                "No audit events match these filters",
                "Clear the filters or widen the dates to see more of the trail.",
            )
            self.empty.set_action("Clear filters")
            self.stack.setCurrentWidget(self.empty)

    def _select_newest(self) -> None:
        """A new filter shows its newest event in the detail pane, not an empty one."""
        if self.model.rowCount():
            self.table.selectRow(0)
        self._show_selected()

    def selected_entry(self) -> AuditEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.entry(rows[0].row()) if rows else None

    def _show_selected(self, *_selection: QItemSelection) -> None:
        self.detail.show_entry(self.selected_entry())

    def _fetch_failed(self, error: PenguinError) -> None:
        show_error(self, error)

    def focus_filter(self) -> bool:
        self.filters.focus()
        return True

    # --- export ---------------------------------------------------------------------------------
    def open_export(self) -> None:
        fmt = ExportFormat(self.format.currentData())
        suggested = Path.home() / f"audit-{date.today().isoformat()}.{fmt.value}"
        name, _ = QFileDialog.getSaveFileName(
            self, "Export audit report", str(suggested), _FILE_FILTERS[fmt]
        )
        if name:
            self.start_export(Path(name), fmt)

    def start_export(self, path: Path, fmt: ExportFormat) -> Job | None:
        """Export what the table shows (same filter) to `path` on a worker thread."""
        try:
            flt = self.filters.current()
        except PenguinError as error:
            self.message.show_error(error)
            return None
        audit, actor = self.state.container.audit, self.state.actor
        job = self.state.runner.start(
            f"Exporting audit log ({fmt.value.upper()})",
            lambda ctx: audit.export(actor, fmt, path, flt, ctx),
            owner=self,
        )
        self.export_job = job
        job.signals.finished.connect(self._exported)
        job.signals.failed.connect(lambda error: show_error(self, error))
        job.signals.cancelled.connect(self.message.show_info)
        job.signals.ended.connect(self._export_ended)
        self.message.show_info(f"Exporting to {path} … (progress in the status bar)")
        self._update_actions()
        return job

    def _exported(self, result: ExportResult) -> None:
        head = result.head_hash[:12]
        text = f"Exported {result.rows:,} events to {result.path} (chain head {head}…)"
        self.message.show_success(text)
        self.state.notify(text)

    def _export_ended(self) -> None:
        self.export_job = None
        if self.message.kind == "info" and self.message.text().startswith("Exporting"):
            self.message.clear_message()
        self._update_actions()

    # --- verify ---------------------------------------------------------------------------------
    def start_verify(self) -> Job:
        audit, actor = self.state.container.audit, self.state.actor
        job = self.state.runner.start(
            "Verifying audit chain", lambda ctx: audit.verify(actor, ctx), owner=self
        )
        self.verify_job = job
        job.signals.finished.connect(self._verified)
        job.signals.failed.connect(lambda error: show_error(self, error))
        job.signals.cancelled.connect(self.message.show_info)
        job.signals.ended.connect(self._verify_ended)
        self._update_actions()
        return job

    def _verified(self, result: VerifyResult) -> None:
        if result.ok:
            text = (
                f"Audit chain intact: {result.checked:,} entries verified, "
                f"head {result.head_hash[:12]}…"
            )
            self.message.show_success(text)
        else:
            text = (
                f"Audit chain broken at entry {result.first_bad_seq}: {result.problem}. "
                "Export a report now and keep the database file for investigation."
            )
            self.message.show_error(text)
        self.state.notify(text)

    def _verify_ended(self) -> None:
        self.verify_job = None
        self._update_actions()
