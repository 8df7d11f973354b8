"""First run: name the agency and create its owner account."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from penguin_desktop.container import Container
from penguin_desktop.core.auth.passwords import MIN_LENGTH, check_policy
from penguin_desktop.core.errors import PenguinError, ValidationError
from penguin_desktop.core.models import Actor, Face
from penguin_desktop.ui.dialogs.form import FormDialog, password_field


class FirstRunDialog(FormDialog):
    """Shown when the database has no organization yet; on success `actor` is the owner."""

    def __init__(self, container: Container, parent: QWidget | None = None) -> None:
        super().__init__(
            "Welcome to PenguinMails Desktop",
            "Set up your agency. You become its owner; you can add colleagues and client "
            "workspaces afterwards. Everything stays in "
            f"{container.settings.data_dir}.",
            ok_text="Create agency",
            parent=parent,
        )
        self.container = container
        self.actor: Actor | None = None
        self.org_name = QLineEdit()
        self.org_name.setPlaceholderText("e.g. Northwind Outreach")
        self.email = QLineEdit()
        self.email.setPlaceholderText("you@agency.com")
        self.password = password_field(f"at least {MIN_LENGTH} characters")
        self.confirm = password_field("type it again")
        self.policy = QLabel(f"Use at least {MIN_LENGTH} characters; avoid common passwords.")
        self.policy.setObjectName("fieldHint")
        self.policy.setWordWrap(True)
        self.form.addRow("Agency name", self.org_name)
        self.form.addRow("Owner email", self.email)
        self.form.addRow("Password", self.password)
        self.form.addRow("", self.policy)
        self.form.addRow("Confirm password", self.confirm)
        for field in (self.password, self.email):
            field.textChanged.connect(self._check_policy)

    def _check_policy(self) -> None:
        """Core's own password rules, shown while typing so the owner is not surprised."""
        if not self.password.text():
            self.policy.setProperty("kind", "")
            self.policy.setText(f"Use at least {MIN_LENGTH} characters; avoid common passwords.")
        else:
            try:
                check_policy(self.password.text(), self.email.text().strip())
            except PenguinError as error:
                self.policy.setProperty("kind", "error")
                self.policy.setText(error.message[:1].upper() + error.message[1:])
            else:
                self.policy.setProperty("kind", "success")
                self.policy.setText("Password meets the policy.")
        self.policy.style().unpolish(self.policy)
        self.policy.style().polish(self.policy)

    def submit(self) -> None:
        if self.password.text() != self.confirm.text():
            raise ValidationError("the two passwords differ; type the same password twice")
        self.actor = self.container.auth.initialize(
            self.org_name.text(), self.email.text(), self.password.text(), Face.GUI
        )
