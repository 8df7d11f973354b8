"""A coloured line inside a form or page for errors and results, instead of a popup; and the
rule that a dialog grows when such a line (or any wrapped text) needs more room.

Qt sizes a window once, when it is first shown; a message or hint that appears later, or text
that wraps onto another line, would otherwise be squeezed into the old height and cut off,
together with the buttons below it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from penguin_desktop.ui.shell.errors import describe


def fit_to_content(window: QWidget) -> None:
    """Make `window` as wide as its content needs and as tall as it wants at that width, so
    nothing in it is cut or squeezed. It may still be made larger by hand."""
    layout = window.layout()
    if layout is None or not window.isVisible():
        return
    width = max(window.width(), layout.totalMinimumSize().width())
    if layout.hasHeightForWidth():
        minimum = layout.totalMinimumHeightForWidth(width)
        preferred = layout.totalHeightForWidth(width)
    else:
        minimum = layout.totalMinimumSize().height()
        preferred = layout.totalSizeHint().height()
    window.setMinimumHeight(minimum)
    if window.width() < width or window.height() < preferred:
        window.resize(width, max(window.height(), minimum, preferred))


class GrowToFit(QObject):
    """Refits the window it watches whenever its layout is asked to change."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest and isinstance(watched, QWidget):
            layout = watched.layout()
            if layout is not None:
                layout.activate()
            fit_to_content(watched)
        elif event.type() == QEvent.Type.Show and isinstance(watched, QWidget):
            fit_to_content(watched)
        return False


def grow_to_fit(window: QWidget) -> None:
    """Keep `window` tall enough for its content from now on (once per window)."""
    if window.findChild(GrowToFit, "growToFit") is None:
        watcher = GrowToFit(window)
        watcher.setObjectName("growToFit")
        window.installEventFilter(watcher)


class InlineMessage(QLabel):
    """Hidden until there is something to say; `kind` picks the QSS colours. Inside a dialog,
    the dialog grows to show it whole."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inlineMessage")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, error: BaseException | str) -> None:
        self._show(error if isinstance(error, str) else describe(error), "error")

    def show_success(self, text: str) -> None:
        self._show(text, "success")

    def show_info(self, text: str) -> None:
        self._show(text, "info")

    def show_warning(self, text: str) -> None:
        self._show(text, "warning")

    def clear_message(self) -> None:
        self.clear()
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")

    def _show(self, text: str, kind: str) -> None:
        self.setProperty("kind", kind)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setText(text)
        window = self.window()
        if isinstance(window, QDialog):
            grow_to_fit(window)
        self.show()
