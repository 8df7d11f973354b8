"""A Billing tab that lists rows of the mirror (payments, invoices, customers): its bar, an
optional filter bar, the table keeping its selection across reloads, a count, and an empty
state: in the whole tab's place when it cannot show the mirror (not allowed, not connected,
never synced), in the table's place under the filters when nothing matches them.

Subclasses say how to build their bar (`build_bar`, setting `count` and maybe `filters`), read
their rows (`read`), what "nothing found" means (`nothing_found`) and which actions the
selection allows (`update_actions`)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtWidgets import QFileDialog, QLabel, QStackedWidget, QVBoxLayout, QWidget

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.ui.billing.filters import LIMIT, FilterBar
from penguin_desktop.ui.billing.tab_base import BillingTab, blocked
from penguin_desktop.ui.monitoring.tab_base import ListTable
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.table_columns import ColumnRules

T = TypeVar("T")


class ListTab(BillingTab, Generic[T]):
    # What the rows are, for the CSV's columns (payments and invoices export).
    row_kind: Any = None

    def __init__(
        self,
        state: AppState,
        icon_name: str,
        key: str,
        columns: Sequence[Column[T]],
        row_key: Callable[[T], Hashable],
        rules: ColumnRules,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, icon_name, parent)
        self.filters: FilterBar | None = None
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.build_bar()  # first: Tab reaches the actions and filters before the list
        self.list: ListTable[T] = ListTable(key, columns, row_key, rules)
        self.table = self.list.table
        self.nothing = EmptyState("", "", icon_name=icon_name)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.nothing)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        if self.filters is not None:
            column.addWidget(self.filters)
            self.filters.changed.connect(self.refresh)
        column.addWidget(self.list_stack, 1)
        self.set_content(body)
        self.list.on_selection(self.update_actions)
        self.rows: list[T] = []

    # --- for subclasses -------------------------------------------------------------------------
    def build_bar(self) -> None:
        raise NotImplementedError

    def read(self) -> list[T]:
        """The rows to list (for the filters); a PenguinError is shown in the message line."""
        raise NotImplementedError

    def nothing_found(self) -> tuple[str, str]:
        raise NotImplementedError

    def noun(self) -> str:
        raise NotImplementedError

    def update_actions(self) -> None:
        """Enable the bar's actions for the selection and the role."""

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        why = blocked(self.state, self.access)
        self._bar_shown(why is None)
        if why is not None:
            self._set_rows([])
            self.show_blocked(why)
            return
        if self.filters is not None:
            self.filters.set_workspaces([w.name for w in self.state.workspaces])
        try:
            rows = self.read()
        except PenguinError as error:
            self.message.show_error(error)
            rows = []
        else:
            if self.message.kind == "error":
                self.message.clear_message()
        self._set_rows(rows)
        self.show_content(True)
        if not rows:
            self.nothing.set_text(*self.nothing_found())
        self.list_stack.setCurrentWidget(self.table if rows else self.nothing)

    def _set_rows(self, rows: list[T]) -> None:
        self.rows = rows
        self.list.set_rows(rows)
        self.count.setText(self._count_text())
        self.update_actions()

    def _count_text(self) -> str:
        n = len(self.rows)
        if not n:
            return ""
        text = f"{n:,} {self.noun()}{'' if n == 1 else 's'}"
        return f"the newest {text}" if self.filters is not None and n >= LIMIT else text

    def _bar_shown(self, shown: bool) -> None:
        """The bar's actions only where there is something to act on."""
        for index in range(self.bar.count()):
            item = self.bar.itemAt(index)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setVisible(shown)

    # --- export (payments, invoices) ------------------------------------------------------------
    def open_export(self) -> None:
        noun = f"{self.noun()}s"
        name, _ = QFileDialog.getSaveFileName(
            self, f"Export {noun}", str(Path.home() / f"{noun}.csv"), "CSV files (*.csv)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> int | None:
        """Write the listed rows (what the filters show) as CSV; core audits what went where."""
        billing, actor = self.state.container.billing, self.state.actor
        rows: Any = list(self.rows)
        try:
            with path.open("w", newline="", encoding="utf-8") as out:
                count = billing.export_csv(actor, self.row_kind, rows, out, str(path))
        except OSError as error:
            self.message.show_error(f"Cannot write {path}: {error.strerror or error}")
            return None
        except PenguinError as error:
            self.message.show_error(error)
            return None
        text = f"Exported {count:,} {self.noun()}{'' if count == 1 else 's'}"
        self.message.show_success(f"{text} to {path}")
        self.state.notify(text)
        return count
