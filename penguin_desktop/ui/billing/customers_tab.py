"""The Customers tab of the Billing page: the Stripe customers and the client workspace each
pays for, linked by its `penguin_workspace` metadata or by hand. Link to workspace… links one by
hand (a link by hand outlasts the metadata); Follow metadata hands it back to its metadata.
Both are for admins and the owner; unlinked customers come first, they are what needs doing."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from penguin_desktop.core.billing.models import CustomerInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.billing.list_tab import ListTab
from penguin_desktop.ui.monitoring.tab_base import roles_words
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.form import FormDialog
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def _link(c: CustomerInfo) -> str:
    return LINK_WORDS.get(c.link or "", "Not linked")


def _link_tip(c: CustomerInfo) -> str:
    if c.link == "manual":
        return "Linked by hand: it stays whatever the customer's metadata says"
    if c.link == "metadata":
        return "Its penguin_workspace metadata names the workspace"
    if c.metadata_workspace:
        return f"Its metadata names {c.metadata_workspace!r}, which is no active workspace"
    return "No penguin_workspace metadata and no link by hand"


LINK_WORDS = words.LINK_WORDS
COLUMNS: tuple[Column[CustomerInfo], ...] = (
    Column("Customer", lambda c: c.name or "—", lambda c: c.name or "No name in Stripe"),
    Column("Email", lambda c: c.email or ""),
    Column("Workspace", lambda c: c.workspace or "—"),
    Column("Linked", _link, _link_tip),
    Column("Metadata says", lambda c: c.metadata_workspace or ""),
    Column("Stripe id", lambda c: c.id),
)
LINK_COLUMN = 3


def link_style(customer: object) -> BadgeStyle | None:
    return WARNING if isinstance(customer, CustomerInfo) and customer.workspace is None else None


class LinkDialog(FormDialog):
    """Which client workspace a Stripe customer pays for (a quick write: OK calls core)."""

    def __init__(
        self,
        state: AppState,
        customer: CustomerInfo,
        workspaces: list[str],
        parent: QWidget | None = None,
    ) -> None:
        who = customer.name or customer.email or customer.id
        super().__init__(
            f"Link {who} to a workspace",
            f"Payments, invoices and the plan of {who} ({customer.id}) then count for the "
            "workspace chosen here, whatever the customer's metadata says, until Follow "
            "metadata undoes it.",
            ok_text="Link",
            parent=parent,
        )
        self.setObjectName("linkCustomerDialog")
        self.state, self.customer = state, customer
        self.workspace = QComboBox()
        for name in workspaces:
            self.workspace.addItem(name, name)
        chosen = self.workspace.findData(customer.workspace or customer.metadata_workspace)
        self.workspace.setCurrentIndex(max(chosen, 0))
        self.form.addRow("&Workspace", self.workspace)
        self.fields.update(workspace=self.workspace)
        self.result_value: CustomerInfo | None = None
        self.workspace.setFocus()

    def submit(self) -> None:
        billing, actor = self.state.container.billing, self.state.actor
        self.result_value = billing.link(actor, self.customer.id, self.workspace.currentData())


class CustomersTab(ListTab[CustomerInfo]):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            state,
            "members",
            "BillingPage/customers",
            COLUMNS,
            lambda c: c.id,
            ColumnRules(
                middle=frozenset({"Email", "Stripe id"}),
                least={"Customer": 120, "Email": 120},
            ),
            parent,
        )
        self.table.setObjectName("customerTable")
        self.table.setItemDelegateForColumn(LINK_COLUMN, BadgeDelegate(link_style, self.table))
        self.dialog: LinkDialog | None = None

    def build_bar(self) -> None:
        self.link_button = action_button("&Link to workspace…", "workspaces", primary=True)
        self.follow_button = action_button("Follow meta&data", "refresh")
        self.link_button.clicked.connect(self.open_link)
        self.follow_button.clicked.connect(self.follow_metadata)
        self.bar.addWidget(self.heading("Stripe customers"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        self.bar.addWidget(self.follow_button)
        self.bar.addWidget(self.link_button)

    def read(self) -> list[CustomerInfo]:
        found = self.state.container.billing.customers(self.state.actor)
        return sorted(found, key=lambda c: c.workspace is not None)  # stable: unlinked first

    def nothing_found(self) -> tuple[str, str]:
        return "No customers yet", "Stripe customers show here once the sync has copied them."

    def noun(self) -> str:
        return "customer"

    def _count_text(self) -> str:
        unlinked = sum(1 for c in self.rows if c.workspace is None)
        text = super()._count_text()
        return f"{text}, {unlinked} in no workspace" if unlinked else text

    # --- linking --------------------------------------------------------------------------------
    def open_link(self) -> LinkDialog | None:
        customer = self.list.selected()
        if customer is None or not self.state.can(Permission.BILLING_LINK):
            return None
        names = [w.name for w in self.state.active_workspaces]
        dialog = LinkDialog(self.state, customer, names, self)
        dialog.accepted.connect(lambda: self._linked(dialog.result_value))
        self.dialog = dialog
        dialog.open()
        return dialog

    def follow_metadata(self) -> CustomerInfo | None:
        customer = self.list.selected()
        if customer is None or not self.state.can(Permission.BILLING_LINK):
            return None
        billing, actor = self.state.container.billing, self.state.actor
        done = self.call(lambda: billing.link(actor, customer.id, None))
        self._linked(done)
        return done

    def _linked(self, customer: CustomerInfo | None) -> None:
        if customer is None:
            return
        who = customer.name or customer.id
        where = f"workspace {customer.workspace}" if customer.workspace else "no workspace"
        how = {"manual": "by hand", "metadata": "by its metadata"}.get(customer.link or "", "")
        text = f"{who} belongs to {where}" + (f" ({how})" if how else "")
        self.message.show_success(text)
        self.state.notify(text)
        self.changed.emit()  # the page reloads this tab and marks the others

    def update_actions(self) -> None:
        customer = self.list.selected()
        may = self.state.can(Permission.BILLING_LINK)
        refused = f"Only {roles_words(Permission.BILLING_LINK)} link customers to workspaces"
        self.link_button.setEnabled(may and customer is not None)
        self.link_button.setToolTip(
            refused
            if not may
            else "Select a customer first"
            if customer is None
            else "Say which client workspace this customer pays for"
        )
        manual = customer is not None and customer.link == "manual"
        self.follow_button.setEnabled(may and manual)
        self.follow_button.setToolTip(
            refused
            if not may
            else "Undo a link by hand: the customer's penguin_workspace metadata decides again"
            if manual
            else "Only a customer linked by hand can go back to its metadata"
        )
