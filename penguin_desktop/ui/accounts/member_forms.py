"""Add a member to the current workspace, change a member's role, remove a member."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from penguin_desktop.core.accounts.models import MemberInfo, WorkspaceInfo
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import ROLE_ORDER, Role
from penguin_desktop.core.platform.permissions import Permission, may_assign
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog


def assignable_roles(my_role: Role) -> list[Role]:
    """The roles this user may hand out, most powerful first (core re-checks)."""
    return [role for role in ROLE_ORDER if may_assign(my_role, role)]


def role_combo(roles: list[Role], current: Role | None = None) -> QComboBox:
    combo = QComboBox()
    for role in roles:
        combo.addItem(role.value.capitalize(), role.value)
    if current is not None and current in roles:
        combo.setCurrentIndex(roles.index(current))
    elif Role.MEMBER in roles:
        combo.setCurrentIndex(roles.index(Role.MEMBER))
    return combo


def selected_role(combo: QComboBox) -> Role:
    """Qt hands item data back as plain text; turn it into the enum core expects."""
    return Role(combo.currentData())


class AddMemberDialog(FormDialog):
    def __init__(
        self, state: AppState, workspace: WorkspaceInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            f"Add a member to {workspace.name}",
            "The person needs a user account first (Settings → Users).",
            ok_text="Add member",
            parent=parent,
        )
        self.state = state
        self.workspace = workspace
        self.added: MemberInfo | None = None
        self.email = QComboBox()
        self.email.setEditable(True)
        self.email.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.email.lineEdit()
        assert line is not None
        line.setPlaceholderText("colleague@agency.com")
        self._offer_known_users()
        self.email.setCurrentIndex(-1)
        self.role = role_combo(assignable_roles(workspace.my_role))
        self.form.addRow("Email", self.email)
        self.form.addRow("Role", self.role)
        self.fields = {"email": self.email}

    def _offer_known_users(self) -> None:
        """Suggest existing accounts when the user may list them; typing works regardless."""
        if not self.state.can(Permission.USER_LIST):
            return
        try:
            users = self.state.container.users.all(self.state.actor)
        except PenguinError:
            return
        for user in users:
            self.email.addItem(user.email)

    def submit(self) -> None:
        self.added = self.state.container.members.add(
            self.state.actor,
            self.workspace.name,
            self.email.currentText(),
            selected_role(self.role),
        )


class ChangeRoleDialog(FormDialog):
    def __init__(
        self,
        state: AppState,
        workspace: WorkspaceInfo,
        member: MemberInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Change {member.email}'s role",
            f"Currently {member.role.value} of {workspace.name}.",
            ok_text="Change role",
            parent=parent,
        )
        self.state = state
        self.workspace = workspace
        self.member = member
        self.role = role_combo(assignable_roles(workspace.my_role), member.role)
        self.form.addRow("New role", self.role)

    def submit(self) -> None:
        self.state.container.members.set_role(
            self.state.actor, self.workspace.name, self.member.email, selected_role(self.role)
        )


class RemoveMemberDialog(FormDialog):
    def __init__(
        self,
        state: AppState,
        workspace: WorkspaceInfo,
        member: MemberInfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Remove {member.email}?",
            f"They lose access to {workspace.name}. Their user account stays; you can add "
            "them again later.",
            ok_text="Remove member",
            parent=parent,
            danger=True,
        )
        self.state = state
        self.workspace = workspace
        self.member = member

    def submit(self) -> None:
        self.state.container.members.remove(
            self.state.actor, self.workspace.name, self.member.email
        )
