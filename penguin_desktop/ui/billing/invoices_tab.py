"""The Invoices tab of the Billing page: every client's invoices, newest first, with what is
still owed and when Stripe tries again; the selected one's hosted page or PDF opens in the
browser (Stripe serves both; nothing is downloaded here), and Export CSV… writes the list."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from penguin_desktop.core.billing.models import InvoiceInfo
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.billing.filters import LIMIT, FilterBar
from penguin_desktop.ui.billing.list_tab import ListTab
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def _money(field: str) -> Callable[[InvoiceInfo], str]:
    return lambda i: words.amount(getattr(i, field), i.currency)


def _retry(i: InvoiceInfo) -> str:
    return words.when(i.next_retry) if i.next_retry else ""


def _attempts(i: InvoiceInfo) -> str:
    return str(i.attempt_count) if i.attempt_count else ""


COLUMNS: tuple[Column[InvoiceInfo], ...] = (
    Column("Number", lambda i: i.number or i.id, lambda i: f"Invoice {i.id}"),
    Column("Date", lambda i: words.day(i.created), lambda i: words.when(i.created)),
    Column("Workspace", lambda i: i.workspace or "—"),
    Column(
        "Customer",
        lambda i: words.customer_words(i.customer_name, i.customer),
        lambda i: i.customer or "",
    ),
    Column("Status", lambda i: i.status.replace("_", " ").capitalize()),
    Column("Total", _money("total")),
    Column("Paid", _money("amount_paid")),
    Column("Remaining", _money("amount_remaining")),
    Column("Attempts", _attempts, lambda i: "Payment attempts so far"),
    Column("Next retry", _retry),
)
STATUS_COLUMN = 4


def status_style(invoice: object) -> BadgeStyle | None:
    if not isinstance(invoice, InvoiceInfo):
        return None
    if invoice.status == "open" and invoice.attempt_count:
        return DANGER
    if invoice.status in ("open", "uncollectible"):
        return WARNING
    return None


class InvoicesTab(ListTab[InvoiceInfo]):
    row_kind = InvoiceInfo

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            state,
            "audit",
            "BillingPage/invoices",
            COLUMNS,
            lambda i: i.id,
            ColumnRules(
                middle=frozenset({"Number"}),
                whole=frozenset({"Date", "Status", "Total", "Paid", "Remaining"}),
                least={"Customer": 110, "Workspace": 90},
            ),
            parent,
        )
        self.table.setObjectName("invoiceTable")
        self.table.setItemDelegateForColumn(STATUS_COLUMN, BadgeDelegate(status_style, self.table))
        self.table.doubleClicked.connect(lambda _index: self.open_page())
        # How a link is opened: the desktop's browser (a test puts a recorder here).
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl

    def build_bar(self) -> None:
        self.page_button = action_button("Open in &browser", "globe")
        self.page_button.setToolTip("Stripe's hosted page of the invoice (double-click a row)")
        self.pdf_button = action_button("Open P&DF", "export")
        self.export_button = action_button("E&xport CSV…", "export")
        self.export_button.setToolTip("Write the listed invoices to a CSV file (audited)")
        self.page_button.clicked.connect(self.open_page)
        self.pdf_button.clicked.connect(self.open_pdf)
        self.export_button.clicked.connect(self.open_export)
        self.bar.addWidget(self.heading("Invoices"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        for button in (self.export_button, self.pdf_button, self.page_button):
            self.bar.addWidget(button)
        self.filters = FilterBar(
            words.INVOICE_STATUSES, "Only open invoices whose payment failed and will be retried"
        )

    def read(self) -> list[InvoiceInfo]:
        flt = self.filters.current() if self.filters is not None else None
        billing, actor = self.state.container.billing, self.state.actor
        if flt is None:
            return billing.invoices(actor, limit=LIMIT)
        return billing.invoices(
            actor,
            flt.workspace,
            failed=flt.failed,
            status=flt.status,
            since=flt.since,
            until=flt.until,
            limit=LIMIT,
        )

    def nothing_found(self) -> tuple[str, str]:
        if self.filters is not None and self.filters.narrowed():
            return "No invoices match", "Nothing synced matches these filters; Clear filters."
        return "No invoices yet", "Subscriptions' invoices show here once Stripe makes them."

    def noun(self) -> str:
        return "invoice"

    # --- links ----------------------------------------------------------------------------------
    def open_page(self) -> bool:
        invoice = self.list.selected()
        return self._open(invoice.hosted_invoice_url if invoice else None)

    def open_pdf(self) -> bool:
        invoice = self.list.selected()
        return self._open(invoice.invoice_pdf if invoice else None)

    def _open(self, url: str | None) -> bool:
        if not url:
            return False
        self.open_url(QUrl(url))
        self.state.notify(f"Opened {url}")
        return True

    def update_actions(self) -> None:
        invoice = self.list.selected()
        for button, url, missing in (
            (self.page_button, invoice.hosted_invoice_url if invoice else None, "hosted page"),
            (self.pdf_button, invoice.invoice_pdf if invoice else None, "PDF"),
        ):
            button.setEnabled(bool(url))
            button.setToolTip(
                url
                if url
                else "Select an invoice first"
                if invoice is None
                else f"Stripe has no {missing} for this invoice (a draft has none)"
            )
        self.export_button.setEnabled(bool(self.rows))
