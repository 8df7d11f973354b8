"""Finding bundled files (icons, theme) whether installed from a wheel or run from a checkout.

The wheel force-includes the repository's top-level `resources/` as `penguin_desktop/resources`;
a source checkout or an editable install only has the repository-level folder. Looking in both
places keeps one code path for users, developers and tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QIconEngine, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

_PACKAGE_DIR = Path(__file__).resolve().parents[2]  # penguin_desktop/


@cache
def resources_dir() -> Path:
    """The folder holding `icons/` and `theme/`: the installed copy first, then the checkout's."""
    for candidate in (_PACKAGE_DIR / "resources", _PACKAGE_DIR.parent / "resources"):
        if (candidate / "icons").is_dir():
            return candidate
    raise FileNotFoundError(
        f"PenguinMails resources not found next to {_PACKAGE_DIR}; the installation is incomplete"
    )


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def stylesheet() -> str:
    """The QSS theme with `@ICONS@` pointing at the icon folder (QSS urls need real paths)."""
    text = resource_path("theme", "penguin.qss").read_text(encoding="utf-8")
    return text.replace("@ICONS@", resource_path("icons").as_posix())


class _TintedSvgEngine(QIconEngine):
    """Renders a line icon on demand, at the size and in the mode Qt asks for.

    Qt's SVG renderer has no notion of a current colour, so `currentColor` is replaced here;
    that lets one file serve the dark sidebar and the light pages. Rendering lazily (instead of
    every size up front) keeps start-up fast.
    """

    def __init__(self, svg: bytes, color: str, active_color: str | None) -> None:
        super().__init__()
        self._svg = svg
        self._color = color
        self._active = active_color
        self._renderers: dict[str, QSvgRenderer] = {}
        self._cache: dict[tuple[int, int, str, float], QPixmap] = {}

    def _renderer(self, color: str) -> QSvgRenderer:
        if color not in self._renderers:
            tinted = self._svg.replace(b"currentColor", color.encode())
            self._renderers[color] = QSvgRenderer(QByteArray(tinted))
        return self._renderers[color]

    def _color_for(self, mode: QIcon.Mode) -> str:
        if mode in (QIcon.Mode.Selected, QIcon.Mode.Active) and self._active is not None:
            return self._active
        if mode is QIcon.Mode.Disabled:
            return "#cbd5e1"
        return self._color

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._renderer(self._color_for(mode)).render(painter, QRectF(rect))
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def scaledPixmap(
        self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float
    ) -> QPixmap:
        color = self._color_for(mode)
        key = (size.width(), size.height(), color, scale)
        cached = self._cache.get(key)
        if cached is None:
            cached = QPixmap(round(size.width() * scale), round(size.height() * scale))
            cached.fill(Qt.GlobalColor.transparent)
            painter = QPainter(cached)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._renderer(color).render(painter, QRectF(cached.rect()))
            painter.end()
            cached.setDevicePixelRatio(scale)
            self._cache[key] = cached
        return cached

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return size

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._svg, self._color, self._active)


@cache
def icon(name: str, color: str = "#475569", active_color: str | None = None) -> QIcon:
    """An icon from `icons/<name>.svg`, its `currentColor` strokes painted in `color`
    (`active_color` for the selected/active state, e.g. the sidebar's highlighted item)."""
    raw = resource_path("icons", f"{name}.svg").read_bytes()
    return QIcon(_TintedSvgEngine(raw, color, active_color))


def app_icon() -> QIcon:
    return icon("app")
