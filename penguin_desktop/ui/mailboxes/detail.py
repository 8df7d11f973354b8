"""The detail pane of the Mailboxes page: how a mail client reaches the selected mailbox (SMTP
and IMAP settings with copy buttons; never the password, only the name it is kept under) and
the aliases forwarding to it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.mailboxes.models import MailboxInfo
from penguin_desktop.core.mailboxes.service import AliasInfo, MailboxSettings
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import action_button, make_table
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def quota_text(box: MailboxInfo) -> str:
    """Whole gigabytes read as GB (MailU's quotas are binary: 1 GB = 1024 MB)."""
    mb = box.quota_mb
    if not mb:
        return "Default"
    if mb % 1024 == 0:
        return f"{mb // 1024} GB"
    return f"{mb:,} MB".replace(",", " ")


@dataclass(frozen=True)
class AliasRow:
    """An alias as the detail pane lists it: the addresses it forwards to besides the
    mailbox shown."""

    alias: AliasInfo
    others: str


ALIAS_COLUMNS: tuple[Column[AliasRow], ...] = (
    Column("Alias", lambda r: r.alias.email, lambda r: r.alias.destination_text),
    Column("Also goes to", lambda r: r.others, lambda r: r.alias.destination_text),
    Column("Comment", lambda r: r.alias.comment),
)
ALIAS_RULES = ColumnRules({"Alias": 220, "Also goes to": 220}, frozenset({"Alias", "Also goes to"}))


def settings_text(settings: MailboxSettings) -> str:
    """Everything a mail client needs but the password, as plain text to paste."""
    lines = [f"Username: {settings.username}"]
    for endpoint in settings.endpoints:
        lines.append(
            f"{endpoint.protocol} server: {endpoint.host}, port {endpoint.port}, "
            f"{endpoint.security}"
        )
    lines.append(f"Password: in the secret store as {settings.password_secret}")
    return "\n".join(lines)


class CopyRow:
    """A caption over a selectable value with its copy button, in the settings grid: over, not
    beside it, so a long address keeps the pane narrow enough for the mailbox table beside it
    to show every column at 1280x800."""

    def __init__(self, grid: QGridLayout, row: int, caption: str) -> None:
        self.caption = QLabel(caption)
        self.caption.setObjectName("fieldCaption")
        self.value = QLabel()
        self.value.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.button = QToolButton()
        self.button.setIcon(icon("copy", theme.ICON))
        self.button.setIconSize(QSize(16, 16))
        self.button.setAutoRaise(True)
        self.button.setToolTip(f"Copy {caption.lower()}")
        self.button.setAccessibleName(f"Copy {caption.lower()}")
        self.copied = ""
        self.button.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.copied))
        grid.addWidget(self.caption, 2 * row, 0, 1, 2)
        grid.addWidget(self.value, 2 * row + 1, 0)
        grid.addWidget(self.button, 2 * row + 1, 1)

    def set(self, text: str, copied: str | None = None) -> None:
        self.value.setText(text)
        self.copied = text if copied is None else copied
        self.button.setEnabled(bool(self.copied))


class MailboxDetail(QFrame):
    """The selected mailbox: connection settings to copy and the aliases pointing at it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        column = QVBoxLayout(self)
        column.setContentsMargins(18, 14, 18, 14)
        column.setSpacing(8)
        self.headline = QLabel()
        self.headline.setObjectName("cardTitle")
        self.headline.setWordWrap(True)
        column.addWidget(self.headline)
        self.state_line = QLabel()
        self.state_line.setObjectName("footnote")
        self.state_line.setWordWrap(True)
        column.addWidget(self.state_line)
        self._add_settings(column)
        self._add_aliases(column)
        self.settings_text = ""
        self.shown: list[AliasInfo] = []
        self.copy_all.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.settings_text)
        )

    def _add_settings(self, column: QVBoxLayout) -> None:
        heading = QLabel("Mail client settings")
        heading.setObjectName("sectionTitle")
        column.addSpacing(4)
        column.addWidget(heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(1)
        grid.setColumnStretch(0, 1)
        self.username = CopyRow(grid, 0, "Username")
        self.smtps = CopyRow(grid, 1, "SMTP (SSL/TLS)")
        self.submission = CopyRow(grid, 2, "SMTP (STARTTLS)")
        self.imap = CopyRow(grid, 3, "IMAP (SSL/TLS)")
        self.password = CopyRow(grid, 4, "Password secret")
        self.password.button.hide()  # nothing to copy: the value never comes here
        column.addLayout(grid)
        self.rows = (self.username, self.smtps, self.submission, self.imap, self.password)
        bar = QHBoxLayout()
        self.password_note = QLabel(
            "The password is never shown here. It is in the secret store; reveal it on the "
            "Secrets page (audited) or let your sending tool read it from there."
        )
        self.password_note.setObjectName("footnote")
        self.password_note.setWordWrap(True)
        self.copy_all = action_button("Copy settings", "copy")
        self.copy_all.setToolTip("Copy every setting above as text (without the password)")
        bar.addWidget(self.password_note, 1)
        bar.addWidget(self.copy_all, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(bar)

    def _add_aliases(self, column: QVBoxLayout) -> None:
        alias_heading = QLabel("Aliases pointing here")
        alias_heading.setObjectName("sectionTitle")
        self.load_aliases_button = action_button("Show aliases", "unlock")
        self.add_alias_button = action_button("Add alias…", "add")
        self.remove_alias_button = action_button("Remove alias…", "remove")
        column.addSpacing(6)
        column.addWidget(alias_heading)
        self.alias_note = QLabel()
        self.alias_note.setObjectName("footnote")
        self.alias_note.setWordWrap(True)
        column.addWidget(self.alias_note)
        self.alias_model: ListTableModel[AliasRow] = ListTableModel(ALIAS_COLUMNS)
        self.aliases = make_table("MailboxesPage/aliases", ALIAS_RULES)
        self.aliases.setObjectName("aliasTable")
        self.aliases.setModel(self.alias_model)
        self.aliases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.aliases.setVisible(False)
        column.addWidget(self.aliases, 1)
        self.filler = QWidget()  # takes the table's room while there is no table
        column.addWidget(self.filler, 1)
        alias_bar = QHBoxLayout()
        alias_bar.addStretch(1)
        for button in (self.load_aliases_button, self.add_alias_button, self.remove_alias_button):
            alias_bar.addWidget(button)
        column.addLayout(alias_bar)

    def show_mailbox(self, box: MailboxInfo | None, settings: MailboxSettings | None) -> None:
        if box is None or settings is None:
            self.headline.setText("Select a mailbox to see its settings")
            self.state_line.setText("")
            for row in self.rows:
                row.set("")
            self.settings_text = ""
            self.copy_all.setEnabled(False)
            return
        self.headline.setText(box.email)
        quota = f"{quota_text(box)} quota" if box.quota_mb else "MailU's default quota"
        state = (
            "enabled"
            if box.enabled
            else "disabled: no login and no sending; its mail is kept (Enable lets it back in)"
        )
        self.state_line.setText(f"On {box.server} ({box.workspace}) · {quota} · {state}")
        by_port = {e.port: e for e in settings.endpoints}
        self.username.set(settings.username)
        for row, port in ((self.smtps, 465), (self.submission, 587), (self.imap, 993)):
            endpoint = by_port.get(port)
            if endpoint is None:
                row.set("—", "")
            else:
                row.set(f"{endpoint.host}:{endpoint.port}", endpoint.host)
                row.button.setToolTip(f"Copy the host name ({endpoint.host})")
        self.password.set(settings.password_secret, "")
        self.password.value.setToolTip(
            "The name the password is kept under in the secret store (never its value)"
        )
        self.settings_text = settings_text(settings)
        self.copy_all.setEnabled(True)

    def show_aliases(self, box: MailboxInfo | None, aliases: list[AliasInfo] | None) -> None:
        """`aliases` None: not loaded (the note says why)."""
        self.shown = []
        if box is not None and aliases is not None:
            self.shown = [
                a for a in aliases if a.server == box.server and box.email in a.destinations
            ]
        email = box.email if box is not None else ""
        self.alias_model.set_rows(
            [
                AliasRow(a, ", ".join(d for d in a.destinations if d != email) or "—")
                for a in self.shown
            ]
        )
        self.aliases.setVisible(bool(self.shown))
        self.filler.setVisible(not self.shown)
        if box is None or aliases is None:
            return
        if self.shown:
            self.aliases.selectRow(0)
            self.set_note("")
        else:
            self.set_note(f"No alias forwards to {box.email} yet.")

    def set_note(self, text: str) -> None:
        self.alias_note.setText(text)
        self.alias_note.setVisible(bool(text))

    def selected_alias(self) -> AliasInfo | None:
        rows = self.aliases.selectionModel().selectedRows()
        row = self.alias_model.row_object(rows[0].row()) if rows else None
        return row.alias if row is not None else None
