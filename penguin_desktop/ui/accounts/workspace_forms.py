"""Create, rename and archive a client workspace.

A name's length limit is shown while typing; a longer name is kept as typed and refused by core
with its reason, never cut short behind the person's back.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.accounts.workspaces import MAX_NAME
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, LengthHint


class NewWorkspaceDialog(FormDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            "New client workspace",
            "Each client gets its own workspace: its servers, domains, campaigns and billing "
            "stay apart from every other client's.",
            ok_text="Create workspace",
            parent=parent,
        )
        self.state = state
        self.created: WorkspaceInfo | None = None
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Acme Corp")
        self.name_hint = LengthHint(self.name, MAX_NAME)
        self.form.addRow("Name", self.name)
        self.form.addRow("", self.name_hint)
        self.fields = {"workspace": self.name}
        self.hint_for(self.name, self.name_hint, self.name_hint.recount)

    def submit(self) -> None:
        self.created = self.state.container.workspaces.create(self.state.actor, self.name.text())


class RenameWorkspaceDialog(FormDialog):
    def __init__(
        self, state: AppState, workspace: WorkspaceInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(f"Rename {workspace.name}", ok_text="Rename", parent=parent)
        self.state = state
        self.workspace = workspace
        self.renamed: WorkspaceInfo | None = None
        self.name = QLineEdit(workspace.name)
        self.name.selectAll()
        self.name_hint = LengthHint(self.name, MAX_NAME)
        self.form.addRow("New name", self.name)
        self.form.addRow("", self.name_hint)
        self.fields = {"workspace": self.name}
        self.hint_for(self.name, self.name_hint, self.name_hint.recount)

    def submit(self) -> None:
        self.renamed = self.state.container.workspaces.rename(
            self.state.actor, self.workspace.name, self.name.text()
        )


class ArchiveWorkspaceDialog(FormDialog):
    def __init__(
        self, state: AppState, workspace: WorkspaceInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            f"Archive {workspace.name}?",
            "An archived workspace stays readable (members, audit log) but can no longer "
            "change. This cannot be undone from the console.",
            ok_text="Archive workspace",
            parent=parent,
            danger=True,
        )
        self.state = state
        self.workspace = workspace

    def submit(self) -> None:
        self.state.container.workspaces.archive(self.state.actor, self.workspace.name)
