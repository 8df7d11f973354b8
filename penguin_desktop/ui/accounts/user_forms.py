"""Adding a user account (org owners and admins)."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QWidget

from penguin_desktop.core.accounts.models import UserInfo
from penguin_desktop.core.accounts.passwords import MIN_LENGTH, check_policy
from penguin_desktop.core.platform.emails import normalize_email
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.ui.accounts.member_forms import assignable_roles, role_combo, selected_role
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, password_field


class AddUserDialog(FormDialog):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            "Add a user",
            "Creates a sign-in for a colleague. Give them access to client workspaces from "
            "the Members page afterwards.",
            ok_text="Add user",
            parent=parent,
        )
        self.state = state
        self.added: UserInfo | None = None
        self.email = QLineEdit()
        self.email.setPlaceholderText("colleague@agency.com")
        self.password = password_field(f"initial password, at least {MIN_LENGTH} characters")
        self.confirm = password_field("type it again")
        self.role = role_combo(assignable_roles(state.actor.org_role))
        self.form.addRow("Email", self.email)
        self.form.addRow("Password", self.password)
        self.form.addRow("Confirm", self.confirm)
        self.form.addRow("Organization role", self.role)
        self.fields = {"email": self.email, "password": self.password, "confirm": self.confirm}

    def submit(self) -> None:
        """Checked top to bottom, as the form reads; core checks it all again."""
        email = normalize_email(self.email.text())
        check_policy(self.password.text(), email, own=False)
        if self.password.text() != self.confirm.text():
            raise ValidationError(
                "the two passwords differ; type the same password twice", field="confirm"
            )
        self.added = self.state.container.users.add(
            self.state.actor, self.email.text(), self.password.text(), selected_role(self.role)
        )
