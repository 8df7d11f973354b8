"""Forms of the Mailboxes page: a new mailbox, a new generated password, a quota, an alias,
and the confirmations before removing a mailbox or an alias.

Each one talks to MailU's admin API (and the secret store), so OK runs its core call off the UI
thread (JobFormDialog); a refusal stays in the dialog in core's words. Passwords are generated
by core straight into the secret store: no form here ever holds or shows one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QSpinBox, QWidget

from penguin_desktop.core.mailboxes.models import MailboxInfo
from penguin_desktop.core.mailboxes.service import (
    MAX_QUOTA_MB,
    AliasInfo,
    clean_destinations,
    clean_email,
    password_secret_name,
)
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.job_form import JobFormDialog

DEFAULT_QUOTA = "MailU's default"


def quota_box(value: int | None, allow_default: bool) -> QSpinBox:
    """Quota in MB; 0 shows as "MailU's default" where that is allowed."""
    box = QSpinBox()
    box.setRange(0 if allow_default else 1, MAX_QUOTA_MB)
    box.setSingleStep(256)
    box.setSuffix(" MB")
    box.setAccelerated(True)
    if allow_default:
        box.setSpecialValueText(DEFAULT_QUOTA)
    box.setValue((value or 0) if allow_default else (value or 1024))
    return box


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("footnote")
    label.setWordWrap(True)
    return label


class MailboxForm(JobFormDialog):
    """A dialog of the Mailboxes page (each grows with its hints and errors, as every form
    dialog does)."""


class NewMailboxDialog(MailboxForm):
    """Email, the MailU server, the quota; the password is generated into the secret store."""

    def __init__(
        self,
        state: AppState,
        workspace: str,
        servers: list[ServerInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            state.runner,
            "New mailbox",
            f"A MailU user of {workspace}. Its password is generated and goes straight into "
            "the secret store: it is never shown here, and mail clients get it from there.",
            ok_text="Create mailbox",
            parent=parent,
        )
        self.state, self.workspace = state, workspace
        self.email = QLineEdit()
        self.email.setPlaceholderText("ann@client.example")
        self.server = QComboBox()
        usable = [s for s in servers if s.mailu_url]
        for info in usable:
            self.server.addItem(f"{info.name} ({info.hostname or info.ip})", info.name)
        if not usable:
            self.server.addItem("No server with a MailU admin API yet", None)
            self.server.setEnabled(False)
            self.ok_button.setEnabled(False)
        self.quota = quota_box(None, allow_default=True)
        self.secret_note = note("")
        self.form.addRow("&Email", self.email)
        self.form.addRow("&Server", self.server)
        self.form.addRow("&Quota", self.quota)
        self.form.addRow("Password", self.secret_note)
        self.email.textChanged.connect(self._email_changed)
        self._email_changed("")
        self.email.setFocus()
        self.result_value: MailboxInfo | None = None

    def _email_changed(self, text: str) -> None:
        email = text.strip().lower() or "…"
        self.secret_note.setText(
            f"Generated, kept in the secret store as {password_secret_name(email)}"
        )

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        if not self.email.text().strip():
            raise ValidationError("type the mailbox's address")
        # Checked here, on the spot: only MailU's own answer needs the worker.
        email, server = clean_email(self.email.text()), self.server.currentData()
        if server is None:
            raise ValidationError(
                f"{self.workspace} has no server with a MailU admin API: provision or adopt one"
            )
        quota = self.quota.value() or None
        mailboxes, actor, ws = self.state.container.mailboxes, self.state.actor, self.workspace
        return (
            f"Creating mailbox {email}",
            lambda _ctx: mailboxes.create(actor, email, server, ws, quota),
        )

    def working_text(self) -> str:
        return "Creating the mailbox in MailU…"


class PasswordDialog(MailboxForm):
    """Confirm a new generated password for a mailbox."""

    def __init__(self, state: AppState, box: MailboxInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            f"New password for {box.email}?",
            f"A new password is generated, set in MailU on {box.server} and stored in the "
            f"secret store as {box.password_secret} (replacing the old one, a rotation). Mail "
            "clients and sending tools still using the old one stop logging in until they "
            "get the new one. It is not shown here.",
            ok_text="Change password",
            parent=parent,
            danger=True,
        )
        self.state, self.box = state, box

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        mailboxes, actor, box = self.state.container.mailboxes, self.state.actor, self.box
        return (
            f"New password for {box.email}",
            lambda _ctx: mailboxes.passwd(actor, box.email, box.workspace),
        )

    def working_text(self) -> str:
        return "Setting the new password in MailU…"


class QuotaDialog(MailboxForm):
    def __init__(self, state: AppState, box: MailboxInfo, parent: QWidget | None = None) -> None:
        now = f"{box.quota_mb} MB" if box.quota_mb else DEFAULT_QUOTA
        super().__init__(
            state.runner,
            f"Quota of {box.email}",
            f"How much mail {box.email} may keep on {box.server} (now: {now}). MailU refuses "
            "mail over the quota.",
            ok_text="Set quota",
            parent=parent,
        )
        self.state, self.box = state, box
        self.quota = quota_box(box.quota_mb, allow_default=False)
        self.form.addRow("&Quota", self.quota)
        self.quota.setFocus()
        self.quota.selectAll()
        self.result_value: MailboxInfo | None = None

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        mailboxes, actor, box = self.state.container.mailboxes, self.state.actor, self.box
        mb = self.quota.value()
        return (
            f"Setting the quota of {box.email}",
            lambda _ctx: mailboxes.set_quota(actor, box.email, mb, box.workspace),
        )

    def working_text(self) -> str:
        return "Setting the quota in MailU…"


class AddAliasDialog(MailboxForm):
    """An alias on the mailbox's server, forwarding to it (and to other addresses if given)."""

    def __init__(self, state: AppState, box: MailboxInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            "Add alias",
            f"An address on {box.server} whose mail goes to {box.email}, and to any other "
            "addresses you add (mailboxes here or outside).",
            ok_text="Add alias",
            parent=parent,
        )
        self.state, self.box = state, box
        domain = box.email.rsplit("@", 1)[-1]
        self.alias = QLineEdit()
        self.alias.setPlaceholderText(f"sales@{domain}")
        self.destinations = QLineEdit(box.email)
        self.destinations.setPlaceholderText("one or more addresses")
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("optional, kept with the alias in MailU")
        self.form.addRow("&Alias", self.alias)
        self.form.addRow("&Goes to", self.destinations)
        self.form.addRow("", note("Several addresses: separate them with commas or spaces."))
        self.form.addRow("&Comment", self.comment)
        self.form.addRow("Server", QLabel(f"{box.server} ({box.workspace})"))
        self.alias.setFocus()
        self.result_value: AliasInfo | None = None

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        if not self.alias.text().strip():
            raise ValidationError("type the alias address")
        alias = clean_email(self.alias.text(), "alias address")
        targets = list(clean_destinations(alias, [self.destinations.text()]))
        comment = self.comment.text()
        mailboxes, actor, box = self.state.container.mailboxes, self.state.actor, self.box
        return (
            f"Adding alias {alias}",
            lambda _ctx: mailboxes.add_alias(
                actor, alias, targets, box.server, box.workspace, comment
            ),
        )

    def working_text(self) -> str:
        return "Adding the alias in MailU…"


class RemoveMailboxDialog(MailboxForm):
    def __init__(self, state: AppState, box: MailboxInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            f"Remove {box.email}?",
            f"{box.email} is deleted from MailU on {box.server} together with all its mail, "
            f"and its password ({box.password_secret}) is deleted from the secret store. "
            "Aliases pointing at it stay. This cannot be undone.",
            ok_text="Remove mailbox",
            parent=parent,
            danger=True,
        )
        self.state, self.box = state, box
        self.ok_button.setDefault(False)
        self.buttons.setFocus()

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        mailboxes, actor, box = self.state.container.mailboxes, self.state.actor, self.box
        return (
            f"Removing mailbox {box.email}",
            lambda _ctx: mailboxes.remove(actor, box.email, box.workspace),
        )

    def working_text(self) -> str:
        return "Removing the mailbox from MailU…"


class RemoveAliasDialog(MailboxForm):
    def __init__(self, state: AppState, alias: AliasInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            f"Remove alias {alias.email}?",
            f"Mail to {alias.email} is no longer delivered to {alias.destination_text}. The "
            "mailboxes themselves are untouched.",
            ok_text="Remove alias",
            parent=parent,
            danger=True,
        )
        self.state, self.alias = state, alias

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        mailboxes, actor, alias = self.state.container.mailboxes, self.state.actor, self.alias
        return (
            f"Removing alias {alias.email}",
            lambda _ctx: mailboxes.remove_alias(actor, alias.email, alias.workspace, alias.server),
        )

    def working_text(self) -> str:
        return "Removing the alias from MailU…"
