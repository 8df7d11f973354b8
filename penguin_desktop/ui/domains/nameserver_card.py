"""The DNS server domain checks ask: the organization's saved setting, edited in Settings.

Saving only validates HOST[:PORT] and writes the setting (fast, on the UI thread); no DNS query
is made here. When PENGUIN_DNS_NAMESERVER is set it wins, and the card says so."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QWidget

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.page import action_button


class NameserverCard(Card):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__("DNS checks", "", parent)
        self.state = state
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.server = QLineEdit()
        self.server.setPlaceholderText("System resolver; or HOST[:PORT], e.g. 9.9.9.9 or ns1:5353")
        self.server.setAccessibleName("DNS server for checks")
        self.server.returnPressed.connect(self.save)
        self.save_button = action_button("Save", "check", primary=True)
        self.system_button = action_button("Use system resolver", "refresh")
        self.save_button.clicked.connect(self.save)
        self.system_button.clicked.connect(self.use_system)
        row.addWidget(self.server, 1)
        row.addWidget(self.system_button)
        row.addWidget(self.save_button)
        holder = QWidget()
        holder.setLayout(row)
        self.add(holder)
        self.message = InlineMessage()
        self.add(self.message)

    def reload(self) -> None:
        service, actor = self.state.container.domains, self.state.actor
        try:
            choice = service.nameserver_choice(actor)
        except PenguinError as error:
            self.message.show_error(error)
            return
        self.server.setText(choice.saved or "")
        text = f"Domain checks ask {choice.effective}."
        if choice.overridden_by_env:
            text += " PENGUIN_DNS_NAMESERVER is set and wins over the setting below."
        self.set_description(text)
        may = self.state.can(Permission.DNS_NAMESERVER_SET)
        for widget in (self.server, self.save_button, self.system_button):
            widget.setEnabled(may)
            widget.setToolTip("" if may else "Only owners and admins choose the DNS server")

    def save(self) -> None:
        self._set(self.server.text())

    def use_system(self) -> None:
        self._set(None)

    def _set(self, value: str | None) -> None:
        service, actor = self.state.container.domains, self.state.actor
        try:
            described = service.set_nameserver(actor, value)
        except PenguinError as error:
            self.message.show_error(error)
            return
        self.reload()
        self.message.show_success(f"Saved: domain checks ask {described}")
