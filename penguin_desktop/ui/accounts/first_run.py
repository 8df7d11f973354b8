"""First run: name the agency, create its owner account and, on a computer without an OS
keyring, the master password of the encrypted secrets file."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from penguin_desktop.container import Container
from penguin_desktop.core.accounts.passwords import MIN_LENGTH, check_policy
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.core.secrets.backends.base import BackendKind
from penguin_desktop.core.secrets.backends.file_store import MIN_MASTER_LENGTH
from penguin_desktop.ui.secrets.master_password import check_new_master
from penguin_desktop.ui.secrets.unlock import MasterPasswordPrompt, prompt_of
from penguin_desktop.ui.widgets.form import FormDialog, password_field


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
        self.prompt: MasterPasswordPrompt | None = None
        self.master: QLineEdit | None = None
        self.master_confirm: QLineEdit | None = None
        self._add_master_password()

    def _add_master_password(self) -> None:
        """No usable OS keyring: secrets go to the encrypted file, whose password is set now."""
        stores = self.container.stores
        prompt = prompt_of(self.container)
        kind, why = stores.default_kind()
        if prompt is None or kind is not BackendKind.FILE or stores.file_path.exists():
            return
        self.prompt = prompt
        self.master = password_field(f"at least {MIN_MASTER_LENGTH} characters")
        self.master_confirm = password_field("type it again")
        heading = QLabel("Secrets file")
        heading.setObjectName("subhead")
        reason = why.removeprefix("default: ")
        hint = QLabel(
            f"{reason[:1].upper()}{reason[1:]}. Its master password is asked once per session "
            "and cannot be recovered; keep it apart from your sign-in password."
        )
        hint.setObjectName("fieldHint")
        hint.setWordWrap(True)
        self.form.addRow(heading)
        self.form.addRow("Master password", self.master)
        self.form.addRow("Confirm master", self.master_confirm)
        self.form.addRow("", hint)

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
        master = None
        if self.master is not None and self.master_confirm is not None:
            master = self.master.text()
            check_new_master(master, self.master_confirm.text())
            if master == self.password.text():
                raise ValidationError("use a master password different from your sign-in password")
        if self.actor is None:
            self.actor = self.container.auth.initialize(
                self.org_name.text(), self.email.text(), self.password.text(), Face.GUI
            )
            for field in (self.org_name, self.email, self.password, self.confirm):
                field.setEnabled(False)  # created; only the secrets file may still need a retry
        if master is not None and self.prompt is not None:
            self.prompt.unlock_with(self.container.stores, master)
