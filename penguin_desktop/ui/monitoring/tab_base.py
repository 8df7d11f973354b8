"""What the tabs of the Monitoring page share: a bar of actions over a message line and their
content, the empty state in the content's place when there is nothing to list, quick core calls
whose refusal goes through the one error dialog, and tables that keep their selection across
reloads."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import MATRIX, Permission
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import make_table
from penguin_desktop.ui.widgets.table_columns import ColumnRules, Table

T = TypeVar("T")
R = TypeVar("R")
Keys = str | QKeySequence.StandardKey


def roles_words(permission: Permission) -> str:
    """ "members, managers, admins and owners": who may, in the order of the roles."""
    order = ("member", "manager", "admin", "owner")
    names = [f"{r}s" for r in order if r in {role.value for role in MATRIX[permission].roles}]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


class ListTable(Generic[T]):
    """A house table over `T` rows that keeps the selected row (by `key`) across reloads."""

    def __init__(
        self,
        key: str,
        columns: Sequence[Column[T]],
        row_key: Callable[[T], Hashable],
        rules: ColumnRules | None = None,
    ) -> None:
        self.model: ListTableModel[T] = ListTableModel(columns)
        self.table: Table = make_table(key, rules)
        self.table.setModel(self.model)
        self.row_key = row_key

    def set_rows(self, rows: Sequence[T]) -> None:
        chosen = self.selected()
        self.model.set_rows(rows)
        if chosen is not None:
            wanted = self.row_key(chosen)
            for index, row in enumerate(rows):
                if self.row_key(row) == wanted:
                    self.table.selectRow(index)
                    return
        if rows:
            self.table.selectRow(0)

    def selected(self) -> T | None:
        model = self.table.selectionModel()
        rows = model.selectedRows() if model is not None else []
        return self.model.row_object(rows[0].row()) if rows else None

    def on_selection(self, slot: Callable[[], object]) -> None:
        self.table.selectionModel().selectionChanged.connect(lambda *_: slot())


class MonitoringTab(QWidget):
    """One tab: `bar` (its actions), `message`, then `stack` holding its content and `empty`."""

    changed = Signal()  # what another tab shows may have changed (a run opened alerts)

    def __init__(self, state: AppState, icon_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        self.bar = QHBoxLayout()
        self.bar.setSpacing(8)
        layout.addLayout(self.bar)
        self.message = InlineMessage()
        layout.addWidget(self.message)
        self.empty = EmptyState("", "", icon_name=icon_name)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        self.shortcuts: list[QShortcut] = []

    def heading(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("sectionTitle")
        return label

    def set_content(self, content: QWidget) -> None:
        self.stack.addWidget(content)
        self.stack.addWidget(self.empty)
        self.content = content

    def show_content(self, shown: bool) -> None:
        self.stack.setCurrentWidget(self.content if shown else self.empty)

    def add_shortcuts(self, bindings: Iterable[tuple[Keys, Callable[[], object]]]) -> None:
        """Keys that act while the focus is anywhere in this tab."""
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # --- the workspace and the role ---------------------------------------------------------------
    @property
    def workspace(self) -> WorkspaceInfo | None:
        return self.state.current

    def allowed(self, permission: Permission) -> bool:
        """Changes need the permission in the current workspace, which must not be archived."""
        ws = self.workspace
        return ws is not None and not ws.archived and self.state.can(permission, ws)

    def refused(self, permission: Permission, what: str) -> str:
        """Why a button is off for this role, in a tooltip."""
        ws = self.workspace
        role = ws.my_role.value if ws is not None else "not a member"
        return f"Only {roles_words(permission)} {what}; you are {role}"

    # --- calling core -----------------------------------------------------------------------------
    def call(self, work: Callable[[], R]) -> R | None:
        """A quick core call; a refusal is shown in the one error dialog, in core's words."""
        try:
            return work()
        except PenguinError as error:
            show_error(self, error)
            return None

    def refresh(self) -> None:
        """Re-read what the tab shows for the current workspace."""
        raise NotImplementedError
