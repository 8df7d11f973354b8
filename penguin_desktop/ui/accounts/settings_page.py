"""Settings: my account for everyone; user accounts, login activity and backups for
owners/admins."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from penguin_desktop.core.accounts.models import LoginActivity, UserInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.accounts.account_page import AccountCard
from penguin_desktop.ui.accounts.user_forms import AddUserDialog
from penguin_desktop.ui.domains.nameserver_card import NameserverCard
from penguin_desktop.ui.portable.backup_dialogs import BackupCard
from penguin_desktop.ui.shell.about import AboutDialog
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.formatting import local_time, role_name
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import Page, action_button, make_table

USER_COLUMNS: tuple[Column[UserInfo], ...] = (
    Column("Email", lambda u: u.email),
    Column("Organization role", lambda u: role_name(u.org_role)),
    Column("Created", lambda u: local_time(u.created_at)),
    Column("Idle lock", lambda u: f"{u.idle_timeout_minutes} min"),
    Column(
        "Status",
        lambda u: f"Locked until {local_time(u.locked_until)}" if u.locked_until else "Active",
    ),
)

ACTIVITY_COLUMNS: tuple[Column[LoginActivity], ...] = (
    Column("Time", lambda a: local_time(a.at, seconds=True)),
    Column("Email", lambda a: a.email),
    Column("From", lambda a: a.face.value.upper()),
    Column("Result", lambda a: "Signed in" if a.success else "Refused"),
    Column("Reason", lambda a: a.reason),
)


class SettingsPage(Page):
    title = "Settings"
    subtitle = (
        "Your account, your colleagues' accounts, who signed in when, DNS checks and backups."
    )
    icon_name = "settings"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        inner = QWidget()
        inner.setObjectName("scrollInner")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 8, 0)
        column.setSpacing(16)
        scroll.setWidget(inner)
        self.body.addWidget(scroll)
        self.about_button = action_button("About PenguinMails", "info")
        self.about_button.setToolTip("Version, data folder and database (F1)")
        self.about_button.clicked.connect(self.open_about)
        self.page_actions.addWidget(self.about_button)

        self.account = AccountCard(state)
        column.addWidget(self.account)

        self.users_card = Card(
            "Users",
            "Everyone who can sign in to this agency. Give them access to client workspaces "
            "on the Members page.",
        )
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.unlock_button = action_button("Unlock", "unlock")
        self.add_user_button = action_button("Add user", "add", primary=True)
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.add_user_button.clicked.connect(self.open_add_user)
        buttons.addWidget(self.unlock_button)
        buttons.addWidget(self.add_user_button)
        holder = QWidget()
        holder.setLayout(buttons)
        self.users_card.add(holder)
        self.users: ListTableModel[UserInfo] = ListTableModel(USER_COLUMNS)
        self.users_table = make_table()
        self.users_table.setModel(self.users)
        self.users_table.setMinimumHeight(200)
        self.users_table.setColumnWidth(0, 260)
        self.users_table.setColumnWidth(1, 150)
        self.users_table.setColumnWidth(2, 150)
        self.users_table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.users_card.add(self.users_table)
        column.addWidget(self.users_card)

        self.activity_card = Card("Login activity", "")
        self.activity: ListTableModel[LoginActivity] = ListTableModel(ACTIVITY_COLUMNS)
        self.activity_table = make_table()
        self.activity_table.setModel(self.activity)
        self.activity_table.setMinimumHeight(220)
        self.activity_table.setColumnWidth(0, 170)
        self.activity_table.setColumnWidth(1, 260)
        self.activity_table.setColumnWidth(2, 70)
        self.activity_table.setColumnWidth(3, 100)
        self.activity_empty = QLabel("No sign-ins recorded yet.")
        self.activity_empty.setObjectName("footnote")
        self.activity_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.activity_card.add(self.activity_table)
        self.activity_card.add(self.activity_empty)
        column.addWidget(self.activity_card)
        self.nameserver = NameserverCard(state)
        column.addWidget(self.nameserver)
        self.backups = BackupCard(state)
        column.addWidget(self.backups)
        column.addStretch(1)
        state.actor_changed.connect(lambda _actor: self.mark_stale())

    def refresh(self) -> None:
        super().refresh()
        self.account.reload()
        may_list = self.state.can(Permission.USER_LIST)
        self.users_card.setVisible(may_list)
        if may_list:
            users = self.call(lambda: self.state.container.users.all(self.state.actor))
            self.users.set_rows(users or [])
        self.add_user_button.setEnabled(self.state.can(Permission.USER_ADD))
        everyone = self.state.can(Permission.LOGIN_ACTIVITY_ALL)
        email = None if everyone else self.state.actor.email
        activity = self.call(
            lambda: self.state.container.users.login_activity(self.state.actor, email)
        )
        self.activity.set_rows(activity or [])
        self.activity_empty.setVisible(not activity)
        description = (
            "Recent sign-ins and refused attempts of every user, newest first."
            if everyone
            else "Your recent sign-ins and refused attempts, newest first."
        )
        self.activity_card.set_description(description)
        self.nameserver.reload()
        self.backups.reload()
        self._update()

    def selected_user(self) -> UserInfo | None:
        rows = self.users_table.selectionModel().selectedRows()
        return self.users.row_object(rows[0].row()) if rows else None

    def _update(self) -> None:
        user = self.selected_user()
        may_unlock = self.state.can(Permission.USER_UNLOCK)
        self.unlock_button.setEnabled(may_unlock and user is not None and bool(user.locked_until))
        if not may_unlock:
            self.unlock_button.setToolTip("Only owners and admins unlock accounts")
        elif user is None or not user.locked_until:
            self.unlock_button.setToolTip("Select a locked account to unlock it")
        else:
            self.unlock_button.setToolTip(f"Let {user.email} sign in again now")
        self.add_user_button.setToolTip(
            "" if self.state.can(Permission.USER_ADD) else "Only owners and admins add users"
        )

    def open_about(self) -> AboutDialog:
        dialog = AboutDialog(self.state.container, self)
        dialog.open()
        return dialog

    def open_add_user(self) -> AddUserDialog:
        dialog = AddUserDialog(self.state, self)
        dialog.accepted.connect(lambda: self._user_added(dialog))
        dialog.open()
        return dialog

    def _user_added(self, dialog: AddUserDialog) -> None:
        self.refresh()
        if dialog.added is not None:
            self.state.notify(f"Added user {dialog.added.email}")

    def unlock_selected(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        done = self.call(lambda: self.state.container.users.unlock(self.state.actor, user.email))
        if done is not None:
            self.state.notify(f"Unlocked {user.email}")
            self.refresh()
