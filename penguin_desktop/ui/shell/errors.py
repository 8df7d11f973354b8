"""Turning errors into words, in one place for the whole console.

Core raises PenguinError subclasses whose `.message` is written for the user; anything else is a
bug and is shown as one, with the traceback tucked under "Show Details". Forms show the same
words inline through `describe`; everything else goes through `show_error`.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from penguin_desktop import log
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    Cancelled,
    DatabaseError,
    ExternalServiceError,
    NotFoundError,
    PenguinError,
    PermissionDenied,
    ValidationError,
)

_log = logging.getLogger("penguin_desktop.ui")

_TITLES: tuple[tuple[type[PenguinError], str], ...] = (
    (PermissionDenied, "Not allowed"),
    (AuthenticationError, "Sign-in problem"),
    (ValidationError, "Please check your input"),
    (NotFoundError, "Not found"),
    (DatabaseError, "Database problem"),
    (ExternalServiceError, "Service unavailable"),
    (Cancelled, "Cancelled"),
)


def describe(error: BaseException) -> str:
    """The sentence to show for `error`; secrets typed this session are masked."""
    if isinstance(error, PenguinError):
        text = error.message
    else:
        text = f"Unexpected error ({type(error).__name__}): {error}"
    text = log.scrub(text)
    return text[:1].upper() + text[1:]


def title_for(error: BaseException) -> str:
    for kind, title in _TITLES:
        if isinstance(error, kind):
            return title
    return "Error" if isinstance(error, PenguinError) else "Something went wrong"


def show_error(
    parent: QWidget | None, error: BaseException, *, blocking: bool = False
) -> QMessageBox:
    """The one error dialog. Non-blocking by default so no nested event loop runs under a
    click handler; `blocking=True` is for start-up, before the main loop exists."""
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setWindowTitle(title_for(error))
    box.setText(describe(error))
    if isinstance(error, PenguinError):
        box.setIcon(QMessageBox.Icon.Warning)
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setInformativeText("Please report this together with the details below.")
        details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        box.setDetailedText(log.scrub(details))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    if blocking:
        box.exec()
    else:
        box.open()
    return box


def _hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    _log.error("uncaught exception", exc_info=(kind, error, tb))
    if QApplication.instance() is None:
        sys.__excepthook__(kind, error, tb)
        return
    show_error(QApplication.activeWindow(), error.with_traceback(tb))


def install_excepthook() -> None:
    """Exceptions escaping a slot end up here instead of killing the console silently."""
    sys.excepthook = _hook
