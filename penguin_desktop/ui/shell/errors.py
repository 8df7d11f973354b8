"""Turning errors into words, in one place for the whole console.

Core raises PenguinError subclasses whose `.message` is written for the user and whose field and
remedy are data: here a field becomes the label the console's forms show and a remedy the place
to click. Anything else is a bug and is shown as one, with the traceback tucked under "Show
Details". Forms show the same words inline through `describe`; everything else goes through
`show_error`. An uncaught error that repeats in a burst gets one dialog, which counts the
repeats, and one log line each time.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable
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
    Remedy,
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


# A field's label where it differs from its name in words.
_LABELS: dict[str, str] = {
    "mailu_url": "MailU URL",
    "ca_cert": "CA certificate",
    "secret_id": "Secret ID",
    "ip": "IP address",
    "ips": "IP addresses",
    "dkim_selector": "DKIM selector",
    "org": "Agency name",
    "key": "API key",
    "api_base": "API address",
    "webhook_secret": "Signing secret",
    "idempotency_key": "Refund request",
}
# Where the console does what a remedy asks.
_REMEDIES: dict[str, str] = {
    "init": "start the console on an empty data folder to create the organization",
    "server.accept-host-key": "check and accept its host key on the Servers page (Host key…)",
    "server.provision": "provision it on the Servers page (Provision…)",
    "secrets.set": "store it on the Secrets page (Add…)",
    "secrets.backend.set": "choose Vault in the backend card of the Secrets page",
    "user.unlock": "an owner or admin can unlock it in Settings, Users",
    "dns.provider.add": "add a DNS provider on the Domains page (Providers…)",
    "mailbox.remove": "remove the mailbox on the Mailboxes page",
    "audit.verify": "run Verify chain on the Audit log page to see which entry",
    "audit.checkpoint": "run Verify chain on the Audit log page once the secrets are reachable",
    "billing.connect": "connect Stripe on the Billing page (Connect…)",
    "billing.webhook-secret": "keep the endpoint's signing secret on the box that receives the "
    "webhooks (penguin billing webhook-secret)",
    "plan.usage": "see the workspace's plan and usage on the Billing page (Plans & usage)",
}


def label(field: str) -> str:
    """The label of the form field an error names."""
    return _LABELS.get(field) or field.replace("_", " ").capitalize()


def remedy_words(remedy: Remedy) -> str | None:
    return _REMEDIES.get(remedy.action)


def _phrase(error: PenguinError, beside_field: bool) -> str:
    text = error.message
    if error.allowed:
        text += f" (choose one of {', '.join(error.allowed)})"
    if error.field is not None and not beside_field:
        text += f" ({label(error.field)})"
    words = remedy_words(error.remedy) if error.remedy is not None else None
    if words:
        text += f": {words}"
    return text


def describe(error: BaseException, *, beside_field: bool = False) -> str:
    """The sentence to show for `error`; secrets typed this session are masked. Shown
    `beside_field` (next to the input it names) it does not name the field again."""
    if isinstance(error, PenguinError):
        text = _phrase(error, beside_field)
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


# An uncaught error that repeats within this many seconds of the last time (or while its dialog
# is still open) is counted, not shown again: a bug in painting a table row fires on every
# repaint, and a dialog per repaint would bury the console.
BURST_SECONDS = 5.0


class _Burst:
    """One uncaught error, its dialog while that is open, and how often it came."""

    def __init__(self, box: QMessageBox, at: float) -> None:
        self.box: QMessageBox | None = box
        self.details = box.informativeText()
        self.count = 1
        self.last = at
        box.finished.connect(self._closed)
        box.destroyed.connect(self._closed)

    def _closed(self, *_: object) -> None:
        self.box = None

    def again(self, at: float) -> None:
        self.count += 1
        self.last = at
        if self.box is not None:
            note = f"This happened {self.count} times; it is shown once."
            self.box.setInformativeText(f"{self.details}\n\n{note}".strip())


class Bursts:
    """The uncaught errors shown lately, by type and message."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.seen: dict[tuple[str, str], _Burst] = {}

    def report(self, error: BaseException) -> None:
        now = self.clock()
        self.seen = {
            key: burst
            for key, burst in self.seen.items()
            if burst.box is not None or now - burst.last < BURST_SECONDS
        }
        key = (type(error).__qualname__, str(error))
        burst = self.seen.get(key)
        if burst is not None:
            burst.again(now)
            _log.error(
                "uncaught exception again (%d times): %s: %s",
                burst.count,
                type(error).__name__,
                log.scrub(str(error)),
            )
            return
        _log.error("uncaught exception", exc_info=(type(error), error, error.__traceback__))
        self.seen[key] = _Burst(show_error(QApplication.activeWindow(), error), now)


bursts = Bursts()


def _hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    if QApplication.instance() is None:
        _log.error("uncaught exception", exc_info=(kind, error, tb))
        sys.__excepthook__(kind, error, tb)
        return
    bursts.report(error.with_traceback(tb))


def install_excepthook() -> None:
    """Exceptions escaping a slot end up here instead of killing the console silently."""
    sys.excepthook = _hook
