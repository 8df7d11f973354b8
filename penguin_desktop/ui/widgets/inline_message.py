"""A coloured line inside a form or page for errors and results, instead of a popup."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from penguin_desktop.ui.shell.errors import describe


class InlineMessage(QLabel):
    """Hidden until there is something to say; `kind` picks the QSS colours."""

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
        self.show()
