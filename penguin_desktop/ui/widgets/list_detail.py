"""The list/detail skeleton the Domains, Servers and Mailboxes pages share: a section bar with a
count, a table and a detail pane in a splitter, and the empty state in their place when there is
nothing to list.

The selection survives a reload (the same row, else the first), so acting on a row and
refreshing never throws the user back to the top. Work that needs a workspace's secrets (SSH
keys, MailU tokens, DKIM keys, DNS provider credentials) unlocks the encrypted file first, on the
UI thread, so no job stalls on a password prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import WorkspacePage, make_table
from penguin_desktop.ui.widgets.table_columns import ColumnRules

T = TypeVar("T")
D = TypeVar("D", bound=QWidget)
R = TypeVar("R")

Keys = str | QKeySequence.StandardKey


@dataclass(frozen=True)
class Split:
    """How the table and the detail pane share the page: side by side or one above the other,
    how they grow, and their first sizes."""

    orientation: Qt.Orientation
    stretch: tuple[int, int]
    sizes: tuple[int, int]


def backend_kinds(state: AppState, workspaces: Iterable[str | None]) -> set[str]:
    """The secret backends of these workspaces. One that cannot be read (or no workspace) counts
    as the encrypted file: asking for its password once beats a job failing on a locked file."""
    kinds: set[str] = set()
    for name in workspaces:
        try:
            kinds.add(
                state.container.secrets.backend_info(state.actor, name).kind if name else "file"
            )
        except PenguinError:
            kinds.add("file")
    return kinds


def with_secrets_unlocked(
    parent: QWidget, state: AppState, workspace: str | None, then: Callable[[], object]
) -> QDialog | None:
    """Run `then` once the secrets of `workspace` can be used without a prompt; the unlock
    dialog when one opened (cancelling it skips `then`)."""

    def run() -> None:
        then()

    return with_file_unlocked(parent, state.container, backend_kinds(state, [workspace]), run)


class ListDetailPage(WorkspacePage, Generic[T, D]):
    """A workspace page listing `T` rows with a `D` detail pane for the selected one.

    Subclasses name the section (`heading`), lay out the split (`split`) and the columns
    (`column_rules`: the table is remembered under the page's class name), and
    fill in the hooks: `add_actions` (their buttons), `row_key` (what identifies a row across
    reloads), `show_detail`, `show_empty` and `_update_actions`. They load rows in `refresh`
    and hand them to `show_rows`.
    """

    heading: ClassVar[str] = ""
    split: ClassVar[Split]
    column_rules: ClassVar[ColumnRules] = ColumnRules()

    def __init__(
        self,
        state: AppState,
        columns: Sequence[Column[T]],
        detail: D,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, parent)
        self.detail = detail
        self.bar = QHBoxLayout()
        heading = QLabel(self.heading)
        heading.setObjectName("sectionTitle")
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.bar.addWidget(heading)
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        self.add_actions()
        self.body.addLayout(self.bar)
        self.message = InlineMessage()
        self.body.addWidget(self.message)

        self.model: ListTableModel[T] = ListTableModel(columns)
        self.table = make_table(type(self).__name__, self.column_rules)
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.splitter = QSplitter(self.split.orientation)
        self.splitter.addWidget(self.list_side())
        self.splitter.addWidget(detail)
        for index, factor in enumerate(self.split.stretch):
            self.splitter.setStretchFactor(index, factor)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes(list(self.split.sizes))
        self.empty = EmptyState("", "", icon_name=self.icon_name)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack, 1)

        self.dialog: QWidget | None = None
        self.unlock_dialog: QWidget | None = None
        self.shortcuts: list[QShortcut] = []
        state.workspaces_changed.connect(self.mark_stale)

    def add_actions(self) -> None:
        """Make the page's buttons, in the title row (`page_actions`) and the section bar
        (`bar`). Called before the list is laid out, so Tab reaches them before the table."""

    def list_side(self) -> QWidget:
        """The splitter's first widget: the table, unless a page puts something above it."""
        return self.table

    def add_shortcuts(self, bindings: Iterable[tuple[Keys, Callable[[], object]]]) -> None:
        """Keys that act while the focus is anywhere on this page (not on the other pages)."""
        for keys, slot in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self.shortcuts.append(shortcut)

    # --- hooks ----------------------------------------------------------------------------------
    def row_key(self, row: T) -> tuple[str, ...]:
        """What identifies `row` across reloads (its objects are new each time)."""
        raise NotImplementedError

    def show_detail(self, row: T | None) -> None:
        """Fill the detail pane with the selected row (None: nothing selected)."""
        raise NotImplementedError

    def show_empty(self) -> None:
        """Say why nothing is listed and what to do about it, on `self.empty`."""
        raise NotImplementedError

    def _update_actions(self) -> None:
        """Enable and explain the actions for the selection and the user's role."""

    # --- rows and selection ---------------------------------------------------------------------
    def show_rows(self, rows: Sequence[T], listed: bool | None = None) -> None:
        """Fill the table, keeping the row selected before (else selecting the first), or show
        the empty state. `listed`: whether anything is listed at all, when a filter may hide
        every row (the table stays, empty, rather than claiming there is nothing)."""
        chosen = self.selected()
        self.model.set_rows(rows)
        if bool(rows) if listed is None else listed:
            self.stack.setCurrentWidget(self.splitter)
            if chosen is not None:
                self._select(*self.row_key(chosen))
            if self.selected() is None and rows:
                self.table.selectRow(0)
        else:
            self.show_empty()
            self.stack.setCurrentWidget(self.empty)
        self._selected_changed()

    def show_closed(self, what: str) -> None:
        """The empty state of a user whose role may not see these rows."""
        self.empty.set_text(
            f"{what} are not open to your role", "Ask an owner of the workspace for access."
        )
        self.empty.set_action(None)

    def selected(self) -> T | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def reveal(self, name: str) -> bool:
        """Select the row whose key ends in `name` (a server's or domain's name: where a Home
        tile leads); whether it is listed."""
        for index, row in enumerate(self.model.rows):
            if self.row_key(row)[-1] == name:
                self.table.selectRow(index)
                self.table.setFocus()
                return True
        return False

    def _select(self, *key: str) -> None:
        for index, row in enumerate(self.model.rows):
            if self.row_key(row) == key:
                self.table.selectRow(index)
                return

    def _selected_changed(self) -> None:
        self.show_detail(self.selected())
        self._update_actions()

    # --- permissions and secrets ----------------------------------------------------------------
    def allowed(self, permission: Permission, ws: WorkspaceInfo | None) -> bool:
        """Changes need the permission in a workspace that is not archived."""
        return ws is not None and not ws.archived and self.state.can(permission, ws)

    def after_unlock(self, workspace: str | None, then: Callable[[], object]) -> None:
        """Run `then` once the secrets of `workspace` can be used without a prompt."""
        self.unlock_dialog = with_secrets_unlocked(self, self.state, workspace, then)

    def start_unlocked(self, workspace: str | None, start: Callable[[], R | None]) -> R | None:
        """`start` a job once the secrets can be used: the job if it started at once, None while
        the unlock dialog asks (it starts when the file is unlocked)."""
        started: list[R | None] = []
        self.after_unlock(workspace, lambda: started.append(start()))
        return started[0] if started else None
