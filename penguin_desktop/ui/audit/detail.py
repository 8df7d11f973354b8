"""The audit log's detail pane: every field of the selected event, whole.

The table shows one line per event, cut to fit; here nothing is cut: the time in local time and
as stored (UTC), the action in words beside its code, the change one line per field, and the
two hashes that chain the event to the one before, selectable to compare with a report.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from penguin_desktop.core.audit.models import AuditEntry
from penguin_desktop.ui.audit.entry_text import (
    action_text,
    change_lines_of,
    face_text,
    result_text,
    workspace_text,
)
from penguin_desktop.ui.widgets.formatting import audit_time

# (field, caption), in reading order: the left column, the right column, then full-width rows.
LEFT = (("time", "Time"), ("actor", "Actor"), ("face", "Through"), ("workspace", "Workspace"))
RIGHT = (("action", "Action"), ("target", "Target"), ("result", "Result"), ("seq", "Event"))
WIDE = (("change", "Change"), ("hash", "Hash"), ("prev_hash", "Previous hash"))
FIXED = ("hash", "prev_hash")


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldCaption")
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return label


def _value(fixed: bool) -> QLabel:
    label = QLabel()
    label.setWordWrap(not fixed)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextSelectableByMouse
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    if fixed:
        label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return label


class AuditEventDetail(QFrame):
    """Every field of one audit event (`values`: field -> its label, for tests and a11y)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditDetail")
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 10)
        column.setSpacing(6)
        self.headline = QLabel()
        self.headline.setObjectName("sectionTitle")
        self.headline.setWordWrap(True)
        column.addWidget(self.headline)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(3)
        self.values: dict[str, QLabel] = {}
        for offset, fields in ((0, LEFT), (2, RIGHT)):
            for row, (name, caption) in enumerate(fields):
                self._add(grid, row, offset, name, caption)
        for row, (name, caption) in enumerate(WIDE, start=len(LEFT)):
            self._add(grid, row, 0, name, caption, span=3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        column.addLayout(grid)
        column.addStretch(1)
        self.show_entry(None)

    def _add(
        self, grid: QGridLayout, row: int, offset: int, name: str, caption: str, span: int = 1
    ) -> None:
        value = _value(name in FIXED)
        value.setAccessibleName(caption)
        label = _caption(caption)
        label.setBuddy(value)
        grid.addWidget(label, row, offset)
        grid.addWidget(value, row, offset + 1, 1, span)
        self.values[name] = value

    def show_entry(self, entry: AuditEntry | None) -> None:
        if entry is None:
            self.headline.setText("Select an event to see all of it")
            for label in self.values.values():
                label.setText("")
            return
        self.headline.setText(f"{action_text(entry)} · {entry.target}")
        change = change_lines_of(entry)
        texts = {
            "time": f"{audit_time(entry.ts)} (stored as {entry.ts} UTC)",
            "actor": entry.actor,
            "face": face_text(entry.face),
            "workspace": workspace_text(entry),
            "action": f"{action_text(entry)} ({entry.action})",
            "target": entry.target,
            "result": result_text(entry),
            "seq": f"#{entry.seq}",
            "change": "\n".join(change) if change else "nothing recorded beyond the target",
            "hash": entry.hash,
            "prev_hash": entry.prev_hash,
        }
        for name, text in texts.items():
            self.values[name].setText(text)
