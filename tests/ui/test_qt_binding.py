"""The Qt binding itself: a long session paints tables for hours, so an override that returns
None to Qt (every model's data() for roles it does not serve) must not cost anything. PySide6
6.12.0 on Python 3.11 dropped one reference to None per such call, and the process aborted
("none_dealloc") a few thousand paints later; pyproject.toml keeps it out."""

from __future__ import annotations

import sys

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QApplication

_ROOT = QModelIndex()


class _Silent(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 3

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        return None


def test_overrides_returning_none_keep_none_alive(qapp: QApplication) -> None:
    source = _Silent()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(source)
    index = proxy.index(0, 0)
    before = sys.getrefcount(None)
    for _ in range(2000):
        proxy.data(index, Qt.ItemDataRole.DisplayRole)  # C++ calls the Python override
    assert sys.getrefcount(None) >= before - 50
