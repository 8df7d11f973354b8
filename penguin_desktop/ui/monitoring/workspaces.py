"""The Home page's tiles, one section per workspace in the dashboard's order.

Sections and their tiles are kept across refreshes, keyed by workspace and by (type, name):
a refresh of 700 tiles then only updates the ones that changed, and the page keeps its height,
its scroll position and the tile that has the keyboard focus.
"""

from __future__ import annotations

import re
from collections import Counter

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from penguin_desktop.core.monitoring.models import Status, Tile
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.monitoring.tiles import StatusTile, TileGrid, discard
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon

PROBLEMS = (Status.CRITICAL, Status.WARNING, Status.UNKNOWN)


def natural(name: str) -> tuple[tuple[int, str], ...]:
    """Numbers in a name compare as numbers: mx2 before mx10."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part)
        for part in re.split(r"(\d+)", name.lower())
    )


def tile_order(tile: Tile) -> tuple[int, bool, tuple[tuple[int, str], ...]]:
    """Worst first, servers before domains, then by name: what needs a look leads."""
    return (st.rank(tile.status), tile.target_type != "server", natural(tile.target))


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def counts_html(tiles: list[Tile]) -> str:
    """ "3 servers · 8 domains · 1 critical · 2 warning", the problems in their colours."""
    kinds = Counter(t.target_type for t in tiles)
    parts = [plural(kinds["server"], "server"), plural(kinds["domain"], "domain")]
    statuses = Counter(t.status for t in tiles)
    for status in PROBLEMS:
        if statuses[status]:
            word = st.WORDS[status].lower()
            parts.append(
                f'<span style="color:{st.ACCENTS[status]}">{statuses[status]} {word}</span>'
            )
    if statuses[None]:
        parts.append(f"{statuses[None]} not checked yet")
    return " · ".join(parts)


class WorkspaceSection(QWidget):
    """A workspace's name, its counts, a toggle to fold it away, and its tiles."""

    chosen = Signal(object)  # the Tile clicked or activated

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(8)
        head = QHBoxLayout()
        head.setSpacing(10)
        title = QLabel(name)
        title.setObjectName("sectionTitle")
        self.counts = QLabel()
        self.counts.setObjectName("pageSubtitle")
        self.toggle = QToolButton()
        self.toggle.setCheckable(True)
        self.toggle.setIconSize(QSize(14, 14))
        self.toggle.toggled.connect(self._fold)
        head.addWidget(title)
        head.addWidget(self.counts)
        head.addStretch(1)
        head.addWidget(self.toggle)
        layout.addLayout(head)
        self.grid = TileGrid()
        self.empty = QLabel("No servers or domains in this workspace yet.")
        self.empty.setObjectName("pageSubtitle")
        layout.addWidget(self.grid)
        layout.addWidget(self.empty)
        self._tiles: dict[tuple[str, str], StatusTile] = {}
        self._fold(False)

    def _fold(self, folded: bool) -> None:
        self.grid.setVisible(not folded and bool(self._tiles))
        self.toggle.setIcon(icon("chevron-down" if folded else "chevron-up", theme.ICON))
        verb = "Show" if folded else "Hide"
        self.toggle.setToolTip(f"{verb} the tiles of {self.name}")
        self.toggle.setAccessibleName(f"{verb} {self.name}")

    def show_tiles(self, tiles: list[Tile]) -> None:
        """Update the tiles in place, add new ones and drop those no longer in `tiles`."""
        kept: dict[tuple[str, str], StatusTile] = {}
        widgets: list[StatusTile] = []
        for tile in sorted(tiles, key=tile_order):
            key = (tile.target_type, tile.target)
            widget = self._tiles.pop(key, None)
            if widget is None:
                widget = StatusTile(tile, self.grid)
                widget.chosen.connect(self.chosen)
            else:
                widget.set_tile(tile)
            kept[key] = widget
            widgets.append(widget)
        for stale in self._tiles.values():
            discard(stale)
        self._tiles = kept
        self.grid.set_tiles(widgets)
        self.counts.setText(counts_html(tiles))
        self.empty.setVisible(not tiles)
        self._fold(self.toggle.isChecked())

    def focus_chain(self) -> list[QWidget]:
        """The toggle, then the tiles in reading order when unfolded."""
        tiles: list[QWidget] = [] if self.toggle.isChecked() else list(self.grid.tiles)
        return [self.toggle, *tiles]


class WorkspaceSections(QWidget):
    """Every workspace's section, in the order given; a workspace no longer listed goes."""

    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(14)
        self.sections: dict[str, WorkspaceSection] = {}

    def show_workspaces(self, order: tuple[str, ...], tiles: tuple[Tile, ...]) -> None:
        by_workspace: dict[str, list[Tile]] = {name: [] for name in order}
        for tile in tiles:  # a tile of a workspace not listed still shows, after the others
            by_workspace.setdefault(tile.workspace, []).append(tile)
        kept: dict[str, WorkspaceSection] = {}
        for name, members in by_workspace.items():
            section = self.sections.pop(name, None)
            if section is None:
                section = WorkspaceSection(name, self)
                section.chosen.connect(self.chosen)
            self._layout.removeWidget(section)
            self._layout.addWidget(section)
            section.show()  # now, not when the layout's queued show comes round
            section.show_tiles(members)
            kept[name] = section
        for stale in self.sections.values():
            discard(stale)
        self.sections = kept

    def focus_chain(self) -> list[QWidget]:
        return [w for section in self.sections.values() for w in section.focus_chain()]
