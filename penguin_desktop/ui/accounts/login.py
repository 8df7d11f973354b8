"""Signing in: email and password checked by core (lockout and login activity included)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from penguin_desktop.container import Container
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.ui.shell.resources import app_icon
from penguin_desktop.ui.widgets.form import FormDialog, password_field


class LoginDialog(FormDialog):
    def __init__(
        self,
        container: Container,
        organization: str,
        email: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Sign in to {organization}",
            "PenguinMails Desktop — enter your account's email and password.",
            ok_text="Sign in",
            parent=parent,
        )
        self.container = container
        self.actor: Actor | None = None
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(QSize(56, 56)))
        logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = self.layout()
        assert layout is not None
        layout.insertWidget(0, logo)  # type: ignore[attr-defined]
        self.email = QLineEdit(email)
        self.email.setPlaceholderText("you@agency.com")
        self.password = password_field()
        self.form.addRow("Email", self.email)
        self.form.addRow("Password", self.password)
        self.fields = {"email": self.email, "password": self.password}
        (self.password if email else self.email).setFocus()

    def submit(self) -> None:
        self.actor = self.container.auth.login(self.email.text(), self.password.text(), Face.GUI)

    def failed(self, error: PenguinError) -> None:
        """A refused password is typed again from scratch; an error about one field has
        already put the focus there."""
        self.password.clear()
        if error.field is None:
            self.password.setFocus()
