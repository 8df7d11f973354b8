"""Table columns that fit the window: each sized to its content within a limit, all of them
sized to the view (the widest give way first, so no column is pushed off-screen at 1280x800),
cut text elided with its full text as the tooltip, and the widths a user drags remembered
between runs.

A width the user set wins over fitting: that column keeps it and the others share what is left.
Widths are remembered per table and column title in QSettings, so a column added later starts
fitted and a renamed one forgets an old width instead of inheriting another column's. Fitting
runs when rows arrive and when the view changes size, never while the user scrolls, so columns
do not jump under the pointer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import shiboken6
from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolTip,
    QTreeView,
)

Index = QModelIndex | QPersistentModelIndex
Key = str | Callable[[], str | None]

MIN_WIDTH = 44
MAX_WIDTH = 320
SETTINGS_GROUP = "columns"


@dataclass(frozen=True)
class ColumnRules:
    """How a view's columns fit, by column title: how wide each may grow when sized to its
    content (`MAX_WIDTH` unless listed), which lose the middle of a long text rather than its
    end (addresses, host and domain names: both ends tell them apart), which are never cut to
    make room (times, numbers and short states, which read wrong when cut), and how narrow the
    others may be cut (the row's name keeps enough to be recognised; else its title)."""

    widest: Mapping[str, int] = field(default_factory=dict)
    middle: frozenset[str] = frozenset()
    whole: frozenset[str] = frozenset()
    least: Mapping[str, int] = field(default_factory=dict)

    def maximum(self, title: str) -> int:
        return self.widest.get(title, MAX_WIDTH)

    def elide_mode(self, title: str) -> Qt.TextElideMode:
        return Qt.TextElideMode.ElideMiddle if title in self.middle else Qt.TextElideMode.ElideRight


def column_title(model: QAbstractItemModel | None, column: int) -> str:
    if model is None:
        return ""
    title = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
    return str(title or "")


def full_text_tip(index: Index, cut: bool) -> str:
    """The tooltip of a cell: its own (the model's) and, when the cell shows only part of its
    text, the whole text too."""
    own = str(index.data(Qt.ItemDataRole.ToolTipRole) or "")
    if not cut:
        return own
    text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
    if not own or text in own:
        return own or text
    return f"{text}\n{own}"


def show_tip(event: QHelpEvent, view: QAbstractItemView, tip: str) -> bool:
    if tip:
        QToolTip.showText(event.globalPos(), tip, view)
    else:
        QToolTip.hideText()
        event.ignore()
    return True


class ElidingDelegate(QStyledItemDelegate):
    """Plain cells, elided as their column's rules say, whose tooltip shows a cut text whole."""

    def __init__(self, rules: ColumnRules, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._rules = rules

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = self._rules.elide_mode(column_title(index.model(), index.column()))

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        if event is None or event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        cut = self.sizeHint(option, index).width() > option.rect.width()
        return show_tip(event, view, full_text_tip(index, cut))


def share(wanted: Mapping[int, int], floors: Mapping[int, int], room: int) -> dict[int, int]:
    """Each column its wanted width when they all fit in `room`; else the widest are cut to one
    common width (none below its floor) so that together they fill `room`."""
    if sum(wanted.values()) <= room:
        return dict(wanted)

    def total(cap: int) -> int:
        return sum(max(floors[c], min(width, cap)) for c, width in wanted.items())

    low, high = 0, max(wanted.values(), default=0)
    while low < high:
        middle = (low + high + 1) // 2
        if total(middle) <= room:
            low = middle
        else:
            high = middle - 1
    return {c: max(floors[c], min(width, low)) for c, width in wanted.items()}


class TableColumns(QObject):
    """Fits, elides and remembers the columns of one table or tree (see the module)."""

    def __init__(self, view: QTableView | QTreeView, key: Key, rules: ColumnRules) -> None:
        super().__init__(view)
        self._view = view
        self._header: QHeaderView = (
            view.horizontalHeader() if isinstance(view, QTableView) else view.header()
        )
        self._key = key
        self._rules = rules
        self._user: dict[str, int] = {}  # by column title
        self._restored = False
        self._fitting = False
        self._dragging = False
        self._model: QAbstractItemModel | None = None
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.fit)
        view.setItemDelegate(ElidingDelegate(rules, view))
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self._header.sectionResized.connect(self._resized)
        # Compared by identity only: during teardown their C++ halves may already be gone.
        self._header_area = self._header.viewport()
        self._view_area = view.viewport()
        self._header_area.installEventFilter(self)
        self._view_area.installEventFilter(self)
        self.watch(view.model())

    def key(self) -> str | None:
        return self._key if isinstance(self._key, str) else self._key()

    def watch(self, model: QAbstractItemModel | None) -> None:
        """Fit again whenever `model` (the view's new model) gets its rows."""
        if self._model is not None:
            self._model.modelReset.disconnect(self.fit)
            self._model.rowsInserted.disconnect(self._inserted)
            self._model.layoutChanged.disconnect(self._later.start)
        self._model = model
        if model is None:
            return
        model.modelReset.connect(self.fit)
        model.rowsInserted.connect(self._inserted)
        model.layoutChanged.connect(self._later.start)
        self.fit()

    def _inserted(self, _parent: Index, first: int, _last: int) -> None:
        """The first rows of an empty view; more rows later (scrolling on) keep the widths."""
        if first == 0:
            self._later.start()

    # --- fitting --------------------------------------------------------------------------------
    def fit(self) -> None:
        if self._fitting or not shiboken6.isValid(self._view):
            return  # a tree's model resets while the tree is being deleted
        model = self._view.model()
        if model is None:
            return
        self._restore(model)
        header = self._header
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        titles = {c: column_title(model, c) for c in shown}
        pinned = {c: self._user[titles[c]] for c in shown if titles[c] in self._user}
        wanted = {c: self._wanted(c, titles[c]) for c in shown if c not in pinned}
        floors = {c: self._floor(c, titles[c], wanted[c]) for c in wanted}
        room = self._view.viewport().width() - sum(pinned.values())
        widths = {**pinned, **share(wanted, floors, room)}
        self._fitting = True
        try:
            for column, width in widths.items():
                header.resizeSection(column, width)
        finally:
            self._fitting = False

    def _floor(self, column: int, title: str, wanted: int) -> int:
        """The narrowest fitting makes a column (see `ColumnRules`)."""
        if title in self._rules.whole:
            return wanted
        least = self._rules.least.get(title, MIN_WIDTH)
        return min(wanted, max(self._header.sectionSizeHint(column), least))

    def _wanted(self, column: int, title: str) -> int:
        content = max(self._view.sizeHintForColumn(column), self._header.sectionSizeHint(column))
        return max(MIN_WIDTH, min(content, self._rules.maximum(title)))

    # --- what the user sets ---------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._header_area:
            if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                self._dragging = True
            elif kind == QEvent.Type.MouseButtonRelease:
                self._dragging = False
        elif watched is self._view_area and kind == QEvent.Type.Resize:
            self._later.start()
        return False

    def _resized(self, column: int, old: int, new: int) -> None:
        """A width the user dragged (or double-clicked to fit); hiding and showing a column
        resize it to and from 0, which is not a choice of width."""
        if self._fitting or not self._dragging or old == 0 or new == 0:
            return
        title = column_title(self._view.model(), column)
        key = self.key()
        if not title:
            return
        self._user[title] = new
        if key is not None:
            QSettings().setValue(_setting(key, title), new)

    def _restore(self, model: QAbstractItemModel) -> None:
        """Take the widths remembered for this table, once its key and titles are known."""
        key = self.key()
        if self._restored or key is None or model.columnCount() == 0:
            return
        self._restored = True
        settings = QSettings()
        for column in range(model.columnCount()):
            title = column_title(model, column)
            value = settings.value(_setting(key, title)) if title else None
            if value is not None and title not in self._user:
                try:
                    self._user[title] = max(int(str(value)), MIN_WIDTH)
                except ValueError:
                    continue


def _setting(key: str, title: str) -> str:
    """QSettings reads '/' as a group: a title like "SSH / user" must not become two levels."""
    return f"{SETTINGS_GROUP}/{key.replace('/', '.')}/{title.replace('/', '|')}"


class Table(QTableView):
    """The house table view; its columns fit, elide and are remembered (`TableColumns`)."""

    def __init__(self, key: Key, rules: ColumnRules) -> None:
        super().__init__()
        self.columns = TableColumns(self, key, rules)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        self.columns.watch(model)
