"""The MailU provisioning steps as the console lists them: each with an icon and its state in
words, in the Servers page's detail pane and in the live provisioning view."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon

Index = QModelIndex | QPersistentModelIndex
AMBER = "#d97706"
STATE_LOOK: dict[str, tuple[str, str, str]] = {
    # state: (icon, colour, words)
    "done": ("check", theme.SUCCESS, "done"),
    "pending": ("clock", theme.MUTED, "pending"),
    "running": ("play", theme.ACCENT, "running"),
    "failed": ("cancel", theme.DANGER, "failed"),
    "cancelled": ("cancel", AMBER, "cancelled"),
    "warning": ("warning", AMBER, "done, with a warning"),
    "skipped": ("info", theme.MUTED, "skipped"),
}
FINISHED = ("done", "warning", "skipped")


def step_titles() -> list[tuple[str, str]]:
    """(name, title) of every provisioning step, in order. Imported here: the steps pull in
    paramiko, which the console does not load at start-up."""
    from penguin_desktop.core.servers.provision.steps import mailu_steps

    return [(step.name, step.title) for step in mailu_steps()]


def state_icon(state: str) -> tuple[str, str, str]:
    return STATE_LOOK.get(state, STATE_LOOK["pending"])


class _WrappingDelegate(QStyledItemDelegate):
    """Sizes a row for its text wrapped at the column's width: the style only wraps a size
    hint given a valid rectangle, which the tree does not pass."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._header = tree.header()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        if not shiboken6.isValid(self._header):  # asked while the list is being deleted
            return super().sizeHint(option, index)
        sized = QStyleOptionViewItem(option)
        sized.rect = QRect(0, 0, self._header.sectionSize(index.column()), 1)
        return super().sizeHint(sized, index)


class StepList(QTreeWidget):
    """The provisioning steps, each with an icon and its state in words. A title too long for
    the column wraps onto a second line rather than being cut, and the list is always as tall
    as its rows: it is short and reads best whole."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepList")
        self.setRootIsDecorated(False)
        self.setHeaderLabels(["Step", "State"])
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setIconSize(QSize(16, 16))
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setItemDelegate(_WrappingDelegate(self))
        self.setUniformRowHeights(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Provisioning steps")
        header.sectionResized.connect(self._rewrap)  # a method: it goes with the list
        self.states: dict[str, str] = {}
        self.titles = step_titles()

    def set_steps(self, titles: list[tuple[str, str]]) -> None:
        """List these steps (the ones that will run), each pending until told otherwise."""
        self.titles = list(titles)
        self.show_states({})

    def show_states(self, states: dict[str, str]) -> None:
        self.states = dict(states)
        names = [name for name, _ in self.titles]
        titles = dict(self.titles)
        ordered = names + [name for name in states if name not in titles]
        self.clear()
        for number, name in enumerate(ordered, start=1):
            state = states.get(name, "pending")
            icon_name, color, words = state_icon(state)
            item = QTreeWidgetItem([f"{number}. {titles.get(name, name)}", words])
            item.setIcon(0, icon(icon_name, color))
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            item.setToolTip(0, f"{titles.get(name, name)}: {words}")
            self.addTopLevelItem(item)
        self._fit()

    def _rewrap(self, *_section: int) -> None:
        """Rows keep the height they had at the old width unless laid out again."""
        self.doItemsLayout()
        self._fit()

    def _fit(self) -> None:
        """As tall as the rows are at the title column's width."""
        model = self.model()
        heights = [self.indexRowSizeHint(model.index(row, 0)) for row in range(model.rowCount())]
        rows = sum(max(height, 18) for height in heights)
        height = self.header().sizeHint().height() + max(rows, 20) + 2 * self.frameWidth() + 2
        if height != self.height():
            self.setFixedHeight(height)
