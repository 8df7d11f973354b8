"""The Domains page's "Required records" tab: what to publish for a domain, the DNS records and
the MTA-STS policy file, listed by name, type and value, with the selected one whole below the
list (its value uncut, what it is for, Copy) and a zone snippet to paste at a provider we cannot
drive.

The policy file is not a DNS record: it is served over HTTPS at a fixed address on the domain's
`mta-sts` host, so it is listed by that address with the type "Policy file (HTTPS)"; the bare
"HTTPS" would read as the HTTPS DNS record type (RFC 9460), which the domain does not need.
Core keeps it apart from the records (`RequiredView.mta_sts_policy`), so the count above the
list says how many of each there are and matches the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSizeF, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules, TableColumns

POLICY_TYPE = "Policy file (HTTPS)"
POLICY_PURPOSE = (
    "MTA-STS policy file: serve this text over HTTPS at this address (a web server, not a DNS "
    "record); the _mta-sts TXT record announces it"
)
PTR_NOTE = "PTR records are set by whoever owns the server IPs (your VPS provider)."
RULES = ColumnRules(
    widest={"Name": 260, "Value": 300},
    middle=frozenset({"Name"}),
    whole=frozenset({"Type"}),
    least={"Name": 120},
)

if TYPE_CHECKING:  # dnspython stays out of start-up
    from penguin_desktop.core.domains.required import RequiredView


@dataclass(frozen=True)
class RecordRow:
    """One thing to publish; `value` exactly as it must be published."""

    name: str
    rtype: str
    value: str
    purpose: str

    @property
    def one_line(self) -> str:
        """The value on one line for the list (the policy file has several)."""
        return " · ".join(line for line in self.value.splitlines() if line)


def record_rows(view: RequiredView) -> list[RecordRow]:
    rows = [RecordRow(r.name, r.rtype, r.value, r.purpose) for r in view.records]
    rows.append(RecordRow(view.mta_sts_url, POLICY_TYPE, view.mta_sts_policy, POLICY_PURPOSE))
    return rows


def count_text(domain: str, view: RequiredView) -> str:
    count = len(view.records)
    records = f"{count} DNS record{'' if count == 1 else 's'}"
    return f"{count + 1} to publish for {domain}: {records} and the MTA-STS policy file"


class WrappedText(QPlainTextEdit):
    """Read-only text wrapped anywhere (names, keys and URLs have no spaces to wrap at), as
    tall as its lines up to `max_lines`, then scrolling: a label would cut it or widen the
    pane."""

    def __init__(self, name: str, max_lines: int, fixed: bool = False) -> None:
        super().__init__()
        self.setReadOnly(True)
        self.setAccessibleName(name)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        if fixed:
            self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._max_lines = max_lines
        self.document().documentLayout().documentSizeChanged.connect(self._fit)
        self._fit(QSizeF(0, 1))

    def _fit(self, size: QSizeF) -> None:
        """The plain-text layout measures in lines, not pixels."""
        lines = int(size.height())
        shown = min(max(lines, 1), self._max_lines)
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if lines > self._max_lines
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        margins = 2 * (self.frameWidth() + int(self.document().documentMargin()))
        self.setFixedHeight(shown * self.fontMetrics().lineSpacing() + margins + 6)


class RecordView(QWidget):
    """The selected record whole: nothing of a DKIM key or a policy file is cut."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        form.setSpacing(4)
        self.name = WrappedText("Record name", 3)
        self.rtype = QLabel()
        self.value = WrappedText("Record value", 8, fixed=True)
        self.purpose = QLabel()
        self.purpose.setObjectName("footnote")
        self.purpose.setWordWrap(True)
        self.copy_value = action_button("Copy value", "copy")
        self.copy_value.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.row.value if self.row else "")
        )
        self.row: RecordRow | None = None
        type_row = QHBoxLayout()
        type_row.addWidget(self.rtype, 1)
        type_row.addWidget(self.copy_value)
        form.addRow("Name", self.name)
        form.addRow("Type", type_row)
        form.addRow("Value", self.value)
        form.addRow("", self.purpose)
        self.show_record(None)

    def show_record(self, row: RecordRow | None) -> None:
        self.row = row
        self.name.setPlainText(row.name if row else "")
        self.rtype.setText(row.rtype if row else "Select a record to see it whole")
        self.value.setPlainText(row.value.strip() if row else "")
        self.purpose.setText(row.purpose if row else "")
        self.copy_value.setEnabled(row is not None)


class RecordsTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 12, 12, 12)
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.count.setWordWrap(True)
        column.addWidget(self.count)
        self.records = QTreeWidget()
        self.records.setRootIsDecorated(False)
        self.records.setAlternatingRowColors(True)
        self.records.setHeaderLabels(["Name", "Type", "Value"])
        self.records.setAccessibleName("Required records")
        self.columns = TableColumns(self.records, "DomainsPage/records", RULES)
        self.records.currentItemChanged.connect(self._current_changed)
        column.addWidget(self.records, 1)
        self.record = RecordView()
        column.addWidget(self.record)
        bar = QHBoxLayout()
        self.note = QLabel(PTR_NOTE)
        self.note.setObjectName("footnote")
        self.note.setWordWrap(True)
        self.copy_zone = action_button("Copy zone snippet", "copy")
        bar.addWidget(self.note, 1)
        bar.addWidget(self.copy_zone)
        column.addLayout(bar)
        self.rows: list[RecordRow] = []
        self.zone_text = ""
        self.copy_zone.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.zone_text))

    def show_records(self, domain: str, view: RequiredView | None, zone: str) -> None:
        """The records of `domain` (its display name), or nothing when `view` is None."""
        self.records.clear()
        self.rows = record_rows(view) if view is not None else []
        for row in self.rows:
            item = QTreeWidgetItem([row.name, row.rtype, row.one_line])
            item.setToolTip(2, row.value)
            item.setToolTip(1, row.purpose)
            self.records.addTopLevelItem(item)
        self.count.setText(count_text(domain, view) if view is not None else "")
        self.note.setVisible(view is not None)
        self.zone_text = zone
        self.copy_zone.setEnabled(bool(zone))
        first = self.records.topLevelItem(0)
        if first is not None:
            self.records.setCurrentItem(first)
        self._current_changed()

    def _current_changed(self, *_items: QTreeWidgetItem | None) -> None:
        index = self.records.currentIndex().row()
        self.record.show_record(self.rows[index] if 0 <= index < len(self.rows) else None)
