"""Workspaces: the client workspaces the user can see, and creating/renaming/archiving them."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QCheckBox, QStackedWidget, QWidget

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.accounts.workspace_forms import (
    ArchiveWorkspaceDialog,
    NewWorkspaceDialog,
    RenameWorkspaceDialog,
)
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.form import FormDialog
from penguin_desktop.ui.widgets.formatting import local_time, role_name
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import Page, action_button, make_table

COLUMNS: tuple[Column[WorkspaceInfo], ...] = (
    Column("Name", lambda w: w.name),
    Column("Your role", lambda w: role_name(w.my_role)),
    Column("Created", lambda w: local_time(w.created_at)),
    Column("Status", lambda w: "Archived" if w.archived else "Active"),
)


class WorkspacesPage(Page):
    title = "Workspaces"
    subtitle = (
        "Client workspaces you can open. Each keeps its servers, domains and campaigns apart."
    )
    icon_name = "workspaces"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.show_archived = QCheckBox("Show archived")
        self.show_archived.toggled.connect(lambda _on: self._fill())
        self.new_button = action_button("New workspace", "add", primary=True)
        self.rename_button = action_button("Rename", "edit")
        self.archive_button = action_button("Archive", "archive")
        self.new_button.clicked.connect(self.open_new)
        self.rename_button.clicked.connect(self.open_rename)
        self.archive_button.clicked.connect(self.open_archive)
        for widget in (
            self.show_archived,
            self.rename_button,
            self.archive_button,
            self.new_button,
        ):
            self.page_actions.addWidget(widget)

        self.model: ListTableModel[WorkspaceInfo] = ListTableModel(COLUMNS)
        self.table = make_table()
        self.table.setModel(self.model)
        self.table.setColumnWidth(0, 280)
        self.table.setColumnWidth(1, 140)
        self.table.setColumnWidth(2, 170)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(self._open_workspace)
        self.empty = EmptyState(
            "No workspaces yet — create one",
            "A workspace holds one client's servers, domains, campaigns and billing, "
            "kept apart from every other client.",
            "Create workspace",
            icon_name="workspaces",
        )
        self.empty.button.clicked.connect(self.open_new)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack)
        state.workspaces_changed.connect(self._fill)

    def refresh(self) -> None:
        super().refresh()
        self.call(self.state.reload_workspaces)

    def _fill(self) -> None:
        shown = [
            w for w in self.state.workspaces if self.show_archived.isChecked() or not w.archived
        ]
        self.model.set_rows(shown)
        may_create = self.state.can(Permission.WORKSPACE_CREATE)
        self.new_button.setEnabled(may_create)
        self.new_button.setToolTip(
            "" if may_create else "Only organization owners and admins create workspaces"
        )
        if shown:
            self.stack.setCurrentWidget(self.table)
        elif may_create:
            self.empty.set_text(
                "No workspaces yet — create one",
                "A workspace holds one client's servers, domains, campaigns and billing, "
                "kept apart from every other client.",
            )
            self.empty.set_action("Create workspace")
            self.stack.setCurrentWidget(self.empty)
        else:
            self.empty.set_text(
                "You are not in any workspace yet",
                "Ask an owner or admin of your agency to add you to a client workspace, "
                "then press F5.",
            )
            self.empty.set_action(None)
            self.stack.setCurrentWidget(self.empty)
        current = self.state.current
        if current is not None and current in shown:
            self.table.selectRow(shown.index(current))
        self._update_actions()

    def selected(self) -> WorkspaceInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        ws = self.selected()
        live = ws is not None and not ws.archived
        may_rename = live and self.state.can(Permission.WORKSPACE_RENAME, ws)
        may_archive = live and self.state.can(Permission.WORKSPACE_ARCHIVE, ws)
        self.rename_button.setEnabled(may_rename)
        self.archive_button.setEnabled(may_archive)
        self.rename_button.setToolTip(self._why_not(ws, may_rename, "admins and owners"))
        self.archive_button.setToolTip(self._why_not(ws, may_archive, "owners"))

    @staticmethod
    def _why_not(ws: WorkspaceInfo | None, allowed: bool, who: str) -> str:
        if allowed:
            return ""
        if ws is None:
            return "Select a workspace first"
        if ws.archived:
            return f"{ws.name} is archived"
        return f"Only workspace {who} can do this; you are {ws.my_role.value}"

    def _open_workspace(self, index: QModelIndex) -> None:
        ws = self.model.row_object(index.row())
        if ws is not None and not ws.archived:
            self.state.select_workspace(ws.name)
            self.state.notify(f"Switched to {ws.name}")

    # --- actions (each returns its dialog so tests and callers can drive it) ------------------
    def open_new(self) -> NewWorkspaceDialog:
        dialog = NewWorkspaceDialog(self.state, self)
        dialog.accepted.connect(lambda: self._created(dialog))
        dialog.open()
        return dialog

    def _created(self, dialog: NewWorkspaceDialog) -> None:
        created = dialog.created
        if created is not None:
            self.call(lambda: self.state.reload_workspaces(select=created.name))
            self.state.notify(f"Created workspace {created.name}")

    def open_rename(self) -> RenameWorkspaceDialog | None:
        ws = self.selected()
        if ws is None:
            return None
        dialog = RenameWorkspaceDialog(self.state, ws, self)
        dialog.accepted.connect(lambda: self._renamed(dialog))
        dialog.open()
        return dialog

    def _renamed(self, dialog: RenameWorkspaceDialog) -> None:
        if dialog.renamed is not None:
            was_current = self.state.current is not None and (
                self.state.current.id == dialog.renamed.id
            )
            select = dialog.renamed.name if was_current else None
            self.call(lambda: self.state.reload_workspaces(select=select))
            self.state.notify(f"Renamed {dialog.workspace.name} to {dialog.renamed.name}")

    def open_archive(self) -> FormDialog | None:
        ws = self.selected()
        if ws is None:
            return None
        dialog = ArchiveWorkspaceDialog(self.state, ws, self)
        dialog.accepted.connect(lambda: self._archived(ws))
        dialog.open()
        return dialog

    def _archived(self, ws: WorkspaceInfo) -> None:
        self.call(self.state.reload_workspaces)
        self.state.notify(f"Archived {ws.name}")
