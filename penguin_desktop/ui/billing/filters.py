"""The filter bar of the Payments and Invoices tabs: which client workspace, which status,
failed only, and a period. Changing any of them applies it at once (the lists are read from the
local mirror, newest first, at most `LIMIT` rows). Days are whole days in UTC, as Stripe and the
CLI count them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from penguin_desktop.core.platform.errors import ValidationError

ALL_WORKSPACES = "All workspaces"
ANY_STATUS = "Any status"
LIMIT = 500


@dataclass(frozen=True)
class Filters:
    workspace: str | None
    status: str | None
    failed: bool
    since: date | None
    until: date | None


def _day(edit: QDateEdit) -> date:
    chosen = edit.date()
    return date(chosen.year(), chosen.month(), chosen.day())


class FilterBar(QFrame):
    changed = Signal()

    def __init__(
        self, statuses: tuple[str, ...], failed_tip: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 8, 12, 8)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        self.workspace = QComboBox()
        self.workspace.setMinimumWidth(170)
        self.status = QComboBox()
        self.status.addItem(ANY_STATUS, None)
        for status in statuses:
            self.status.addItem(status.replace("_", " ").capitalize(), status)
        self.failed = QCheckBox("F&ailed only")
        self.failed.setToolTip(failed_tip)
        today = QDate.currentDate()
        self.use_since = QCheckBox("&Since")
        self.since = QDateEdit(today.addMonths(-3))
        self.use_until = QCheckBox("U&ntil")
        self.until = QDateEdit(today)
        for box, edit in ((self.use_since, self.since), (self.use_until, self.until)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.setToolTip("A whole day in UTC, as Stripe counts it")
            box.toggled.connect(edit.setEnabled)
            box.toggled.connect(lambda _on: self.changed.emit())
            edit.dateChanged.connect(lambda _d, b=box: self._date_changed(b))
        self.clear_button = QPushButton("Clear filt&ers")
        self.clear_button.clicked.connect(self.reset)
        for caption_text, widget, column in (
            ("&Workspace", self.workspace, 0),
            ("Stat&us", self.status, 1),
        ):
            caption = QLabel(caption_text)
            caption.setObjectName("fieldCaption")
            caption.setBuddy(widget)
            grid.addWidget(caption, 0, column)
            grid.addWidget(widget, 1, column)
        grid.addWidget(self.failed, 1, 2)
        grid.addWidget(self.use_since, 0, 3)
        grid.addWidget(self.since, 1, 3)
        grid.addWidget(self.use_until, 0, 4)
        grid.addWidget(self.until, 1, 4)
        grid.addWidget(self.clear_button, 1, 6)
        grid.setColumnStretch(5, 1)
        self.workspace.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.status.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.failed.toggled.connect(self._failed_toggled)
        self.set_workspaces([])

    def _date_changed(self, box: QCheckBox) -> None:
        if box.isChecked():
            self.changed.emit()

    def _failed_toggled(self, on: bool) -> None:
        """Failed only decides the status: the status list steps aside while it is ticked."""
        self.status.setEnabled(not on)
        self.changed.emit()

    def set_workspaces(self, names: list[str]) -> None:
        """The workspaces to choose from, keeping the chosen one (no signal: the tab reloads)."""
        chosen = self.workspace.currentData()
        self.workspace.blockSignals(True)
        self.workspace.clear()
        self.workspace.addItem(ALL_WORKSPACES, None)
        for name in names:
            self.workspace.addItem(name, name)
        self.workspace.setCurrentIndex(max(self.workspace.findData(chosen), 0))
        self.workspace.blockSignals(False)

    def reset(self) -> None:
        for widget in (self.workspace, self.status, self.failed, self.use_since, self.use_until):
            widget.blockSignals(True)
        self.workspace.setCurrentIndex(0)
        self.status.setCurrentIndex(0)
        self.status.setEnabled(True)
        self.failed.setChecked(False)
        self.use_since.setChecked(False)
        self.use_until.setChecked(False)
        self.since.setEnabled(False)
        self.until.setEnabled(False)
        for widget in (self.workspace, self.status, self.failed, self.use_since, self.use_until):
            widget.blockSignals(False)
        self.changed.emit()

    def current(self) -> Filters:
        since = _day(self.since) if self.use_since.isChecked() else None
        until = _day(self.until) if self.use_until.isChecked() else None
        if since is not None and until is not None and since > until:
            raise ValidationError("'Since' must be on or before 'Until'", field="until")
        failed = self.failed.isChecked()
        return Filters(
            workspace=self.workspace.currentData(),
            status=None if failed else self.status.currentData(),
            failed=failed,
            since=since,
            until=until,
        )

    def narrowed(self) -> bool:
        """Whether any filter is set (dates the wrong way round included)."""
        return (
            self.workspace.currentData() is not None
            or (self.status.isEnabled() and self.status.currentData() is not None)
            or self.failed.isChecked()
            or self.use_since.isChecked()
            or self.use_until.isChecked()
        )

    def focus(self) -> None:
        self.workspace.setFocus()
