"""Settings → My account: password, email and idle lock of the signed-in user."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.passwords import MIN_LENGTH
from penguin_desktop.core.accounts.users import IDLE_TIMEOUT_RANGE
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.form import hint_label, password_field
from penguin_desktop.ui.widgets.formatting import role_name
from penguin_desktop.ui.widgets.inline_message import InlineMessage


def _form_row(form: QFormLayout, button: QPushButton) -> None:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(button)
    form.addRow("", row)


class AccountCard(Card):
    """Three small forms; each calls one core method and reports inline under itself."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            "My account", "Your sign-in and how soon the console locks when you step away.", parent
        )
        self.state = state
        self.who = QLabel()
        self.who.setObjectName("accountWho")
        self.add(self.who)

        columns = QHBoxLayout()
        columns.setSpacing(28)
        holder = QWidget()
        holder.setLayout(columns)
        self.add(holder)

        forms = (self._password_form(), self._email_form(), self._idle_form())
        for form in forms:
            form.setVerticalSpacing(8)
            form.setHorizontalSpacing(12)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            stack = QVBoxLayout()
            stack.addLayout(form)
            stack.addStretch(1)
            columns.addLayout(stack, 1)
        state.actor_changed.connect(lambda _actor: self.reload())
        self.reload()

    def _password_form(self) -> QFormLayout:
        form = QFormLayout()
        self.current_password = password_field()
        self.new_password = password_field(f"at least {MIN_LENGTH} characters")
        self.confirm_password = password_field("type it again")
        self.password_button = QPushButton("Change password")
        self.password_message = InlineMessage()
        form.addRow(self._subhead("Password"))
        form.addRow("Current password", self.current_password)
        form.addRow("New password", self.new_password)
        form.addRow("Confirm", self.confirm_password)
        _form_row(form, self.password_button)
        form.addRow(self.password_message)
        self.password_button.clicked.connect(self.change_password)
        self.confirm_password.returnPressed.connect(self.change_password)
        return form

    def _email_form(self) -> QFormLayout:
        form = QFormLayout()
        self.email_password = password_field()
        self.new_email = QLineEdit()
        self.new_email.setPlaceholderText("new@agency.com")
        self.email_button = QPushButton("Change email")
        self.email_message = InlineMessage()
        form.addRow(self._subhead("Email"))
        form.addRow("Current password", self.email_password)
        form.addRow("New email", self.new_email)
        _form_row(form, self.email_button)
        form.addRow(self.email_message)
        self.email_button.clicked.connect(self.change_email)
        self.new_email.returnPressed.connect(self.change_email)
        return form

    def _idle_form(self) -> QFormLayout:
        form = QFormLayout()
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(IDLE_TIMEOUT_RANGE.start, IDLE_TIMEOUT_RANGE.stop - 1)
        self.idle_minutes.setSuffix(" min")
        self.idle_button = QPushButton("Save")
        self.idle_message = InlineMessage()
        form.addRow(self._subhead("Idle lock"))
        form.addRow("Lock after", self.idle_minutes)
        form.addRow(hint_label("Locks after this long without keyboard or mouse input."))
        _form_row(form, self.idle_button)
        form.addRow(self.idle_message)
        self.idle_button.clicked.connect(self.save_idle_timeout)
        return form

    @staticmethod
    def _subhead(text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("subhead")
        return label

    def reload(self) -> None:
        """Show the account as core has it now. Changed elsewhere since sign-in (the CLI sets
        the idle lock too), it is taken over first, so this card, the Users table and the idle
        timer all go by the same value."""
        actor = self.state.actor
        try:
            me = self.state.container.users.me(actor)
        except PenguinError:
            me = None
        if me is not None and (me.email, me.idle_timeout_minutes) != (
            actor.email,
            actor.idle_timeout_minutes,
        ):
            self.state.update_actor(me)  # actor_changed brings us back here, up to date
            return
        self.who.setText(
            f"Signed in as <b>{actor.email}</b> · organization role "
            f"<b>{role_name(actor.org_role)}</b>"
        )
        self.idle_minutes.setValue(actor.idle_timeout_minutes)

    def change_password(self) -> None:
        self.password_message.clear_message()
        try:
            if self.new_password.text() != self.confirm_password.text():
                raise ValidationError("the new passwords differ; type the same one twice")
            self.state.container.users.change_password(
                self.state.actor, self.current_password.text(), self.new_password.text()
            )
        except PenguinError as error:
            self.password_message.show_error(error)
            return
        for field in (self.current_password, self.new_password, self.confirm_password):
            field.clear()
        self.password_message.show_success("Password changed. Use it from your next sign-in.")
        self.state.notify("Password changed")

    def change_email(self) -> None:
        self.email_message.clear_message()
        try:
            info = self.state.container.users.change_email(
                self.state.actor, self.email_password.text(), self.new_email.text()
            )
        except PenguinError as error:
            self.email_message.show_error(error)
            return
        self.email_password.clear()
        self.new_email.clear()
        self.state.update_actor(info)
        self.email_message.show_success(f"You now sign in as {info.email}.")

    def save_idle_timeout(self) -> None:
        self.idle_message.clear_message()
        try:
            info = self.state.container.users.set_idle_timeout(
                self.state.actor, self.idle_minutes.value()
            )
        except PenguinError as error:
            self.idle_message.show_error(error)
            return
        self.state.update_actor(info)
        self.idle_message.show_success(
            f"The console now locks after {info.idle_timeout_minutes} min idle."
        )
