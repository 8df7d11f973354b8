"""The delivery log under the Notifiers tab: each alert event owed to a notifier, when it was
queued, how many tries it took, what the receiver answered, and when the next try is."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from penguin_desktop.core.monitoring.models import DeliveryInfo
from penguin_desktop.ui.monitoring import check_words as words
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.tab_base import ListTable
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.table_columns import ColumnRules

EVENT_WORDS = {"alert.triggered": "Triggered", "alert.acknowledged": "Acknowledged"}


def delivered_text(d: DeliveryInfo) -> str:
    if d.delivered:
        return "Yes"
    if d.next_attempt_at is None:
        return "Gave up"
    return "Queued" if d.attempts == 0 else "Retrying"


def delivered_tip(d: DeliveryInfo) -> str:
    if d.delivered:
        return "The receiver took it"
    if d.next_attempt_at is None:
        return "Refused for good or out of attempts: it is not sent again"
    return f"Next try {words.when(d.next_attempt_at)}, with the next round of checks"


def delivered_style(row: object) -> BadgeStyle | None:
    if not isinstance(row, DeliveryInfo):
        return None
    if row.delivered:
        return st.OK_STYLE
    return DANGER if row.next_attempt_at is None else WARNING if row.attempts else st.UNKNOWN_STYLE


DELIVERY_COLUMNS: tuple[Column[DeliveryInfo], ...] = (
    Column("When", lambda d: words.short_when(d.at), lambda d: words.when(d.at)),
    Column("Notifier", lambda d: d.notifier),
    Column("Alert", lambda d: f"#{d.alert_id}"),
    Column("Event", lambda d: EVENT_WORDS.get(d.event.value, "Resolved")),
    Column("Tries", lambda d: str(d.attempts), lambda d: words.count(d.attempts, "attempt")),
    Column(
        "HTTP",
        lambda d: str(d.status_code) if d.status_code else "—",
        lambda d: "The receiver's HTTP status code" if d.status_code else "No HTTP answer",
    ),
    Column("Error", lambda d: d.error or "", lambda d: d.error or ""),
    Column("Delivered", delivered_text, delivered_tip),
    Column(
        "Next try",
        lambda d: words.short_when(d.next_attempt_at, "—"),
        lambda d: words.when(d.next_attempt_at, "no more tries"),
    ),
)
DELIVERED_COLUMN = 7


class DeliveryLog(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        column.setSpacing(6)
        top = QHBoxLayout()
        title = QLabel("Delivery log")
        title.setObjectName("sectionTitle")
        top.addWidget(title)
        self.count = QLabel()
        self.count.setObjectName("footnote")
        top.addWidget(self.count, 1)
        column.addLayout(top)
        self.list = ListTable(
            "MonitoringPage/deliveries",
            DELIVERY_COLUMNS,
            lambda d: d.id,
            ColumnRules(
                middle=frozenset({"Notifier"}),
                whole=frozenset(
                    {"When", "Alert", "Event", "Tries", "HTTP", "Delivered", "Next try"}
                ),
                widest={"Error": 700},
                least={"Error": 200, "Notifier": 130},
            ),
        )
        self.table = self.list.table
        self.table.setObjectName("deliveryTable")
        self.table.setItemDelegateForColumn(
            DELIVERED_COLUMN, BadgeDelegate(delivered_style, self.table)
        )
        self.note = QLabel(
            "Nothing sent yet: each alert that opens, is acknowledged or resolves is sent to "
            "every notifier of its workspace and the agency's, and logged here."
        )
        self.note.setObjectName("pageSubtitle")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.note)
        column.addWidget(self.stack, 1)

    def show_deliveries(self, log: Sequence[DeliveryInfo]) -> None:
        self.list.set_rows(log)
        self.stack.setCurrentWidget(self.table if log else self.note)
        sent = sum(1 for d in log if d.delivered)
        waiting = sum(1 for d in log if not d.delivered and d.next_attempt_at is not None)
        total = f"{len(log):,} {'delivery' if len(log) == 1 else 'deliveries'}"
        parts = [total, f"{sent} delivered", f"{waiting} waiting"]
        self.count.setText(" · ".join(parts) if log else "")
