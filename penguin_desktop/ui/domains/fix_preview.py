"""The fix preview of a domain: what a fix will add and delete, before anything is written.

Records that are not ours are flagged and unchecked, each deleted only when ticked. With the
manual provider there is nothing to apply: the zone snippet is shown to copy instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.domains.models import DomainInfo

if TYPE_CHECKING:  # DNS, diff and service modules load with the first check, not at start-up
    from penguin_desktop.core.domains.dns.diff import Change
    from penguin_desktop.core.domains.service import FixResult

NOT_OURS = "Not ours"
FOREIGN = "#b45309"
DELETED = "#b91c1c"
ADDED = "#15803d"


def preview_text(result: FixResult, manual: bool) -> str:
    """What the fix will do, in one or two sentences above the list of changes."""
    foreign = [c for c in result.changes if c.needs_confirmation]
    if not result.changes:
        return "Everything required is already published. There is nothing to change."
    if manual:
        return (
            f"{len(result.changes)} changes are needed. This domain has no DNS provider "
            "we can write to: publish the records below at your DNS host, then check again."
        )
    if not foreign:
        tail = "Only records we manage are touched."
    elif len(foreign) == 1:
        tail = "1 record is not ours: it stays unless you tick it."
    else:
        tail = f"{len(foreign)} records are not ours: each stays unless you tick it."
    return f"{len(result.changes)} changes through {result.provider}. {tail}"


def change_item(change: Change, manual: bool) -> QTreeWidgetItem:
    """One row of the preview: ours checked and fixed, not ours flagged and unchecked."""
    from penguin_desktop.core.domains.dns.diff import Action  # loaded already by the preview

    verb = "Add" if change.action is Action.ADD else "Delete"
    item = QTreeWidgetItem(
        [
            f"{verb} · {NOT_OURS}" if change.needs_confirmation else verb,
            change.name,
            change.rtype,
            change.value,
            change.reason,
        ]
    )
    item.setToolTip(3, change.value)
    item.setToolTip(4, change.reason)
    if not manual:
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(
            0, Qt.CheckState.Unchecked if change.needs_confirmation else Qt.CheckState.Checked
        )
        if not change.needs_confirmation:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
    if change.needs_confirmation:
        for column in range(5):
            item.setForeground(column, QBrush(QColor(FOREIGN)))
        item.setToolTip(0, "Published by someone else (another provider?). Tick to delete it too.")
    else:
        colour = DELETED if change.action is Action.DELETE else ADDED
        item.setForeground(0, QBrush(QColor(colour)))
    return item


class FixPreviewDialog(QDialog):
    """The diff of a dry run. Additions and replacements of our own records are checked and
    fixed; deletions of records that are not ours are flagged and unchecked, so nothing
    foreign goes without the user's say-so."""

    def __init__(
        self,
        domain: DomainInfo,
        result: FixResult,
        manual: bool,
        snippet: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("formDialog")
        self.setWindowTitle(f"Fix {domain.display_name}")
        self.setMinimumSize(760, 460)
        self.fix_result = result
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        heading = QLabel(f"Fix {domain.display_name}")
        heading.setObjectName("dialogTitle")
        outer.addWidget(heading)
        intro = QLabel(preview_text(result, manual))
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)
        outer.addWidget(intro)
        outer.addWidget(self._build_tree(result, manual), 1)
        self.snippet: QPlainTextEdit | None = None
        self.copy_button: QPushButton | None = None
        self.apply_button: QPushButton | None = None
        if manual and result.changes:
            self.snippet = QPlainTextEdit(snippet)
            self.snippet.setReadOnly(True)
            self.snippet.setObjectName("zoneSnippet")
            self.snippet.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.snippet.setMaximumHeight(160)
            outer.addWidget(self.snippet)
        outer.addWidget(self._build_buttons(manual or not result.changes, snippet))

    def _build_tree(self, result: FixResult, manual: bool) -> QTreeWidget:
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(["Change", "Name", "Type", "Value", "Why"])
        self.items: list[tuple[QTreeWidgetItem, Change]] = []
        for change in result.changes:
            item = change_item(change, manual)
            self.tree.addTopLevelItem(item)
            self.items.append((item, change))
        for column, width in enumerate((150, 190, 60, 260)):
            self.tree.setColumnWidth(column, width)
        return self.tree

    def _build_buttons(self, nothing_to_apply: bool, snippet: str) -> QDialogButtonBox:
        """Close (and Copy) when there is nothing to apply here, else Apply and Cancel."""
        self.buttons = QDialogButtonBox()
        if nothing_to_apply:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
            if self.snippet is not None:
                self.copy_button = self.buttons.addButton(
                    "Copy zone snippet", QDialogButtonBox.ButtonRole.ActionRole
                )
                self.copy_button.clicked.connect(
                    lambda: QGuiApplication.clipboard().setText(snippet)
                )
        else:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            self.apply_button = self.buttons.addButton(
                "Apply changes", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.apply_button.setProperty("primary", True)
            self.apply_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        return self.buttons

    @property
    def confirmed(self) -> list[str]:
        """The records not ours the user ticked for deletion, each on its own."""
        return [
            change.key
            for item, change in self.items
            if change.needs_confirmation and item.checkState(0) == Qt.CheckState.Checked
        ]
