"""The revenue half of the Overview tab: today's figures as tiles, one row per currency (MRR,
ARR, active subscriptions, ARPA, this month's failed-payment rate), then the MRR movements by
month for one currency at a time, as a chart (loaded on first use, see `revenue_chart`) over the
months' table.

Every figure is core's (`Revenue`): nothing here adds or converts amounts, and no two
currencies are ever summed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.billing.models import CurrencyRevenue, MonthFigures, Revenue
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.monitoring.panels import subhead
from penguin_desktop.ui.monitoring.tab_base import ListTable
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.table_columns import ColumnRules

if TYPE_CHECKING:
    from penguin_desktop.ui.billing.revenue_chart import MrrChart

MONTH_TABLE_ROWS = 6  # the table's height in rows; it scrolls for more


def _failed(m: MonthFigures) -> str:
    if not m.payments:
        return "—"
    return f"{m.failed_payments}/{m.payments} ({words.percent(m.failed_payment_rate)})"


def _nrr(m: MonthFigures) -> str:
    return words.percent(m.net_revenue_retention)


def _money_column(title: str, field: str, sign: int = 1) -> Column[MonthFigures]:
    return Column(
        title,
        lambda m: words.bare(sign * getattr(m, field), m.currency),
        lambda m: words.amount(sign * getattr(m, field), m.currency),
    )


def _month(m: MonthFigures) -> str:
    return words.month_words(m.month)


def _month_tip(m: MonthFigures) -> str:
    so_far = m.month == datetime.now(UTC).strftime("%Y-%m")
    return f"{m.month}, a calendar month in UTC" + (" (this month: so far)" if so_far else "")


def _end_tip(m: MonthFigures) -> str:
    c = m.currency
    return (
        f"{words.amount(m.start_mrr, c)} at the start, + {words.amount(m.new, c)} new, "
        f"+ {words.amount(m.expansion, c)} expansion, + {words.amount(m.reactivation, c)} "
        f"reactivation, - {words.amount(m.contraction, c)} contraction, "
        f"- {words.amount(m.churn, c)} churn = {words.amount(m.end_mrr, c)}"
    )


def _net_tip(m: MonthFigures) -> str:
    c = m.currency
    return (
        f"{words.amount(m.collected, c)} collected - {words.amount(m.refunds, c)} refunded "
        f"= {words.amount(m.net_revenue, c)}"
    )


MONTH_COLUMNS: tuple[Column[MonthFigures], ...] = (
    Column("Month", _month, _month_tip),
    _money_column("New", "new"),
    _money_column("Expansion", "expansion"),
    _money_column("Reactivation", "reactivation"),
    _money_column("Contraction", "contraction", -1),
    _money_column("Churn", "churn", -1),
    Column("End MRR", lambda m: words.bare(m.end_mrr, m.currency), _end_tip),
    Column("Failed", _failed, lambda m: "Failed payments of those that ended this month"),
    Column("Net revenue", lambda m: words.bare(m.net_revenue, m.currency), _net_tip),
    Column(
        "NRR",
        _nrr,
        lambda m: (
            "Net revenue retention: the MRR kept from customers paying at the month's "
            "start (expansion in, contraction and churn out), over their starting MRR"
        ),
    ),
)
MONEY_TITLES = frozenset(
    {"New", "Expansion", "Reactivation", "Contraction", "Churn", "End MRR", "Net revenue"}
)


class FigureTile(QFrame):
    """One figure: a caption over a large value, a muted note under it."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 10)
        column.setSpacing(2)
        self.caption = QLabel(caption)
        self.caption.setObjectName("footnote")
        self.value = QLabel()
        self.value.setStyleSheet("font-size: 19px; font-weight: 600;")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = QLabel()
        self.note.setObjectName("footnote")
        for label in (self.caption, self.value, self.note):
            label.setTextFormat(Qt.TextFormat.PlainText)
            column.addWidget(label)

    def set_figure(self, value: str, note: str = "", color: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"font-size: 19px; font-weight: 600; color: {color or '#0f172a'};")
        self.note.setText(note or " ")
        self.setAccessibleName(f"{self.caption.text()}: {value}")
        self.setToolTip(f"{self.caption.text()}: {value}" + (f"\n{note}" if note else ""))


class CurrencyRow:
    """Today's five figures in one currency: one row of the tiles' grid (a grid, so the
    currencies' tiles line up in columns)."""

    def __init__(self, currency: str, grid: QGridLayout, row: int) -> None:
        self.currency = currency
        self.mrr = FigureTile(f"MRR ({currency.upper()})")
        self.arr = FigureTile("ARR")
        self.active = FigureTile("Active subscriptions")
        self.arpa = FigureTile("ARPA")
        self.failed = FigureTile("Failed payments this month")
        self.tiles = (self.mrr, self.arr, self.active, self.arpa, self.failed)
        for column, tile in enumerate(self.tiles):
            grid.addWidget(tile, row, column)

    def discard(self) -> None:
        for tile in self.tiles:
            tile.hide()
            tile.deleteLater()

    def show_figures(self, today: CurrencyRevenue, month: MonthFigures | None) -> None:
        c = today.currency
        self.mrr.set_figure(words.amount(today.mrr, c), "Monthly recurring revenue")
        self.arr.set_figure(words.amount(today.arr, c), "MRR x 12")
        customers = today.paying_customers
        self.active.set_figure(
            f"{today.active_subscriptions:,}",
            f"{customers:,} paying customer{'' if customers == 1 else 's'}",
        )
        self.arpa.set_figure(words.amount(today.arpa, c), "Per paying customer")
        if month is None or not month.payments:
            self.failed.set_figure("—", "No payments this month yet")
            return
        rate = month.failed_payment_rate or 0.0
        self.failed.set_figure(
            words.percent(month.failed_payment_rate),
            f"{month.failed_payments} of {month.payments} "
            f"payment{'' if month.payments == 1 else 's'}",
            theme.DANGER if rate > 0 else theme.SUCCESS,
        )


class RevenueTiles(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Revenue today",
            "From the synced subscriptions; one row per currency, never added together.",
            parent,
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(10)
        for column in range(5):
            self.grid.setColumnStretch(column, 1)
        self.layout_.addLayout(self.grid)
        self.none = subhead("No paying subscriptions in the synced account yet.")
        self.layout_.addWidget(self.none)
        self.rows: dict[str, CurrencyRow] = {}

    def show_revenue(self, revenue: Revenue) -> None:
        """One row per currency, the main one first (rebuilt only when the currencies
        change)."""
        this_month = revenue.months[-1].month if revenue.months else ""
        months = {m.currency: m for m in revenue.months if m.month == this_month}
        ordered = words.main_first(revenue.currencies)
        if [c.currency for c in ordered] != list(self.rows):
            for row in self.rows.values():
                row.discard()
            self.rows = {
                c.currency: CurrencyRow(c.currency, self.grid, i) for i, c in enumerate(ordered)
            }
        for today in ordered:
            self.rows[today.currency].show_figures(today, months.get(today.currency))
        self.none.setVisible(not ordered)


class MovementsCard(Card):
    """The chart and the table of one currency's months, with the currency to show."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "MRR movements by month",
            "What each month's MRR won and lost, in calendar months (UTC).",
            parent,
        )
        top = QHBoxLayout()
        top.setSpacing(8)
        chooser = QLabel("Currenc&y")
        chooser.setObjectName("fieldCaption")
        self.currency = QComboBox()
        self.currency.setMinimumWidth(90)
        chooser.setBuddy(self.currency)
        self.currency.currentIndexChanged.connect(lambda _i: self._show_chosen())
        top.addWidget(chooser)
        top.addWidget(self.currency)
        top.addStretch(1)
        self.layout_.addLayout(top)
        self.chart_box = QVBoxLayout()
        self.layout_.addLayout(self.chart_box)
        self.chart: MrrChart | None = None
        self.list = ListTable(
            "BillingPage/months",
            MONTH_COLUMNS,
            lambda m: (m.month, m.currency),
            ColumnRules(whole=frozenset({"Month"}) | MONEY_TITLES, least={"Failed": 70}),
        )
        self.table = self.list.table
        self.table.setObjectName("monthsTable")
        self.table.setMinimumHeight(30 * (MONTH_TABLE_ROWS + 1) + 4)
        self.layout_.addWidget(self.table)
        self.revenue: Revenue | None = None

    def show_revenue(self, revenue: Revenue) -> None:
        self.revenue = revenue
        chosen = self.currency.currentData()
        currencies = sorted({m.currency for m in revenue.months})
        self.currency.blockSignals(True)
        self.currency.clear()
        for code in currencies:
            self.currency.addItem(code.upper(), code)
        index = self.currency.findData(chosen)
        if index < 0 and revenue.currencies:  # the main currency first
            index = self.currency.findData(words.main_first(revenue.currencies)[0].currency)
        self.currency.setCurrentIndex(max(index, 0))
        self.currency.blockSignals(False)
        self.currency.setEnabled(len(currencies) > 1)
        self._show_chosen()

    def chosen_months(self) -> list[MonthFigures]:
        code = self.currency.currentData()
        if self.revenue is None or code is None:
            return []
        return [m for m in self.revenue.months if m.currency == code]

    def _show_chosen(self) -> None:
        months = self.chosen_months()
        code = str(self.currency.currentData() or "")
        if months and self.chart is None:
            from penguin_desktop.ui.billing.revenue_chart import MrrChart

            self.chart = MrrChart()
            self.chart_box.addWidget(self.chart)
        if self.chart is not None:
            self.chart.setVisible(bool(months))
            if months:
                self.chart.show_months(months, code)
        self.list.set_rows(list(reversed(months)))  # newest first, under the chart
        self.set_description(
            f"What each month's MRR won and lost, in {code.upper()}, calendar months (UTC); "
            "amounts in the table are in that currency."
            if code
            else "No MRR movements yet."
        )
