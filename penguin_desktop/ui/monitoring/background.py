"""The console's own monitor: the checks run on their schedules on a thread of their own while
the window is open and unlocked, and each round that ran something is told to the window
(badge, desktop notification, Home refresh) through a queued Qt signal."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from penguin_desktop.core.platform.models import Actor
from penguin_desktop.ui.shell.state import AppState

if TYPE_CHECKING:
    from penguin_desktop.core.monitoring import RoundReport


class BackgroundMonitor(QObject):
    round_done = Signal(object)  # RoundReport, delivered on the GUI thread

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop = threading.Event()
        runner = self.state.container.monitoring.runner
        actor: Actor = self.state.actor
        stop = self._stop

        def loop() -> None:
            runner.run_forever(actor, stop, on_round=self.round_done.emit)

        self._thread = threading.Thread(target=loop, name="penguin-monitor", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 15.0) -> None:
        """Ask the loop to stop after the probe under way; waits at most `wait` seconds."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(wait)
        self._thread = None


def report_words(report: RoundReport) -> str:
    bad = {k: v for k, v in report.statuses.items() if k != "ok" and v}
    state = ", ".join(f"{v} {k}" for k, v in sorted(bad.items())) or "all ok"
    opened = (
        f"; {report.opened} new alert{'s' if report.opened != 1 else ''}" if report.opened else ""
    )
    return f"Checked {report.checks}: {state}{opened}"
