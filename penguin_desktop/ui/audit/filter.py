"""The audit log's filter bar: workspace, actor, action and a date range, turned into the
same `AuditFilter` the CLI and the exports use."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.errors import ValidationError

KNOWN_ACTIONS = (
    "audit.*",
    "member.*",
    "user.*",
    "workspace.*",
    "audit.export",
    "audit.verify",
    "member.add",
    "member.manage",
    "member.remove",
    "member.set-role",
    "org.init",
    "user.add",
    "user.email",
    "user.idle-timeout",
    "user.locked",
    "user.passwd",
    "user.set-role",
    "user.unlock",
    "workspace.archive",
    "workspace.create",
    "workspace.rename",
)

ALL_WORKSPACES = "All visible workspaces"


def _local_midnight(day: date) -> datetime:
    """Dates in the bar are the user's local days; core compares aware datetimes."""
    return datetime.combine(day, time()).astimezone()


def _day(edit: QDateEdit) -> date:
    chosen = edit.date()
    return date(chosen.year(), chosen.month(), chosen.day())


class AuditFilterBar(QFrame):
    applied = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        grid = QGridLayout(self)
        grid.setContentsMargins(12, 10, 12, 10)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        self.workspace = QComboBox()
        self.workspace.setMinimumWidth(180)
        self.actor = QLineEdit()
        self.actor.setPlaceholderText("any actor (email)")
        self.actor.setClearButtonEnabled(True)
        self.actor.setMinimumWidth(180)
        self.action = QComboBox()
        self.action.setEditable(True)
        self.action.addItem("")
        self.action.addItems(KNOWN_ACTIONS)
        self.action.setMinimumWidth(170)
        line = self.action.lineEdit()
        assert line is not None
        line.setPlaceholderText("any action (prefix.*)")
        line.setClearButtonEnabled(True)
        today = QDate.currentDate()
        self.use_since = QCheckBox("Since")
        self.since = QDateEdit(today.addDays(-30))
        self.use_until = QCheckBox("Until")
        self.until = QDateEdit(today)
        for box, edit in ((self.use_since, self.since), (self.use_until, self.until)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            box.toggled.connect(edit.setEnabled)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setProperty("primary", True)
        self.clear_button = QPushButton("Clear")
        self.apply_button.clicked.connect(self.applied)
        self.clear_button.clicked.connect(self.reset)
        self.actor.returnPressed.connect(self.applied)
        line.returnPressed.connect(self.applied)

        labels = ("Workspace", "Actor", "Action")
        for column, (text, widget) in enumerate(
            zip(labels, (self.workspace, self.actor, self.action), strict=True)
        ):
            caption = QLabel(text)
            caption.setObjectName("fieldCaption")
            caption.setBuddy(widget)
            grid.addWidget(caption, 0, column)
            grid.addWidget(widget, 1, column)
        grid.addWidget(self.use_since, 0, 3)
        grid.addWidget(self.since, 1, 3)
        grid.addWidget(self.use_until, 0, 4)
        grid.addWidget(self.until, 1, 4)
        grid.addWidget(self.clear_button, 1, 5)
        grid.addWidget(self.apply_button, 1, 6)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        self.set_workspaces([])

    def set_workspaces(self, names: list[str]) -> None:
        chosen = self.workspace.currentText()
        self.workspace.clear()
        self.workspace.addItem(ALL_WORKSPACES, None)
        for name in names:
            self.workspace.addItem(name, name)
        index = self.workspace.findText(chosen)
        self.workspace.setCurrentIndex(max(index, 0))

    def reset(self) -> None:
        self.workspace.setCurrentIndex(0)
        self.actor.clear()
        self.action.setCurrentIndex(0)
        self.action.setEditText("")
        self.use_since.setChecked(False)
        self.use_until.setChecked(False)
        self.applied.emit()

    def focus(self) -> None:
        self.actor.setFocus()
        self.actor.selectAll()

    def current(self) -> AuditFilter:
        """The filter as typed; ValidationError when the dates are the wrong way round."""
        since = _local_midnight(_day(self.since)) if self.use_since.isChecked() else None
        until = (
            _local_midnight(_day(self.until)) + timedelta(days=1)
            if self.use_until.isChecked()
            else None
        )
        if since and until and since >= until:
            raise ValidationError("'Since' must be on or before 'Until'")
        return AuditFilter(
            workspace=self.workspace.currentData(),
            actor=self.actor.text().strip() or None,
            action=self.action.currentText().strip() or None,
            since=since,
            until=until,
        )
