"""Billing: the agency's Stripe account as the console mirrors it, for the whole agency (not one
workspace). Overview (the connection, the sync, revenue and MRR movements), Payments, Invoices,
Customers (which workspace each pays for) and Plans & usage, one tab each.

The page reads the connection and the sync's status (two quick reads) on every refresh and
hands them to the tabs; a tab reads its own rows only when it is shown, so opening the page
costs the Overview alone. A role that may not read billing sees why on every tab but Plans &
usage, which shows the plans of its own workspaces; the page asks core nothing it would refuse."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing.customers_tab import CustomersTab
from penguin_desktop.ui.billing.invoices_tab import InvoicesTab
from penguin_desktop.ui.billing.overview_tab import OverviewTab
from penguin_desktop.ui.billing.payments_tab import PaymentsTab
from penguin_desktop.ui.billing.plans_tab import PlansTab
from penguin_desktop.ui.billing.tab_base import PLANS_ACTION, Access, BillingTab
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.page import Page


class BillingPage(Page):
    title = "Billing"
    subtitle = (
        "The agency's Stripe account: revenue and MRR movements, every client's payments and "
        "invoices, and each workspace's plan and usage."
    )
    icon_name = "transfer"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.tabs = QTabWidget()  # first: Tab reaches its bar before the tabs' controls
        self.tabs.setObjectName("billingTabs")
        self.tabs.setDocumentMode(True)
        self.overview = OverviewTab(state)
        self.payments = PaymentsTab(state)
        self.invoices = InvoicesTab(state)
        self.customers = CustomersTab(state)
        self.plans = PlansTab(state)
        for tab, icon_name, text in (
            (self.overview, "pulse", "&Overview"),
            (self.payments, "transfer", "&Payments"),
            (self.invoices, "audit", "&Invoices"),
            (self.customers, "members", "Custo&mers"),
            (self.plans, "workspaces", "Plans && usa&ge"),
        ):
            self.tabs.addTab(tab, icon(icon_name, theme.ICON), text)
            tab.changed.connect(self._changed)
            tab.wanted.connect(self._wanted)
        self.tabs.currentChanged.connect(lambda _index: self._load_current())
        self.body.addWidget(self.tabs, 1)
        self.access = Access(False)
        state.workspaces_changed.connect(self.mark_stale)

    @property
    def all_tabs(self) -> tuple[BillingTab, ...]:
        return (self.overview, self.payments, self.invoices, self.customers, self.plans)

    def refresh(self) -> None:
        super().refresh()
        self.access = self._read_access()
        for tab in self.all_tabs:
            tab.stale = True
        self._load_current()

    def _read_access(self) -> Access:
        """The connection and the sync as they stand, or only that this role may not see them
        (nothing is asked of core then: the refusal would be logged for nothing)."""
        if not self.state.can(Permission.BILLING_READ):
            return Access(False)
        billing, actor = self.state.container.billing, self.state.actor
        status = self.call(lambda: billing.status(actor))
        connection = self.call(lambda: billing.connection(actor)) if status else None
        return Access(True, status, connection)

    def _load_current(self) -> None:
        tab = self.tabs.currentWidget()
        if isinstance(tab, BillingTab) and tab.stale:
            tab.load(self.access)

    def _changed(self) -> None:
        """A sync, a connection, a refund or a link: every tab shows it when next shown."""
        self.refresh()

    def _wanted(self, action: str) -> None:
        """An empty state's button: connecting and syncing are the Overview's to do."""
        if action == PLANS_ACTION:
            self.tabs.setCurrentWidget(self.plans)
            return
        self.tabs.setCurrentWidget(self.overview)
        if action.startswith("Connect"):
            self.overview.open_connect()
        elif action.startswith("Sync"):
            self.overview.start_sync()

    def focus_filter(self) -> bool:
        """Ctrl+F: the filters of the Payments or Invoices tab when one is shown."""
        tab = self.tabs.currentWidget()
        filters = getattr(tab, "filters", None)
        if filters is None:
            return False
        filters.focus()
        return True
