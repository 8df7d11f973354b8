"""First run: name the agency, create its owner account and, on a computer without an OS
keyring, the master password of the encrypted secrets file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from penguin_desktop.container import Container
from penguin_desktop.core.accounts.auth import check_first_run
from penguin_desktop.core.accounts.passwords import MIN_LENGTH, check_policy
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.core.secrets import MIN_MASTER_LENGTH
from penguin_desktop.ui.secrets.master_password import check_new_master
from penguin_desktop.ui.secrets.unlock import MasterPasswordPrompt, prompt_of
from penguin_desktop.ui.widgets.form import FormDialog, hint_label, password_field, set_hint

POLICY_HINT = f"Use at least {MIN_LENGTH} characters; avoid common passwords."


class PolicyHint(QLabel):
    """The line under the password: core's own password rules, checked while typing so the
    owner is not surprised on OK."""

    def __init__(self, password: QLineEdit, email: QLineEdit) -> None:
        super().__init__(POLICY_HINT)
        self.setObjectName("fieldHint")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.password, self.email = password, email
        for field in (password, email):
            field.textChanged.connect(self.recheck)

    def recheck(self) -> None:
        if not self.password.text():
            set_hint(self, POLICY_HINT)
            return
        try:
            check_policy(self.password.text(), self.email.text().strip())
        except PenguinError as error:
            set_hint(self, error.message[:1].upper() + error.message[1:], "error")
        else:
            set_hint(self, "Password meets the policy.", "success")


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
        self.policy = PolicyHint(self.password, self.email)
        self.form.addRow("Agency name", self.org_name)
        self.form.addRow("Owner email", self.email)
        self.form.addRow("Password", self.password)
        self.form.addRow("", self.policy)
        self.form.addRow("Confirm password", self.confirm)
        self.fields = {
            "org": self.org_name,
            "email": self.email,
            "password": self.password,
            "confirm": self.confirm,
        }
        self.hint_for(self.password, self.policy, self.policy.recheck)
        self.prompt: MasterPasswordPrompt | None = None
        self.master: QLineEdit | None = None
        self.master_confirm: QLineEdit | None = None
        self._add_master_password()

    def _add_master_password(self) -> None:
        """No usable OS keyring: secrets go to the encrypted file, whose password is set now."""
        prompt = prompt_of(self.container)
        secrets_file = self.container.secrets.file_state()
        if prompt is None or secrets_file.default_backend != "file" or secrets_file.exists:
            return
        why = secrets_file.why
        self.prompt = prompt
        self.master = password_field(f"at least {MIN_MASTER_LENGTH} characters")
        self.master_confirm = password_field("type it again")
        heading = QLabel("Secrets file")
        heading.setObjectName("subhead")
        reason = why.removeprefix("default: ")
        hint = hint_label(
            f"{reason[:1].upper()}{reason[1:]}. Its master password is asked once per session "
            "and cannot be recovered; keep it apart from your sign-in password."
        )
        self.form.addRow(heading)
        self.form.addRow("Master password", self.master)
        self.form.addRow("Confirm master", self.master_confirm)
        self.form.addRow("", hint)
        self.fields |= {"master": self.master, "master_confirm": self.master_confirm}

    def submit(self) -> None:
        """Checked in the order the form reads, top to bottom, before anything is created."""
        if self.actor is None:
            check_first_run(self.org_name.text(), self.email.text(), self.password.text())
            if self.password.text() != self.confirm.text():
                raise ValidationError(
                    "the two passwords differ; type the same password twice", field="confirm"
                )
        master = None
        if self.master is not None and self.master_confirm is not None:
            master = self.master.text()
            check_new_master(master, self.master_confirm.text())
            if master == self.password.text():
                raise ValidationError(
                    "use a master password different from your sign-in password", field="master"
                )
        if self.actor is None:
            self.actor = self.container.auth.initialize(
                self.org_name.text(), self.email.text(), self.password.text(), Face.GUI
            )
            for field in (self.org_name, self.email, self.password, self.confirm):
                field.setEnabled(False)  # created; only the secrets file may still need a retry
        if master is not None and self.prompt is not None:
            self.prompt.actor = self.actor
            self.prompt.unlock_with(self.container.secrets, master)
