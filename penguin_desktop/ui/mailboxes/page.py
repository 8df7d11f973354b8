"""Mailboxes: the MailU users of the workspace's servers, with a detail pane showing how a mail
client reaches the selected one (SMTP/IMAP settings with copy buttons, never the password) and
the aliases pointing at it.

Everything that talks to MailU (creating, disabling, new passwords, quotas, aliases) runs on a
worker; the mailbox list itself is the workspace's database and loads at once. The MailU admin
token and mailbox passwords live in the secret store, so the encrypted file is unlocked first
when that is where they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.mailboxes.models import MailboxInfo
from penguin_desktop.core.mailboxes.service import AliasInfo, MailboxSettings
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.mailboxes.forms import (
    DEFAULT_QUOTA,
    AddAliasDialog,
    NewMailboxDialog,
    PasswordDialog,
    QuotaDialog,
    RemoveAliasDialog,
    RemoveMailboxDialog,
)
from penguin_desktop.ui.secrets.unlock import file_needed, prompt_of, with_file_unlocked
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import describe, show_error
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.badge_delegate import DANGER, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import WorkspacePage, action_button, make_table

ENABLED = BadgeStyle("#dcfce7", "#86efac", "#166534")
MANAGERS = "Only managers, admins and owners"


def quota_text(box: MailboxInfo) -> str:
    """Whole gigabytes read as GB (MailU's quotas are binary: 1 GB = 1024 MB)."""
    mb = box.quota_mb
    if not mb:
        return "Default"
    if mb % 1024 == 0:
        return f"{mb // 1024} GB"
    return f"{mb:,} MB".replace(",", " ")


COLUMNS: tuple[Column[MailboxInfo], ...] = (
    Column("Email", lambda m: m.email, lambda m: f"{m.email} on {m.server} ({m.workspace})"),
    Column("Server", lambda m: m.server, lambda m: f"{m.smtp_host}"),
    Column("Workspace", lambda m: m.workspace),
    Column(
        "Quota",
        quota_text,
        lambda m: DEFAULT_QUOTA if not m.quota_mb else f"{m.quota_mb} MB",
    ),
    Column(
        "Enabled",
        lambda m: "Enabled" if m.enabled else "Disabled",
        lambda m: "Logs in and sends" if m.enabled else "No login, no sending; its mail is kept",
    ),
    Column("Created", lambda m: local_time(m.created_at)[:10], lambda m: local_time(m.created_at)),
)
WORKSPACE_COLUMN, ENABLED_COLUMN = 2, 4


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


def _badge(row: object) -> BadgeStyle | None:
    if not isinstance(row, MailboxInfo):
        return None
    return ENABLED if row.enabled else DANGER


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
    """A caption, a selectable value and a copy button in the settings grid."""

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
        grid.addWidget(self.caption, row, 0)
        grid.addWidget(self.value, row, 1)
        grid.addWidget(self.button, row, 2)

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

        heading = QLabel("Mail client settings")
        heading.setObjectName("sectionTitle")
        column.addSpacing(4)
        column.addWidget(heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
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
        self.aliases = make_table()
        self.aliases.setObjectName("aliasTable")
        self.aliases.setModel(self.alias_model)
        self.aliases.setColumnWidth(0, 150)
        self.aliases.setColumnWidth(1, 140)
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
        self.settings_text = ""
        self.shown: list[AliasInfo] = []
        self.copy_all.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.settings_text)
        )

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


class MailboxesPage(WorkspacePage):
    title = "Mailboxes"
    subtitle = (
        "The mailboxes on your clients' MailU servers: how mail clients log in, their "
        "aliases and quotas. Passwords are generated into the secret store and never shown."
    )
    icon_name = "mail"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.new_button = action_button("New mailbox…", "add", primary=True)
        self.new_button.clicked.connect(self.open_new)
        self.page_actions.addWidget(self.new_button)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        heading = QLabel("Mailboxes")
        heading.setObjectName("sectionTitle")
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by address (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
        self.show_all = QCheckBox("All my workspaces")
        self.show_all.setToolTip("List the mailboxes of every workspace you can see")
        self.show_all.toggled.connect(lambda _on: self.refresh())
        self.detail = MailboxDetail()
        self.toggle_button = action_button("Disable", "lock")
        self.password_button = action_button("Change password…", "key")
        self.quota_button = action_button("Set quota…", "edit")
        self.alias_button = self.detail.add_alias_button
        self.remove_button = action_button("Remove…", "remove")
        self.toggle_button.clicked.connect(self.toggle_enabled)
        self.password_button.clicked.connect(self.open_password)
        self.quota_button.clicked.connect(self.open_quota)
        self.alias_button.clicked.connect(self.open_alias)
        self.remove_button.clicked.connect(self.open_remove)
        bar.addWidget(heading)
        bar.addWidget(self.count)
        bar.addStretch(1)
        for button in (
            self.toggle_button,
            self.password_button,
            self.quota_button,
            self.remove_button,
        ):
            bar.addWidget(button)
        self.body.addLayout(bar)
        self.message = InlineMessage()
        self.body.addWidget(self.message)

        self.model: ListTableModel[MailboxInfo] = ListTableModel(COLUMNS)
        self.table = make_table()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(ENABLED_COLUMN, BadgeDelegate(_badge, self.table))
        for column, width in enumerate((200, 62, 105, 75, 80)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.table.doubleClicked.connect(lambda _index: self.detail.copy_all.setFocus())
        self.detail.load_aliases_button.clicked.connect(lambda: self.load_aliases(ask=True))
        self.detail.remove_alias_button.clicked.connect(self.open_remove_alias)
        self.detail.aliases.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.setSpacing(8)
        filters = QHBoxLayout()
        filters.setSpacing(10)
        filters.addWidget(self.filter, 1)
        filters.addWidget(self.show_all)
        left_column.addLayout(filters)
        left_column.addWidget(self.table, 1)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([660, 440])
        self.empty = EmptyState("", "", icon_name="mail")
        self.empty.button.clicked.connect(self.open_new)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack, 1)

        self.rows: list[MailboxInfo] = []
        self.servers: list[ServerInfo] = []
        self.aliases: list[AliasInfo] | None = None
        self.alias_error: str | None = None
        self.aliases_job: Job | None = None
        self.action_job: Job | None = None
        self.dialog: QWidget | None = None
        self.unlock_dialog: QWidget | None = None
        self._reload_aliases = False
        self._keep: tuple[str, str] | None = None
        self.shortcuts: list[QShortcut] = []
        for keys, slot in (
            (QKeySequence.StandardKey.New, self.open_new),
            (QKeySequence.StandardKey.Delete, self.open_remove),
            ("Ctrl+Shift+C", lambda: self.detail.copy_all.click()),
            ("Ctrl+E", self.toggle_enabled),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)
        self.setTabOrder(self.filter, self.table)
        state.workspaces_changed.connect(self.mark_stale)

    @property
    def row_buttons(self) -> tuple[Any, ...]:
        return (
            self.toggle_button,
            self.password_button,
            self.quota_button,
            self.alias_button,
            self.remove_button,
        )

    def focus_filter(self) -> bool:
        self.filter.setFocus()
        self.filter.selectAll()
        return True

    def _spaces(self) -> list[WorkspaceInfo]:
        """The workspaces whose mailboxes are listed."""
        if self.show_all.isChecked():
            return [w for w in self.state.workspaces if self.state.can(Permission.MAILBOX_READ, w)]
        ws = self.workspace
        return [ws] if ws is not None and self.state.can(Permission.MAILBOX_READ, ws) else []

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        chosen = self.selected()
        everywhere = self.show_all.isChecked()
        self.table.setColumnHidden(WORKSPACE_COLUMN, False)
        mailboxes, actor = self.state.container.mailboxes, self.state.actor
        rows: list[MailboxInfo] | None = []
        if everywhere and self.state.can_anywhere(Permission.MAILBOX_READ):
            rows = self.call(lambda: mailboxes.all(actor))
        elif not everywhere and ws is not None and self.state.can(Permission.MAILBOX_READ, ws):
            rows = self.call(lambda: mailboxes.all(actor, ws.name))
        self.rows = rows or []
        self.servers = []
        if ws is not None and self.state.can(Permission.SERVER_READ, ws):
            servers = self.state.container.servers
            self.servers = self.call(lambda: servers.all(actor, ws.name)) or []
        self._apply_filter(chosen)
        self.load_aliases()

    def _apply_filter(self, chosen: MailboxInfo | None = None) -> None:
        chosen = chosen or self.selected()
        needle = self.filter.text().strip().lower()
        shown = [m for m in self.rows if needle in m.email] if needle else self.rows
        self.model.set_rows(shown)
        disabled = sum(1 for m in self.rows if not m.enabled)
        self.count.setText(
            f"{len(self.rows)} mailboxes" + (f" · {disabled} disabled" if disabled else "")
            if self.rows
            else ""
        )
        if self.rows:
            self.stack.setCurrentWidget(self.splitter)
            if chosen is not None:
                self._select(chosen.workspace, chosen.email)
            if self.selected() is None and shown:
                self.table.selectRow(0)
        else:
            self._show_empty()
        self._selected_changed()

    def _show_empty(self) -> None:
        ws = self.workspace
        if ws is None and not self.show_all.isChecked():
            self.show_no_workspace(self.empty)
        elif not self._spaces():
            self.empty.set_text(
                "Mailboxes are not open to your role", "Ask an owner of the workspace for access."
            )
            self.empty.set_action(None)
        else:
            where = "your workspaces" if self.show_all.isChecked() or ws is None else ws.name
            self.empty.set_text(
                f"No mailboxes in {where} yet",
                "Create the mailboxes this client sends from on one of its MailU servers. "
                "Each gets a generated password that goes straight into the secret store.",
            )
            self.empty.set_action("New mailbox" if self._may_manage(ws) else None)
        self.stack.setCurrentWidget(self.empty)

    # --- aliases (read from MailU on a worker) --------------------------------------------------
    def _alias_spaces(self) -> list[WorkspaceInfo]:
        return [w for w in self._spaces() if self.state.can(Permission.MAILBOX_ALIAS_READ, w)]

    def _needs_unlock(self, spaces: list[WorkspaceInfo]) -> bool:
        """Whether reading a MailU token would make the encrypted file ask for its password."""
        container = self.state.container
        prompt = prompt_of(container)
        if prompt is None or prompt.unlocked or prompt.has_environment_password:
            return False
        return file_needed(container, self._backends(spaces))

    def _backends(self, spaces: list[WorkspaceInfo]) -> set[str]:
        kinds: set[str] = set()
        for ws in spaces:
            try:
                kinds.add(self.state.container.secrets.backend_info(self.state.actor, ws.name).kind)
            except PenguinError:
                kinds.add("file")
        return kinds

    def load_aliases(self, ask: bool = False) -> Job | None:
        """Read the aliases of the listed workspaces' MailU servers; with `ask`, unlock the
        secrets file first if needed (never asked for on a mere refresh)."""
        if self.aliases_job is not None:
            self._reload_aliases = True
            return None
        self.aliases, self.alias_error = None, None
        spaces = self._alias_spaces()
        has_mailu = any(m.workspace in {w.name for w in spaces} for m in self.rows)
        if not spaces or not has_mailu:
            self._show_aliases()
            return None
        if self._needs_unlock(spaces):
            if ask:
                self.unlock_dialog = with_file_unlocked(
                    self, self.state.container, self._backends(spaces), self._load_aliases_now
                )
            self._show_aliases()
            return None
        names = [w.name for w in spaces]
        mailboxes, actor = self.state.container.mailboxes, self.state.actor
        everywhere = self.show_all.isChecked()

        def work(_ctx: object) -> list[AliasInfo]:
            if everywhere:
                found = mailboxes.aliases(actor)
                return [a for a in found if a.workspace in names]
            return mailboxes.aliases(actor, names[0])

        job = self.state.runner.start("Reading aliases from MailU", work)
        self.aliases_job = job
        job.signals.finished.connect(self._aliases_loaded)
        job.signals.failed.connect(self._aliases_failed)
        job.signals.ended.connect(self._aliases_ended)
        self._show_aliases()
        return job

    def _load_aliases_now(self) -> None:
        self.load_aliases()

    def _aliases_loaded(self, aliases: list[AliasInfo]) -> None:
        self.aliases = aliases

    def _aliases_failed(self, error: BaseException) -> None:
        self.alias_error = describe(error)

    def _aliases_ended(self) -> None:
        self.aliases_job = None
        if self._reload_aliases:
            self._reload_aliases = False
            self.load_aliases()
            return
        self._show_aliases()

    def _show_aliases(self) -> None:
        box = self.selected()
        detail = self.detail
        detail.load_aliases_button.setVisible(False)
        detail.show_aliases(box, self.aliases)
        if box is None:
            detail.set_note("")
        elif self.aliases_job is not None:
            detail.set_note("Reading aliases from MailU …")
        elif self.alias_error is not None:
            detail.set_note(f"Could not read the aliases: {self.alias_error}")
            detail.load_aliases_button.setText("Try again")
            detail.load_aliases_button.setVisible(True)
        elif self.aliases is None:
            ws = self.workspace_named(box.workspace)
            if ws is None or not self.state.can(Permission.MAILBOX_ALIAS_READ, ws):
                role = ws.my_role.value if ws is not None else "none"
                detail.set_note(
                    "Aliases are read from MailU with the server's admin token, which your "
                    f"role ({role}) may not use."
                )
            else:
                detail.set_note(
                    "Aliases are read from MailU with the server's admin token, kept in the "
                    "encrypted secrets file: unlock it to see them."
                )
                detail.load_aliases_button.setText("Show aliases")
                detail.load_aliases_button.setVisible(True)
        self._update_actions()

    # --- selection ------------------------------------------------------------------------------
    def selected(self) -> MailboxInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _select(self, workspace: str, email: str) -> None:
        for row, box in enumerate(self.model.rows):
            if box.workspace == workspace and box.email == email:
                self.table.selectRow(row)
                return

    def _selected_changed(self) -> None:
        box = self.selected()
        settings: MailboxSettings | None = None
        if box is not None:
            mailboxes, actor = self.state.container.mailboxes, self.state.actor
            settings = self.call(lambda: mailboxes.settings(actor, box.email, box.workspace))
        self.detail.show_mailbox(box, settings)
        self._show_aliases()

    # --- permissions ----------------------------------------------------------------------------
    def _may_manage(self, ws: WorkspaceInfo | None) -> bool:
        return ws is not None and not ws.archived and self.state.can(Permission.MAILBOX_MANAGE, ws)

    def _update_actions(self) -> None:
        ws = self.workspace
        may_create = self._may_manage(ws)
        self.new_button.setEnabled(may_create)
        self.new_button.setToolTip(
            "Pick a workspace first"
            if ws is None
            else f"Create a mailbox in {ws.name} (Ctrl+N)"
            if may_create
            else f"{MANAGERS} of {ws.name} create mailboxes; you are {ws.my_role.value}"
        )
        box = self.selected()
        box_ws = self.workspace_named(box.workspace) if box is not None else None
        may = self._may_manage(box_ws)
        busy = self.action_job is not None
        self.toggle_button.setText("Enable" if box is not None and not box.enabled else "Disable")
        self.toggle_button.setIcon(
            icon("unlock" if box is not None and not box.enabled else "lock", theme.ICON)
        )
        for button in self.row_buttons:
            button.setEnabled(may and not busy)
        if box is None or box_ws is None:
            for button in self.row_buttons:
                button.setToolTip("Select a mailbox first")
        elif busy:
            for button in self.row_buttons:
                button.setToolTip("Waiting for MailU (see the status bar)")
        elif not may:
            tip = f"{MANAGERS} of {box_ws.name} change mailboxes; you are {box_ws.my_role.value}"
            for button in self.row_buttons:
                button.setToolTip(tip)
        else:
            self.toggle_button.setToolTip(
                f"Let {box.email} log in and send again (Ctrl+E)"
                if not box.enabled
                else f"Stop {box.email} logging in and sending; its mail is kept (Ctrl+E)"
            )
            self.password_button.setToolTip("Generate a new password into the secret store")
            self.quota_button.setToolTip(f"Change how much mail {box.email} may keep")
            self.alias_button.setToolTip(f"Add an address that forwards to {box.email}")
            self.remove_button.setToolTip(f"Delete {box.email} and its mail from MailU (Del)")
        alias = self.detail.selected_alias()
        alias_ws = self.workspace_named(alias.workspace) if alias is not None else None
        self.detail.remove_alias_button.setVisible(bool(self.detail.shown))
        self.detail.remove_alias_button.setEnabled(self._may_manage(alias_ws) and not busy)
        self.detail.remove_alias_button.setToolTip(
            "Select an alias first"
            if alias is None
            else f"Stop forwarding {alias.email}"
            if self._may_manage(alias_ws)
            else f"{MANAGERS} remove aliases"
        )

    # --- actions --------------------------------------------------------------------------------
    def _unlocked(self, workspace: str, then: Callable[[], None]) -> None:
        """Run `then` once the secret store of `workspace` can be used without a prompt."""
        ws = self.workspace_named(workspace)
        kinds = self._backends([ws]) if ws is not None else {"file"}
        self.unlock_dialog = with_file_unlocked(self, self.state.container, kinds, then)

    def _open(self, dialog: Any, done: Callable[[], None]) -> None:
        dialog.accepted.connect(done)
        self.dialog = dialog
        dialog.open()

    def open_new(self) -> None:
        ws = self.workspace
        if ws is None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = NewMailboxDialog(self.state, ws.name, self.servers, self)
            self._open(dialog, lambda: self._created(dialog))

        self._unlocked(ws.name, show)

    def _created(self, dialog: NewMailboxDialog) -> None:
        box = dialog.result_value
        self.refresh()
        if box is None:
            return
        self._select(box.workspace, box.email)
        text = (
            f"Created {box.email} on {box.server}. Its generated password went straight into "
            f"the secret store as {box.password_secret}; it is never shown."
        )
        self.message.show_success(text)
        self.state.notify(f"Created mailbox {box.email}")

    def toggle_enabled(self) -> Job | None:
        box = self.selected()
        ws = self.workspace_named(box.workspace) if box is not None else None
        if box is None or self.action_job is not None or not self._may_manage(ws):
            return None
        enable = not box.enabled
        mailboxes, actor = self.state.container.mailboxes, self.state.actor
        verb = "Enabling" if enable else "Disabling"
        started: list[Job] = []

        def run() -> None:
            call = mailboxes.enable if enable else mailboxes.disable
            job = self.state.runner.start(
                f"{verb} {box.email}", lambda _ctx: call(actor, box.email, box.workspace)
            )
            self.action_job = job
            self.message.show_info(f"{verb} {box.email} in MailU …")
            done = "Enabled" if enable else "Disabled"
            job.signals.finished.connect(lambda info: self._done(info, f"{done} {box.email}"))
            job.signals.failed.connect(self._action_failed)
            job.signals.ended.connect(self._action_ended)
            self._update_actions()
            started.append(job)

        self._unlocked(box.workspace, run)
        return started[0] if started else None

    def _done(self, info: MailboxInfo, text: str) -> None:
        self.message.show_success(text)
        self.state.notify(text)
        self._keep = (info.workspace, info.email)

    def _action_failed(self, error: BaseException) -> None:
        self.message.show_error("MailU did not take the change; nothing was changed here.")
        show_error(self, error)

    def _action_ended(self) -> None:
        self.action_job = None
        keep, self._keep = self._keep, None
        self.refresh()
        if keep:
            self._select(*keep)

    def open_password(self) -> None:
        self._row_dialog(
            PasswordDialog,
            lambda box, _r: (
                f"{box.email} has a new password, stored as {box.password_secret} in the "
                "secret store (not shown)"
            ),
        )

    def open_quota(self) -> None:
        self._row_dialog(
            QuotaDialog, lambda box, r: f"{box.email} now has a quota of {r.quota_mb} MB"
        )

    def open_alias(self) -> None:
        self._row_dialog(
            AddAliasDialog,
            lambda box, r: f"Added alias {r.email}: it goes to {r.destination_text}",
        )

    def open_remove(self) -> None:
        self._row_dialog(RemoveMailboxDialog, lambda box, _r: f"Removed {box.email}", gone=True)

    def _row_dialog(
        self,
        kind: Callable[..., Any],
        text: Callable[[MailboxInfo, Any], str],
        gone: bool = False,
    ) -> None:
        box = self.selected()
        ws = self.workspace_named(box.workspace) if box is not None else None
        if box is None or self.action_job is not None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = kind(self.state, box, self)
            self._open(dialog, lambda: self._row_done(box, text(box, dialog.result_value), gone))

        self._unlocked(box.workspace, show)

    def _row_done(self, box: MailboxInfo, text: str, gone: bool) -> None:
        self.refresh()
        if not gone:
            self._select(box.workspace, box.email)
        self.message.show_success(text)
        self.state.notify(text)

    def open_remove_alias(self) -> None:
        alias = self.detail.selected_alias()
        ws = self.workspace_named(alias.workspace) if alias is not None else None
        if alias is None or not self._may_manage(ws):
            return

        def show() -> None:
            dialog = RemoveAliasDialog(self.state, alias, self)
            self._open(dialog, lambda: self._alias_removed(alias))

        self._unlocked(alias.workspace, show)

    def _alias_removed(self, alias: AliasInfo) -> None:
        text = f"Removed alias {alias.email}"
        self.message.show_success(text)
        self.state.notify(text)
        self.load_aliases()
