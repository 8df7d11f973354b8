"""Members: who has access to the current workspace, and with which role."""

from __future__ import annotations

from PySide6.QtWidgets import QStackedWidget, QWidget

from penguin_desktop.core.accounts.models import MemberInfo
from penguin_desktop.core.platform.models import Role
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.accounts.member_forms import (
    AddMemberDialog,
    ChangeRoleDialog,
    RemoveMemberDialog,
    assignable_roles,
    selected_role,
)
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.formatting import local_time, role_name
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import WorkspacePage, action_button, make_table

COLUMNS: tuple[Column[MemberInfo], ...] = (
    Column("Email", lambda m: m.email),
    Column("Role", lambda m: role_name(m.role)),
    Column("Added", lambda m: local_time(m.added_at)),
)


def may_change(my_role: Role, member: MemberInfo) -> bool:
    """Mirror of core's rule: owners change anyone; others only members ranked below them."""
    return my_role is Role.OWNER or member.role.rank < my_role.rank


class MembersPage(WorkspacePage):
    title = "Members"
    subtitle = "People with access to the current workspace."
    icon_name = "members"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.add_button = action_button("Add member", "add", primary=True)
        self.role_button = action_button("Change role", "role")
        self.remove_button = action_button("Remove", "remove")
        self.add_button.clicked.connect(self.open_add)
        self.role_button.clicked.connect(self.open_change_role)
        self.remove_button.clicked.connect(self.open_remove)
        for button in (self.role_button, self.remove_button, self.add_button):
            self.page_actions.addWidget(button)
        self.model: ListTableModel[MemberInfo] = ListTableModel(COLUMNS)
        self.table = make_table()
        self.table.setModel(self.model)
        self.table.setColumnWidth(0, 320)
        self.table.setColumnWidth(1, 140)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.table.doubleClicked.connect(lambda _index: self._double_clicked())
        self.empty = EmptyState("", "", icon_name="members")
        self.empty.button.clicked.connect(self._empty_action)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack)

    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        if ws is None:
            self.model.set_rows([])
            self.subtitle_label.setText("People with access to the current workspace.")
            self._show_empty()
            self._update_actions()
            return
        self.subtitle_label.setText(
            f"People with access to {ws.name}. You are {ws.my_role.value} here."
            + (" This workspace is archived." if ws.archived else "")
        )
        members = self.call(lambda: self.state.container.members.all(self.state.actor, ws.name))
        self.model.set_rows(members or [])
        if members:
            self.stack.setCurrentWidget(self.table)
        else:
            self._show_empty()
        self._update_actions()

    def _show_empty(self) -> None:
        if self.workspace is None:
            self.show_no_workspace(self.empty, "Go to Workspaces")
        else:
            self.empty.set_text(
                "Nobody else is here yet",
                f"Add colleagues to {self.workspace.name} so they can work on it.",
            )
            self.empty.set_action("Add member" if self._may_manage() else None)
        self.stack.setCurrentWidget(self.empty)

    def _empty_action(self) -> None:
        if self.workspace is None:
            window = self.window()
            go = getattr(window, "show_page_titled", None)
            if callable(go):
                go("Workspaces")
        else:
            self.open_add()

    def _may_manage(self) -> bool:
        ws = self.workspace
        return (
            ws is not None
            and not ws.archived
            and self.state.can(Permission.MEMBER_MANAGE, ws)
            and bool(assignable_roles(ws.my_role))
        )

    def selected(self) -> MemberInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _update_actions(self) -> None:
        ws = self.workspace
        manage = self._may_manage()
        member = self.selected()
        denied = self._denied_reason()
        self.add_button.setEnabled(manage)
        self.add_button.setToolTip(denied)
        change = manage and ws is not None and member is not None and may_change(ws.my_role, member)
        leaving = manage and member is not None and member.email == self.state.actor.email
        self.role_button.setEnabled(change)
        self.remove_button.setEnabled(change or leaving)
        for button in (self.role_button, self.remove_button):
            if denied:
                button.setToolTip(denied)
            elif member is None:
                button.setToolTip("Select a member first")
            elif not button.isEnabled():
                button.setToolTip(f"{member.email} is not ranked below you")
            else:
                button.setToolTip("")

    def _denied_reason(self) -> str:
        ws = self.workspace
        if ws is None:
            return "Pick a workspace first"
        if ws.archived:
            return f"{ws.name} is archived"
        if not self.state.can(Permission.MEMBER_MANAGE, ws):
            return f"Only owners and admins of {ws.name} manage members; you are {ws.my_role.value}"
        return ""

    def _double_clicked(self) -> None:
        if self.role_button.isEnabled():
            self.open_change_role()

    # --- actions ------------------------------------------------------------------------------
    def open_add(self) -> AddMemberDialog | None:
        ws = self.workspace
        if ws is None:
            return None
        dialog = AddMemberDialog(self.state, ws, self)
        dialog.accepted.connect(lambda: self._changed(f"Added {dialog.email.currentText()}"))
        dialog.open()
        return dialog

    def open_change_role(self) -> ChangeRoleDialog | None:
        ws, member = self.workspace, self.selected()
        if ws is None or member is None:
            return None
        dialog = ChangeRoleDialog(self.state, ws, member, self)
        dialog.accepted.connect(
            lambda: self._changed(f"{member.email} is now {selected_role(dialog.role).value}")
        )
        dialog.open()
        return dialog

    def open_remove(self) -> RemoveMemberDialog | None:
        ws, member = self.workspace, self.selected()
        if ws is None or member is None:
            return None
        dialog = RemoveMemberDialog(self.state, ws, member, self)
        dialog.accepted.connect(lambda: self._changed(f"Removed {member.email} from {ws.name}"))
        dialog.open()
        return dialog

    def _changed(self, text: str) -> None:
        self.refresh()
        self.state.notify(text)
