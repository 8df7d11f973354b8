"""Outside mailboxes on the Mailboxes page: the form that connects one (with a Test button that
logs in before anything is kept) and the panel listing them with their limits and pauses.

The password is typed into a masked field and handed to core once, for the test or the
connection; it goes straight into the secret store and is never shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.mailboxes.mailconn import MailServer, Tls
from penguin_desktop.core.mailboxes.models import OutsideMailboxInfo
from penguin_desktop.core.mailboxes.outside import clean_server
from penguin_desktop.core.mailboxes.sending import MAX_DAILY, MAX_GAP_SECONDS
from penguin_desktop.core.mailboxes.service import clean_email, password_secret_name
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.mailboxes.forms import MailboxForm, note
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import password_field
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import action_button, make_table

IMAPS_PORT, IMAP_PORT = 993, 143

COLUMNS: tuple[Column[OutsideMailboxInfo], ...] = (
    Column("Email", lambda m: m.email, lambda m: f"{m.email} ({m.workspace})"),
    Column("SMTP", lambda m: m.smtp_text, lambda m: f"login {m.smtp.user}"),
    Column("IMAP", lambda m: m.imap_text),
    Column("Per day", lambda m: str(m.limits.daily_limit)),
    Column("Gap", lambda m: f"{m.limits.min_gap_seconds} s"),
    Column("Paused", lambda m: m.limits.pause_reason or "-"),
)


def tls_box(default: Tls) -> QComboBox:
    box = QComboBox()
    for tls, text in (
        (Tls.STARTTLS, "STARTTLS"),
        (Tls.IMPLICIT, "SSL/TLS (implicit)"),
        (Tls.NONE, "None (plain text)"),
    ):
        box.addItem(text, tls)
    box.setCurrentIndex(box.findData(default))
    return box


PORT_WIDTH = 70


def limit_box(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def port_number(text: str, field: str, default: int | None = None) -> int:
    """A port typed as text, checked by core afterwards; a non-number is named on the spot."""
    text = text.strip()
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"a port is a number, not {text!r}", field=field) from None


class ConnectOutsideDialog(MailboxForm):
    """Every `mailbox connect` option; Test logs in with what is typed, Connect keeps it."""

    def __init__(self, state: AppState, workspace: str, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            "Connect outside mailbox",
            f"A mailbox of {workspace} hosted elsewhere (Google Workspace, Microsoft 365, any "
            "SMTP/IMAP host) that campaigns send through. Its password goes straight into the "
            "secret store.",
            ok_text="Connect",
            parent=parent,
        )
        self.state, self.workspace = state, workspace
        self.email = QLineEdit()
        self.email.setPlaceholderText("bob@client.example")
        self.smtp_host, self.smtp_port = QLineEdit(), QLineEdit("587")
        self.smtp_host.setPlaceholderText("smtp.example.com")
        self.smtp_tls, self.smtp_user = tls_box(Tls.STARTTLS), QLineEdit()
        self.smtp_user.setPlaceholderText("the address")
        self.imap_host, self.imap_port = QLineEdit(), QLineEdit()
        self.imap_host.setPlaceholderText("optional: imap.example.com")
        self.imap_tls, self.imap_user = tls_box(Tls.IMPLICIT), QLineEdit()
        self.imap_user.setPlaceholderText("the SMTP login")
        self.password = password_field("the mailbox's password or app password")
        self.daily_limit = limit_box(1, MAX_DAILY, 50, " a day")
        self.min_gap = limit_box(0, MAX_GAP_SECONDS, 60, " s apart")
        self.test_button = QPushButton("Test logins")
        self.test_button.clicked.connect(self.run_test)
        self.test_job: Any = None
        self.smtp_port.setMaximumWidth(PORT_WIDTH)
        self.imap_port.setMaximumWidth(PORT_WIDTH)
        self.imap_port.setPlaceholderText("993")
        self.smtp_host.setToolTip("Host name, port and encryption of the SMTP server")
        self.imap_host.setToolTip(
            "Host name, port (993 for SSL/TLS, else 143) and encryption of the IMAP server, "
            "which the send engine reads for replies, bounces and unsubscribes (optional)"
        )
        rows: tuple[tuple[str, tuple[tuple[str, QWidget], ...]], ...] = (
            ("&Email", (("email", self.email),)),
            ("&SMTP server", (("smtp_host", self.smtp_host), ("smtp_port", self.smtp_port),
                              ("smtp_tls", self.smtp_tls))),
            ("SMTP &user", (("smtp_user", self.smtp_user),)),
            ("&IMAP server", (("imap_host", self.imap_host), ("imap_port", self.imap_port),
                              ("imap_tls", self.imap_tls))),
            ("IMAP u&ser", (("imap_user", self.imap_user),)),
            ("Pass&word", (("password", self.password),)),
            ("&Limits", (("daily_limit", self.daily_limit), ("min_gap_seconds", self.min_gap))),
        )  # fmt: skip
        for label, widgets in rows:
            if len(widgets) == 1:
                self.form.addRow(label, widgets[0][1])
            else:
                line = QHBoxLayout()
                for _, widget in widgets:
                    line.addWidget(widget, 1 if widget in (self.smtp_host, self.imap_host) else 0)
                if widgets[0][1] is self.daily_limit:
                    line.addStretch(1)
                shown = QLabel(label)
                shown.setBuddy(widgets[0][1])  # the mnemonic goes to the row's first field
                self.form.addRow(shown, line)
            for field, widget in widgets:
                self.fields[field] = widget
        self.secret_note = note("")
        self.form.addRow("", self.secret_note)
        self.form.addRow("", self.test_button)
        self.email.textChanged.connect(self._email_changed)
        self._email_changed("")
        self.email.setFocus()
        self.result_value: OutsideMailboxInfo | None = None

    def _email_changed(self, text: str) -> None:
        email = text.strip().lower() or "…"
        self.secret_note.setText(
            f"Password kept in the secret store as {password_secret_name(email)}"
        )

    def servers(self) -> tuple[str, MailServer, MailServer | None]:
        """The address and both servers as typed, checked on the spot (core checks again)."""
        if not self.email.text().strip():
            raise ValidationError("type the mailbox's address", field="email")
        email = clean_email(self.email.text())
        smtp_user = self.smtp_user.text().strip() or email
        smtp = MailServer(
            self.smtp_host.text(),
            port_number(self.smtp_port.text(), "smtp_port"),
            self.smtp_tls.currentData(),
            smtp_user,
        )
        smtp = clean_server(smtp, "smtp")
        imap = None
        if self.imap_host.text().strip():
            tls = self.imap_tls.currentData()
            default = IMAPS_PORT if tls is Tls.IMPLICIT else IMAP_PORT
            port = port_number(self.imap_port.text(), "imap_port", default)
            user = self.imap_user.text().strip() or smtp_user
            imap = clean_server(MailServer(self.imap_host.text(), port, tls, user), "imap")
        if not self.password.text():
            raise ValidationError("type the mailbox's password", field="password")
        return email, smtp, imap

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        email, smtp, imap = self.servers()
        service, actor, ws = (
            self.state.container.outside_mailboxes,
            self.state.actor,
            self.workspace,
        )
        password, daily, gap = self.password.text(), self.daily_limit.value(), self.min_gap.value()
        return (
            f"Connecting mailbox {email}",
            lambda _ctx: service.connect(
                actor, ws, email, smtp, imap, password, daily_limit=daily, min_gap_seconds=gap
            ),
        )

    def working_text(self) -> str:
        return "Keeping the password in the secret store…"

    def done(self, result: int) -> None:
        """The typed password does not outlive the dialog (it is in the secret store now)."""
        self.password.clear()
        super().done(result)

    def run_test(self) -> None:
        """Log in to SMTP (and IMAP) with what is typed, off the UI thread."""
        if self.test_job is not None:
            return
        self.message.clear_message()
        try:
            _email, smtp, imap = self.servers()
        except PenguinError as error:
            self.message.show_error(error)
            self.failed(error)
            return
        service, password = self.state.container.outside_mailboxes, self.password.text()
        self.test_button.setEnabled(False)
        self.message.show_info("Logging in…")
        job = self.runner.start(
            f"Testing {smtp.user}", lambda _ctx: service.check(smtp, imap, password)
        )
        self.test_job = job
        job.signals.finished.connect(self._tested)
        job.signals.failed.connect(self._test_failed)
        job.signals.cancelled.connect(
            lambda text: self._test_done(lambda: self.message.show_info(text))
        )

    def _tested(self, lines: object) -> None:
        text = "\n".join(lines) if isinstance(lines, list) else str(lines)
        self._test_done(lambda: self.message.show_success(text))

    def _test_failed(self, error: BaseException) -> None:
        self._test_done(lambda: self.message.show_error(error))

    def _test_done(self, show: Callable[[], None]) -> None:
        self.test_job = None
        self.test_button.setEnabled(True)
        if self.isVisible():
            show()


class OutsidePanel(QWidget):
    """The workspace's outside mailboxes under the MailU list; hidden while there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        column.setSpacing(6)
        bar = QHBoxLayout()
        heading = QLabel("Outside mailboxes")
        heading.setObjectName("sectionTitle")
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.limits_button = action_button("Sending limits…", "edit")
        self.disconnect_button = action_button("Disconnect…", "remove")
        for widget in (heading, self.count):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.limits_button)
        bar.addWidget(self.disconnect_button)
        column.addLayout(bar)
        self.model: ListTableModel[OutsideMailboxInfo] = ListTableModel(COLUMNS)
        self.table = make_table("MailboxesPage/Outside")
        self.table.setModel(self.model)
        self.table.setMaximumHeight(180)
        column.addWidget(self.table)

    def show_rows(self, rows: list[OutsideMailboxInfo]) -> None:
        chosen = self.selected()
        self.model.set_rows(rows)
        paused = sum(1 for m in rows if m.limits.paused_at)
        self.count.setText(f"{len(rows)}" + (f" · {paused} paused" if paused else ""))
        self.setVisible(bool(rows))
        keys = [(m.workspace, m.email) for m in rows]
        if chosen is not None and (chosen.workspace, chosen.email) in keys:
            self.table.selectRow(keys.index((chosen.workspace, chosen.email)))
        elif rows:
            self.table.selectRow(0)

    def selected(self) -> OutsideMailboxInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None


class DisconnectDialog(MailboxForm):
    """Confirm forgetting an outside mailbox, its limits and its stored password."""

    def __init__(
        self, state: AppState, box: OutsideMailboxInfo, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            state.runner,
            f"Disconnect {box.email}?",
            f"Campaigns stop sending from it, its limits are forgotten and its password is "
            f"deleted from the secret store ({box.password_secret}). The account at "
            f"{box.smtp.host} is untouched.",
            ok_text="Disconnect",
            parent=parent,
            danger=True,
        )
        self.state, self.box = state, box

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        service, actor, box = self.state.container.outside_mailboxes, self.state.actor, self.box
        return (
            f"Disconnecting {box.email}",
            lambda _ctx: service.disconnect(actor, box.email, box.workspace),
        )
