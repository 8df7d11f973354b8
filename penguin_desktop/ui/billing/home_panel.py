"""The billing panel on Home: the agency's MRR in each currency and this month's failed
payments, a click away from the Billing page.

Home must stay fast, so the figures are read off the UI thread (`read_home_figures` runs in a
worker; billing's status and revenue read the mirror without loading the Stripe library) and
only when the role may read billing. The panel stays hidden when billing is not connected or never
synced: an empty billing panel on every Home would be noise for an agency that bills
elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from penguin_desktop.container import Container
from penguin_desktop.core.billing.models import CurrencyRevenue
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.monitoring.panels import link_button, muted
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.widgets.card import Card


@dataclass(frozen=True)
class HomeFigures:
    currencies: tuple[CurrencyRevenue, ...]  # the main one first (`words.main_first`)
    payments: int  # this month's payments that ended, every currency
    failed: int


def read_home_figures(container: Container, actor: Actor) -> HomeFigures | None:
    """Today's MRR and this month's payments, or None when billing has nothing to show (not
    connected, never synced). Run in a worker."""
    billing = container.billing
    status = billing.status(actor)
    if not status.connected or (status.last_sync_at is None and not status.full_sync_done):
        return None
    revenue = billing.revenue.revenue(actor, months=1)
    ordered = tuple(words.main_first(revenue.currencies))
    return HomeFigures(
        ordered,
        sum(m.payments for m in revenue.months),
        sum(m.failed_payments for m in revenue.months),
    )


class BillingPanel(Card):
    """Clicking it anywhere, or its link (Tab, then Enter), opens the Billing page."""

    open_billing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Billing", parent=parent)
        self.setObjectName("card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.mrr = QLabel()
        self.mrr.setTextFormat(Qt.TextFormat.RichText)
        self.mrr.setWordWrap(True)
        self.failed = QLabel()
        self.failed.setTextFormat(Qt.TextFormat.RichText)
        self.failed.setWordWrap(True)
        self.add(self.mrr)
        self.add(self.failed)
        footer = QHBoxLayout()
        self.note = muted("")
        footer.addWidget(self.note)
        footer.addStretch(1)
        self.link = link_button("Open Billing")
        self.link.clicked.connect(self.open_billing)
        footer.addWidget(self.link)
        self.layout_.addLayout(footer)
        self.figures: HomeFigures | None = None
        self.hide()

    def show_figures(self, figures: HomeFigures | None) -> None:
        """Show `figures`, or hide the panel when there are none."""
        self.figures = figures
        self.setVisible(figures is not None)
        if figures is None:
            return
        if figures.currencies:
            amounts = [escape(words.amount(c.mrr, c.currency)) for c in figures.currencies]
            self.mrr.setText(
                f'<span style="color:{theme.MUTED}">MRR</span>&nbsp; '
                f'<b style="font-size:17px">{amounts[0]}</b>'
                + "".join(f"&nbsp;&nbsp;·&nbsp;&nbsp;<b>{a}</b>" for a in amounts[1:])
            )
        else:
            self.mrr.setText(f'<span style="color:{theme.MUTED}">No paying subscriptions</span>')
        self.failed.setText(self._failed_html(figures))
        self.setToolTip("Open the Billing page: revenue, payments, invoices and plans")
        self.setAccessibleName(self.mrr.text())

    @staticmethod
    def _failed_html(figures: HomeFigures) -> str:
        if not figures.payments:
            return f'<span style="color:{theme.MUTED}">No payments this month yet</span>'
        color = theme.DANGER if figures.failed else theme.SUCCESS
        many = "" if figures.failed == 1 else "s"
        rate = words.percent(figures.failed / figures.payments)
        return (
            f'<b style="color:{color}">{figures.failed} failed payment{many}</b> this month '
            f'<span style="color:{theme.MUTED}">({rate} of {figures.payments})</span>'
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.open_billing.emit()
            event.accept()
            return
        super().mouseReleaseEvent(event)
