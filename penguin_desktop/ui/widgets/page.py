"""What every page has: a title row with its actions, a body, and refresh on demand.

A page loads its data when first shown and again after F5 or when the current workspace changes
while it is visible, so start-up only pays for the page the user looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.table_columns import ColumnRules, Table, column_title

R = TypeVar("R")


def make_table(key: str | None = None, rules: ColumnRules | None = None) -> Table:
    """The house table: whole-row selection, no grid, stretch last column, no row numbers, and
    columns that fit, elide and are remembered under `key` (by default the page's class and
    the first column's title)."""
    table = Table(key or (lambda: _page_table_key(table)), rules or ColumnRules())
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(30)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


def _page_table_key(table: QTableView) -> str | None:
    """Where a table made without a key remembers its widths: its page's class and its first
    column (a page may have more than one table); None until it sits in a page."""
    parent = table.parentWidget()
    while parent is not None and not isinstance(parent, Page):
        parent = parent.parentWidget()
    model = table.model()
    if parent is None or model is None or model.columnCount() == 0:
        return None
    return f"{type(parent).__name__}/{column_title(model, 0)}"


def action_button(text: str, icon_name: str, primary: bool = False) -> QPushButton:
    button = QPushButton(icon(icon_name, "#ffffff" if primary else theme.ICON), text)
    button.setIconSize(QSize(16, 16))
    if primary:
        button.setProperty("primary", True)
    return button


class Page(QWidget):
    title: ClassVar[str] = ""
    subtitle: ClassVar[str] = ""
    icon_name: ClassVar[str] = "empty"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._stale = True
        outer = QVBoxLayout(self)
        outer.setContentsMargins(28, 22, 28, 18)
        outer.setSpacing(14)
        top = QHBoxLayout()
        top.setSpacing(8)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.title_label = QLabel(self.title)
        self.title_label.setObjectName("pageTitle")
        self.subtitle_label = QLabel(self.subtitle)
        self.subtitle_label.setObjectName("pageSubtitle")
        self.subtitle_label.setWordWrap(True)
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)
        top.addLayout(titles, 1)
        self.page_actions = QHBoxLayout()
        self.page_actions.setSpacing(8)
        top.addLayout(self.page_actions)
        outer.addLayout(top)
        self.body = QVBoxLayout()
        self.body.setSpacing(12)
        outer.addLayout(self.body, 1)
        state.current_workspace_changed.connect(self._workspace_changed)

    # --- loading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read everything this page shows from core."""
        self._stale = False

    def mark_stale(self) -> None:
        """Reload now if visible, else on the next show."""
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _workspace_changed(self, _workspace: object) -> None:
        if self.follows_workspace():
            self.mark_stale()

    def follows_workspace(self) -> bool:
        """Pages about the current workspace reload when the switcher changes."""
        return False

    def focus_filter(self) -> bool:
        """Ctrl+F: focus this page's filter if it has one."""
        return False

    # --- calling core -------------------------------------------------------------------------
    def call(self, work: Callable[[], R]) -> R | None:
        """Run a quick core call; a refusal is shown through the one error dialog."""
        try:
            return work()
        except PenguinError as error:
            show_error(self, error)
            return None


NO_WORKSPACE = (
    "No workspace selected",
    "Pick a client workspace in the switcher at the top, or create one on the Workspaces page "
    "(Ctrl+4).",
)


class WorkspacePage(Page):
    """A page about the current client workspace: it reloads when the switcher changes."""

    def follows_workspace(self) -> bool:
        return True

    @property
    def workspace(self) -> WorkspaceInfo | None:
        return self.state.current

    def workspace_named(self, name: str) -> WorkspaceInfo | None:
        return next((w for w in self.state.workspaces if w.name == name), None)

    @staticmethod
    def show_no_workspace(empty: EmptyState, action: str | None = None) -> None:
        empty.set_text(*NO_WORKSPACE)
        empty.set_action(action)
