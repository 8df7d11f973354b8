"""Jobs: slow work that reports progress through a plain callback and can be cancelled.

Only `penguin_desktop.ui.shell.workers` turns this into Qt signals; the CLI uses it as is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

ProgressCallback = Callable[[float, str], None]


def _ignore(_fraction: float, _text: str) -> None:
    return None


@dataclass
class JobContext:
    """Handed to a running job: report with `progress`, stop early when `cancelled`."""

    on_progress: ProgressCallback = _ignore
    _cancel: threading.Event = field(default_factory=threading.Event)

    def progress(self, fraction: float, text: str = "") -> None:
        self.on_progress(min(max(fraction, 0.0), 1.0), text)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()
