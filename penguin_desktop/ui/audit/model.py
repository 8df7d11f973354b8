"""The audit log as a lazy table: keyset pages pulled from core as the view scrolls.

Opening the page costs one small query (the newest `page_size` events), however long the trail
is; `fetchMore` asks core for the next page older than the last sequence number shown. Rows are
kept as the frozen `AuditEntry` objects core returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from penguin_desktop.core.audit.models import AuditEntry, AuditFilter
from penguin_desktop.core.audit.service import AuditService
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.audit.entry_text import (
    action_text,
    change_text,
    result_text,
    workspace_text,
)
from penguin_desktop.ui.widgets.formatting import audit_time
from penguin_desktop.ui.widgets.table_columns import ColumnRules

Index = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 200
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
_DENIED_COLOR = QColor("#b91c1c")

_COLUMNS: tuple[tuple[str, str], ...] = (
    ("#", "seq"),
    ("Time", "ts"),
    ("Actor", "actor"),
    ("Workspace", "workspace"),
    ("Action", "action"),
    ("Target", "target"),
    ("Result", "outcome"),
    ("Change", "summary"),
)
COLUMN_RULES = ColumnRules(
    {"Change": 560, "Target": 280, "Action": 240},
    middle=frozenset({"Actor", "Target", "Workspace"}),
    whole=frozenset({"#", "Time", "Result"}),
    least={"Actor": 150, "Action": 130, "Target": 150},
)


class AuditTableModel(QAbstractTableModel):
    """`failed` carries a core error met while fetching, for the page to show (queued)."""

    failed = Signal(object)

    def __init__(
        self,
        service: AuditService,
        actor: Actor,
        flt: AuditFilter | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__()
        self._service = service
        self._actor = actor
        self._filter = flt or AuditFilter()
        self._page_size = page_size
        self._rows: list[AuditEntry] = []
        self._exhausted = True

    @property
    def filter(self) -> AuditFilter:
        return self._filter

    def load(self, flt: AuditFilter | None = None, actor: Actor | None = None) -> None:
        """Start over with `flt`: drop everything and fetch the newest page.

        Raises the core error (unknown workspace, permission denied) so the caller, who
        asked for the filter, can say so.
        """
        if flt is not None:
            self._filter = flt
        if actor is not None:
            self._actor = actor
        self.beginResetModel()
        self._rows = []
        self._exhausted = False
        try:
            self._rows = self._page(None)
            self._exhausted = len(self._rows) < self._page_size
        except PenguinError:
            self._exhausted = True
            raise
        finally:
            self.endResetModel()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self._exhausted = True
        self.endResetModel()

    def _page(self, before_seq: int | None) -> list[AuditEntry]:
        return self._service.page(
            self._actor, self._filter, before_seq=before_seq, limit=self._page_size
        )

    def entry(self, row: int) -> AuditEntry | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # --- lazy loading -------------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        before = self._rows[-1].seq if self._rows else None
        try:
            page = self._page(before)
        except PenguinError as error:
            self._exhausted = True
            self.failed.emit(error)
            return
        self._exhausted = len(page) < self._page_size
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    # --- table --------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        field = _COLUMNS[index.column()][1]
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(entry, field)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(entry, field)
        if role == Qt.ItemDataRole.ForegroundRole and entry.outcome != "ok":
            return _DENIED_COLOR
        if role == Qt.ItemDataRole.TextAlignmentRole and field == "seq":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ENTRY_ROLE:
            return entry
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(_COLUMNS)
        ):
            return _COLUMNS[section][0]
        return None


_TEXTS: dict[str, Callable[[AuditEntry], str]] = {
    "seq": lambda entry: str(entry.seq),
    "ts": lambda entry: audit_time(entry.ts),
    "workspace": workspace_text,
    "action": action_text,
    "outcome": result_text,
    "summary": change_text,
}


def _display(entry: AuditEntry, field: str) -> str:
    text = _TEXTS.get(field)
    return text(entry) if text is not None else str(getattr(entry, field))


def _tooltip(entry: AuditEntry, field: str) -> str | None:
    """What a cell does not say itself; the detail pane shows all of it."""
    if field == "ts":
        return f"{entry.ts} (UTC)"
    if field == "action":
        return entry.action
    if field == "seq":
        return f"hash {entry.hash}\nprevious {entry.prev_hash}"
    return None
