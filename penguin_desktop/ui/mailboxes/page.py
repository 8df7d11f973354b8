"""Mailboxes: the MailU users of the workspace's servers, with a detail pane showing how a mail
client reaches the selected one (SMTP/IMAP settings with copy buttons, never the password) and
the aliases pointing at it.

The mailbox list itself is the workspace's database and loads at once; everything that talks to
MailU runs on a worker (the actions are in `actions`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.mailboxes.models import MailboxInfo, OutsideMailboxInfo
from penguin_desktop.core.mailboxes.service import MailboxSettings
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.mailboxes.actions import MailboxActions
from penguin_desktop.ui.mailboxes.detail import quota_text
from penguin_desktop.ui.mailboxes.forms import DEFAULT_QUOTA
from penguin_desktop.ui.mailboxes.outside import OutsidePanel
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import DANGER, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.list_detail import Split
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules

ENABLED = BadgeStyle("#dcfce7", "#86efac", "#166534")
MANAGERS = "Only managers, admins and owners"

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


def _badge(row: object) -> BadgeStyle | None:
    if not isinstance(row, MailboxInfo):
        return None
    return ENABLED if row.enabled else DANGER


class MailboxesPage(MailboxActions):
    title = "Mailboxes"
    subtitle = (
        "The mailboxes on your clients' MailU servers: how mail clients log in, their "
        "aliases and quotas. Passwords are generated into the secret store and never shown."
    )
    icon_name = "mail"
    heading = "Mailboxes"
    split = Split(Qt.Orientation.Horizontal, (3, 2), (660, 440))
    column_rules = ColumnRules(
        middle=frozenset({"Email", "Server", "Workspace"}),
        whole=frozenset({"Quota", "Enabled", "Created"}),
        least={"Email": 190},
    )

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, COLUMNS, parent)
        self.outside.limits_button.clicked.connect(self.open_outside_limits)
        self.outside.disconnect_button.clicked.connect(self.open_disconnect)
        self.outside.table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )
        self.table.setItemDelegateForColumn(ENABLED_COLUMN, BadgeDelegate(_badge, self.table))
        self.table.doubleClicked.connect(lambda _index: self.detail.copy_all.setFocus())
        self.detail.load_aliases_button.clicked.connect(lambda: self.load_aliases(ask=True))
        self.detail.remove_alias_button.clicked.connect(self.open_remove_alias)
        self.detail.aliases.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )
        self.empty.button.clicked.connect(self.open_new)
        self.add_shortcuts(
            (
                (QKeySequence.StandardKey.New, self.open_new),
                (QKeySequence.StandardKey.Delete, self.open_remove),
                ("Ctrl+Shift+C", lambda: self.detail.copy_all.click()),
                ("Ctrl+E", self.toggle_enabled),
            )
        )
        self.setTabOrder(self.filter, self.table)

    def add_actions(self) -> None:
        self.new_button = action_button("New mailbox…", "add", primary=True)
        self.new_button.clicked.connect(self.open_new)
        self.page_actions.addWidget(self.new_button)
        self.connect_button = action_button("Connect outside mailbox…", "add")
        self.connect_button.clicked.connect(self.open_connect)
        self.page_actions.addWidget(self.connect_button)

        self.bar.setSpacing(8)
        self.toggle_button = action_button("Disable", "lock")
        self.password_button = action_button("Change password…", "key")
        self.quota_button = action_button("Set quota…", "edit")
        self.limits_button = action_button("Sending limits…", "edit")
        self.alias_button = self.detail.add_alias_button
        self.remove_button = action_button("Remove…", "remove")
        self.toggle_button.clicked.connect(self.toggle_enabled)
        self.password_button.clicked.connect(self.open_password)
        self.quota_button.clicked.connect(self.open_quota)
        self.limits_button.clicked.connect(self.open_limits)
        self.alias_button.clicked.connect(self.open_alias)
        self.remove_button.clicked.connect(self.open_remove)
        for button in (
            self.toggle_button,
            self.password_button,
            self.quota_button,
            self.limits_button,
            self.remove_button,
        ):
            self.bar.addWidget(button)

    def list_side(self) -> QWidget:
        """The address filter and the all-workspaces box sit above the table, the outside
        mailboxes (when there are any) under it."""
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter by address (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self._apply_filter())
        self.show_all = QCheckBox("All my workspaces")
        self.show_all.setToolTip("List the mailboxes of every workspace you can see")
        self.show_all.toggled.connect(lambda _on: self.refresh())
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        filters = QHBoxLayout()
        filters.setSpacing(10)
        filters.addWidget(self.filter, 1)
        filters.addWidget(self.show_all)
        column.addLayout(filters)
        column.addWidget(self.table, 1)
        self.outside = OutsidePanel()
        column.addWidget(self.outside)
        return left

    @property
    def row_buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.toggle_button,
            self.password_button,
            self.quota_button,
            self.limits_button,
            self.alias_button,
            self.remove_button,
        )

    def focus_filter(self) -> bool:
        self.filter.setFocus()
        self.filter.selectAll()
        return True

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        everywhere = self.show_all.isChecked()
        self.table.setColumnHidden(WORKSPACE_COLUMN, not everywhere)
        mailboxes, actor = self.state.container.mailboxes, self.state.actor
        rows: list[MailboxInfo] | None = []
        if everywhere and self.state.can_anywhere(Permission.MAILBOX_READ):
            rows = self.call(lambda: mailboxes.all(actor))
        elif not everywhere and ws is not None and self.state.can(Permission.MAILBOX_READ, ws):
            rows = self.call(lambda: mailboxes.all(actor, ws.name))
        self.rows = rows or []
        self.outside.show_rows(self._outside_rows(everywhere))
        self.servers = []
        if ws is not None and self.state.can(Permission.SERVER_READ, ws):
            servers = self.state.container.servers
            self.servers = self.call(lambda: servers.all(actor, ws.name)) or []
        self._apply_filter()
        self.load_aliases()

    def _outside_rows(self, everywhere: bool) -> list[OutsideMailboxInfo]:
        ws, outside, actor = (
            self.workspace,
            self.state.container.outside_mailboxes,
            self.state.actor,
        )
        if everywhere and self.state.can_anywhere(Permission.MAILBOX_READ):
            return self.call(lambda: outside.all(actor)) or []
        if not everywhere and ws is not None and self.state.can(Permission.MAILBOX_READ, ws):
            return self.call(lambda: outside.all(actor, ws.name)) or []
        return []

    def _update_outside_actions(self, busy: bool) -> None:
        ws = self.workspace
        self.connect_button.setEnabled(self._may_manage(ws))
        self.connect_button.setToolTip(
            "Pick a workspace first"
            if ws is None
            else f"Send from a mailbox of {ws.name} hosted elsewhere (Google, Microsoft 365…)"
            if self._may_manage(ws)
            else f"{MANAGERS} of {ws.name} connect mailboxes; you are {ws.my_role.value}"
        )
        box = self.outside.selected()
        box_ws = self.workspace_named(box.workspace) if box is not None else None
        may = self._may_manage(box_ws) and not busy
        for button in (self.outside.limits_button, self.outside.disconnect_button):
            button.setEnabled(may)
            button.setToolTip(
                "Select an outside mailbox first"
                if box is None
                else f"{MANAGERS} change mailboxes"
                if not may
                else f"{button.text().rstrip('…')} of {box.email}"
            )

    def _apply_filter(self) -> None:
        needle = self.filter.text().strip().lower()
        shown = [m for m in self.rows if needle in m.email] if needle else self.rows
        disabled = sum(1 for m in self.rows if not m.enabled)
        self.count.setText(
            f"{len(self.rows)} mailboxes" + (f" · {disabled} disabled" if disabled else "")
            if self.rows
            else ""
        )
        self.show_rows(shown, listed=bool(self.rows) or bool(self.outside.model.rows))

    def show_empty(self) -> None:
        ws = self.workspace
        if ws is None and not self.show_all.isChecked():
            self.show_no_workspace(self.empty)
        elif not self._spaces():
            self.show_closed("Mailboxes")
        else:
            where = "your workspaces" if self.show_all.isChecked() or ws is None else ws.name
            self.empty.set_text(
                f"No mailboxes in {where} yet",
                "Create the mailboxes this client sends from on one of its MailU servers. "
                "Each gets a generated password that goes straight into the secret store.",
            )
            self.empty.set_action("New mailbox" if self._may_manage(ws) else None)

    def row_key(self, row: MailboxInfo) -> tuple[str, str]:
        return (row.workspace, row.email)

    def show_detail(self, row: MailboxInfo | None) -> None:
        settings: MailboxSettings | None = None
        if row is not None:
            mailboxes, actor = self.state.container.mailboxes, self.state.actor
            settings = self.call(lambda: mailboxes.settings(actor, row.email, row.workspace))
        self.detail.show_mailbox(row, settings)
        self._show_aliases()

    # --- permissions ----------------------------------------------------------------------------
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
            self.limits_button.setToolTip(f"How fast campaigns may send from {box.email}")
            self.alias_button.setToolTip(f"Add an address that forwards to {box.email}")
            self.remove_button.setToolTip(f"Delete {box.email} and its mail from MailU (Del)")
        self._update_outside_actions(busy)
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
