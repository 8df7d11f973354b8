"""Finding bundled files (icons, theme) whether installed from a wheel or run from a checkout.

The wheel force-includes the repository's top-level `resources/` as `penguin_desktop/resources`;
a source checkout or an editable install only has the repository-level folder. Looking in both
places keeps one code path for users, developers and tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_ICON_SIZES = (16, 20, 24, 32, 48, 64)


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


def _render(svg: bytes, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg))
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.fill(Qt.GlobalColor.transparent)
    pixmap.setDevicePixelRatio(2.0)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


@cache
def icon(name: str, color: str = "#475569", active_color: str | None = None) -> QIcon:
    """An icon from `icons/<name>.svg`, its `currentColor` strokes painted in `color`.

    Qt's SVG renderer has no notion of a current colour, so line icons are tinted here; that
    lets one file serve the dark sidebar and the light pages. `active_color` tints the
    selected/active state (sidebar items).
    """
    raw = resource_path("icons", f"{name}.svg").read_bytes()
    result = QIcon()
    for size in _ICON_SIZES:
        result.addPixmap(_render(raw.replace(b"currentColor", color.encode()), size))
        if active_color is not None:
            tinted = raw.replace(b"currentColor", active_color.encode())
            for mode in (QIcon.Mode.Selected, QIcon.Mode.Active):
                result.addPixmap(_render(tinted, size), mode)
    return result


def app_icon() -> QIcon:
    return icon("app")
