"""The Payments tab of the Billing page: every client's charges and refunds, newest first, with
why a payment failed and when Stripe tries again; Export CSV… of what is listed, and Refund… of
a selected payment that succeeded (admins and the owner).

A refund dialog closed while its refund is under way is kept for its payment and opened again
by the next Refund… of it, with its idempotency key: whatever Stripe did the first time is
then reported, never done twice."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from penguin_desktop.core.billing.models import Payment, RefundResult
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.billing.filters import LIMIT, FilterBar
from penguin_desktop.ui.billing.list_tab import ListTab
from penguin_desktop.ui.billing.refund_dialog import RefundDialog
from penguin_desktop.ui.monitoring.tab_base import roles_words
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def _customer_tip(p: Payment) -> str:
    return f"{p.customer_name or 'No name'} ({p.customer or 'no customer'})"


def _retry(p: Payment) -> str:
    return words.when(p.next_retry) if p.next_retry else ""


COLUMNS: tuple[Column[Payment], ...] = (
    Column("Date", lambda p: words.day(p.created), lambda p: words.when(p.created)),
    Column("Workspace", lambda p: p.workspace or "—", lambda p: p.workspace or "No workspace"),
    Column("Customer", lambda p: words.customer_words(p.customer_name, p.customer), _customer_tip),
    Column("Amount", lambda p: words.amount(p.amount, p.currency)),
    Column("Status", words.payment_status, lambda p: f"Stripe: {p.status}"),
    Column("Decline", words.decline_text, words.decline),
    Column(
        "Next retry", _retry, lambda p: "When Stripe tries the invoice again" if _retry(p) else ""
    ),
    Column(
        "Refunded",
        lambda p: words.amount(p.refunded, p.currency) if p.refunded else "",
    ),
    Column(
        "Payment",
        lambda p: p.id,
        lambda p: f"{p.kind} {p.id}" + (f" of charge {p.charge}" if p.charge else ""),
    ),
)
STATUS_COLUMN = 4


def status_style(payment: object) -> BadgeStyle | None:
    if not isinstance(payment, Payment):
        return None
    if payment.status == "failed":
        return DANGER
    if payment.kind == "refund" or payment.refunded:
        return WARNING
    return None


class PaymentsTab(ListTab[Payment]):
    row_kind = Payment

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            state,
            "transfer",
            "BillingPage/payments",
            COLUMNS,
            lambda p: (p.kind, p.id),
            ColumnRules(
                middle=frozenset({"Payment"}),
                whole=frozenset({"Date", "Amount", "Status", "Next retry"}),
                widest={"Decline": 420, "Payment": 120},
                least={"Customer": 90, "Workspace": 80, "Decline": 160, "Payment": 60},
            ),
            parent,
        )
        self.table.setObjectName("paymentTable")
        self.table.setItemDelegateForColumn(STATUS_COLUMN, BadgeDelegate(status_style, self.table))
        self.refund_dialog: RefundDialog | None = None

    def build_bar(self) -> None:
        self.export_button = action_button("E&xport CSV…", "export")
        self.export_button.setToolTip("Write the listed payments to a CSV file (audited)")
        self.refund_button = action_button("&Refund…", "transfer")
        self.export_button.clicked.connect(self.open_export)
        self.refund_button.clicked.connect(self.open_refund)
        self.bar.addWidget(self.heading("Payments"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        self.bar.addWidget(self.export_button)
        self.bar.addWidget(self.refund_button)
        self.payment_filters = FilterBar(
            words.CHARGE_STATUSES, "Only charges that failed, with the decline and next retry"
        )
        self.filters = self.payment_filters

    def read(self) -> list[Payment]:
        flt = self.payment_filters.current()
        billing, actor = self.state.container.billing, self.state.actor
        return billing.payments(
            actor,
            flt.workspace,
            failed=flt.failed,
            status=flt.status,
            since=flt.since,
            until=flt.until,
            limit=LIMIT,
        )

    def nothing_found(self) -> tuple[str, str]:
        if self.payment_filters.narrowed():
            return "No payments match", "Nothing synced matches these filters; Clear filters."
        return "No payments yet", "Charges and refunds show here once Stripe has some."

    def noun(self) -> str:
        return "payment"

    # --- refunds --------------------------------------------------------------------------------
    def open_refund(self) -> RefundDialog | None:
        payment = self.list.selected()
        if payment is None or not self._may_refund(payment):
            return None
        kept = self.refund_dialog
        if kept is not None and kept.payment.id == payment.id and kept.result() == 0:
            dialog = kept  # closed before it finished: the same request, the same key
        else:
            dialog = RefundDialog(self.state, payment, self)
            dialog.accepted.connect(lambda: self._refunded(dialog))
            self.refund_dialog = dialog
        dialog.open()
        return dialog

    def _refunded(self, dialog: RefundDialog) -> None:
        result = dialog.result_value
        if not isinstance(result, RefundResult):
            return
        refund = words.amount(result.amount, result.currency)
        if result.repeated:
            self.message.show_info(
                f"Already refunded: this request made refund {result.refund_id} of {refund} "
                "before; nothing new was refunded."
            )
        else:
            text = f"Refunded {refund} of payment {result.charge} (refund {result.refund_id})"
            self.message.show_success(f"{text}, {result.status.replace('_', ' ')} at Stripe.")
            self.state.notify(text)
        self.changed.emit()  # the page reloads this tab and marks the others

    def _may_refund(self, payment: Payment) -> bool:
        return self.state.can(Permission.BILLING_REFUND) and words.refundable(payment) > 0

    def update_actions(self) -> None:
        payment = self.list.selected()
        may = self.state.can(Permission.BILLING_REFUND)
        ready = payment is not None and words.refundable(payment) > 0
        self.refund_button.setEnabled(may and ready)
        self.refund_button.setToolTip(
            f"Only {roles_words(Permission.BILLING_REFUND)} refund payments"
            if not may
            else "Select a payment first"
            if payment is None
            else "Refund all or part of it"
            if ready
            else "Only a payment that succeeded and is not refunded in full can be refunded"
        )
        self.export_button.setEnabled(bool(self.rows))
