"""What the Billing page's tabs share: a bar of actions over a message line and their content,
an empty state in the content's place (not connected, never synced, not allowed, nothing
found), quick core calls whose refusal goes through the one error dialog, and what the page
learnt about the connection on its last refresh (`Access`), so each tab does not ask again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from penguin_desktop.core.billing.models import ConnectionInfo, SyncStatus
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.monitoring.tab_base import roles_words
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.inline_message import InlineMessage

R = TypeVar("R")
PLANS_ACTION = "Show plans and usage"


@dataclass(frozen=True)
class Access:
    """What the page found: whether this role may read billing, and the connection and sync as
    they stand (None when not allowed to read them)."""

    may_read: bool
    status: SyncStatus | None = None
    connection: ConnectionInfo | None = None

    @property
    def connected(self) -> bool:
        return self.status is not None and self.status.connected

    @property
    def synced(self) -> bool:
        """Something was mirrored: a sync finished once, or a first one got part of the way."""
        s = self.status
        return s is not None and s.connected and (s.full_sync_done or s.last_sync_at is not None)


@dataclass(frozen=True)
class Blocked:
    """Why a tab shows no data, and the action that would change that (if this role may)."""

    title: str
    body: str
    action: str | None = None
    icon_name: str = ""  # the tab's own icon unless said


def role_words(state: AppState) -> str:
    role = state.actor.org_role.value
    return f"you are {'an' if role[0] in 'aeiou' else 'a'} {role} of the agency"


def blocked(state: AppState, access: Access) -> Blocked | None:
    """The empty state of every tab that shows the Stripe mirror, or None when it can show it."""
    if not access.may_read:
        return Blocked(
            "Your role may not see billing",
            f"Payments, invoices and revenue of every client are for the agency's "
            f"{roles_words(Permission.BILLING_READ)}; {role_words(state)}. Your workspaces' "
            "plans, usage and features are on the Plans & usage tab.",
            PLANS_ACTION,
            "lock",
        )
    if not access.connected:
        may = state.can(Permission.BILLING_CONNECT)
        return Blocked(
            "Stripe is not connected yet",
            "Connect the agency's Stripe account with a secret or restricted API key to see "
            "revenue, MRR movements and every client's payments and invoices here."
            + (
                ""
                if may
                else f" {roles_words(Permission.BILLING_CONNECT).capitalize()} "
                "of the agency connect it."
            ),
            "Connect…" if may else None,
        )
    if not access.synced:
        may = state.can(Permission.BILLING_SYNC)
        return Blocked(
            "Not synced yet",
            "Stripe is connected. The first sync copies the account's customers, plans, "
            "subscriptions, invoices, charges and refunds here; later ones read only what "
            "changed.",
            "Sync now" if may else None,
        )
    return None


class BillingTab(QWidget):
    """One tab: `bar` (its actions), `message`, then `stack` holding its content and `empty`.
    `wanted` asks the page for something only it does (connect, sync); `changed` says what
    other tabs show may have changed (a refund, a link)."""

    wanted = Signal(str)
    changed = Signal()

    def __init__(self, state: AppState, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.access = Access(False)
        self.stale = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        self.bar = QHBoxLayout()
        self.bar.setSpacing(8)
        layout.addLayout(self.bar)
        self.message = InlineMessage()
        layout.addWidget(self.message)
        self.empty = EmptyState("", "", icon_name=icon_name)
        self.denied = EmptyState("", "", icon_name="lock")
        for empty in (self.empty, self.denied):
            empty.button.clicked.connect(
                lambda _c=False, e=empty: self.wanted.emit(e.button.text())
            )
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.content: QWidget | None = None

    def heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("sectionTitle")
        return label

    def set_content(self, content: QWidget) -> None:
        self.stack.addWidget(content)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.denied)
        self.content = content

    def show_content(self, shown: bool) -> None:
        if self.content is not None:
            self.stack.setCurrentWidget(self.content if shown else self.empty)

    def show_blocked(self, why: Blocked) -> None:
        shown = self.denied if why.icon_name == "lock" else self.empty
        shown.set_text(why.title, why.body)
        shown.set_action(why.action)
        self.stack.setCurrentWidget(shown)

    def call(self, work: Callable[[], R]) -> R | None:
        """A quick core call; a refusal is shown in the one error dialog, in core's words."""
        try:
            return work()
        except PenguinError as error:
            show_error(self, error)
            return None

    def load(self, access: Access) -> None:
        """Show the tab for `access`; the page calls it when the tab is shown and stale."""
        self.access = access
        self.stale = False
        self.refresh()

    def refresh(self) -> None:
        """Re-read what the tab shows."""
        raise NotImplementedError
