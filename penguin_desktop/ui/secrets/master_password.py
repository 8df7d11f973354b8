"""Unlock the encrypted secrets file, or choose its master password when it is being created."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.secrets import MIN_MASTER_LENGTH
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.widgets.form import FormDialog, password_field

CREATE_TITLE = "Create a master password"
UNLOCK_TITLE = "Unlock the secrets file"


def check_new_master(password: str, confirm: str) -> None:
    """The checks a new master password gets before core sees it."""
    if len(password) < MIN_MASTER_LENGTH:
        raise ValidationError(
            f"the master password needs at least {MIN_MASTER_LENGTH} characters", field="master"
        )
    if password != confirm:
        raise ValidationError(
            "the two master passwords differ; type the same one twice", field="master_confirm"
        )


class MasterPasswordDialog(FormDialog):
    """With a container, OK unlocks (or creates) the file through core and a wrong password
    keeps the dialog open with core's message; without one it only collects the password
    (core asked from a worker and checks it itself)."""

    def __init__(
        self, container: Container | None, creating: bool, parent: QWidget | None = None
    ) -> None:
        where = f" ({container.secrets.file_state().path})" if container is not None else ""
        if creating:
            intro = (
                f"Secrets are about to be kept in an encrypted file{where}. Choose its master "
                "password: you type it once per session. It cannot be recovered — without it "
                "the secrets in the file are lost."
            )
        else:
            intro = (
                f"Secrets on this computer are in an encrypted file{where}. Enter its master "
                "password; it is needed once per session."
            )
        super().__init__(
            CREATE_TITLE if creating else UNLOCK_TITLE,
            intro,
            ok_text="Create and unlock" if creating else "Unlock",
            parent=parent,
        )
        self.setObjectName("masterPasswordDialog")
        self.container = container
        self.creating = creating
        self.password: str | None = None
        badge = QLabel()
        badge.setPixmap(icon("lock", theme.ACCENT).pixmap(QSize(40, 40)))
        badge.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout = self.layout()
        assert layout is not None
        layout.insertWidget(0, badge)  # type: ignore[attr-defined]
        self.master = password_field(
            f"at least {MIN_MASTER_LENGTH} characters" if creating else "master password"
        )
        self.form.addRow("Master password", self.master)
        self.confirm: QLineEdit | None = None
        self.fields = {"master": self.master}
        if creating:
            self.confirm = password_field("type it again")
            self.form.addRow("Confirm", self.confirm)
            self.fields["master_confirm"] = self.confirm
        self.master.setFocus()

    def submit(self) -> None:
        typed = self.master.text()
        if self.confirm is not None:
            check_new_master(typed, self.confirm.text())
        elif not typed:
            raise ValidationError("type the master password", field="master")
        if self.container is not None:
            from penguin_desktop.ui.secrets.unlock import prompt_of

            prompt = prompt_of(self.container)
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                if prompt is None:
                    raise ValidationError("this console cannot unlock the secrets file")
                prompt.unlock_with(self.container.secrets, typed)
            finally:
                QGuiApplication.restoreOverrideCursor()
        else:
            self.password = typed  # handed to the waiting worker; core checks it
        self.master.clear()
        if self.confirm is not None:
            self.confirm.clear()

    def failed(self, error: PenguinError) -> None:
        self.master.clear()
        if self.confirm is not None:
            self.confirm.clear()
        self.master.setFocus()
