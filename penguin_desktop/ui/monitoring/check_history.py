"""The pane under the Checks tab's table: the selected check's results over the last 24 hours,
newest first, with a line summing them up."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from penguin_desktop.core.monitoring.models import CheckInfo, ResultPoint, Status
from penguin_desktop.ui.monitoring import check_words as words
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.tab_base import ListTable
from penguin_desktop.ui.widgets.badge_delegate import BadgeDelegate
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.table_columns import ColumnRules

COLUMNS: tuple[Column[ResultPoint], ...] = (
    Column("Time", lambda p: words.when(p.at)),
    Column("Status", lambda p: st.WORDS[p.status]),
    Column("Latency", words.latency_text),
    Column("Message", lambda p: p.message, lambda p: p.message),
)
STATUS_COLUMN = 1


def summary(points: Sequence[ResultPoint]) -> str:
    """ "1,440 runs · 1,438 OK · 2 critical · latency 42 ms on average"."""
    counts = {s: sum(1 for p in points if p.status is s) for s in Status}
    parts = [f"{len(points):,} runs"]
    parts += [f"{n:,} {_word(s)}" for s, n in counts.items() if n]
    latencies = [p.latency_ms for p in points if p.latency_ms is not None]
    if latencies:
        parts.append(f"latency {sum(latencies) / len(latencies):.0f} ms on average")
    return " · ".join(parts)


def _word(status: Status) -> str:
    return st.WORDS[status] if status is Status.OK else st.WORDS[status].lower()


class CheckHistory(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 8, 0, 0)
        column.setSpacing(6)
        top = QHBoxLayout()
        self.title = QLabel("History")
        self.title.setObjectName("sectionTitle")
        self.summary = QLabel()
        self.summary.setObjectName("footnote")
        top.addWidget(self.title)
        top.addWidget(self.summary, 1)
        column.addLayout(top)
        self.list = ListTable(
            "MonitoringPage/history",
            COLUMNS,
            lambda p: p.at,
            ColumnRules(whole=frozenset({"Time", "Status", "Latency"}), widest={"Message": 900}),
        )
        self.table = self.list.table
        self.table.setObjectName("historyTable")
        self.table.setItemDelegateForColumn(
            STATUS_COLUMN, BadgeDelegate(words.check_status_style, self.table)
        )
        self.note = QLabel()
        self.note.setObjectName("pageSubtitle")
        self.note.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.note)
        column.addWidget(self.stack, 1)
        self.show_points(None, [])

    def show_points(self, check: CheckInfo | None, points: Sequence[ResultPoint]) -> None:
        newest_first = sorted(points, key=lambda p: p.at, reverse=True)
        self.list.model.set_rows(newest_first)
        if check is None:
            self.title.setText("History")
            self.summary.setText("")
            self._say("Select a check to see its results of the last 24 hours.")
            return
        kind = words.SHORT_KIND_WORDS[check.kind]
        self.title.setText(f"History of {kind} on {check.target}")
        self.summary.setText(f"Last 24 hours: {summary(points)}" if points else "")
        if not points:
            self._say(
                "No results in the last 24 hours. "
                + (
                    "It runs with the next round: use Run now to check at once."
                    if check.enabled
                    else "The check is disabled: enable it to run it again."
                )
            )
            return
        self.stack.setCurrentWidget(self.table)

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.stack.setCurrentWidget(self.note)
