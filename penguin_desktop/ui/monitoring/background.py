"""The console's own monitor: the checks run on their schedules in a child process while the
window is open (see `monitor_process`), and each round that ran something is told to the window
(badge, desktop notification, Home refresh) through a Qt signal, polled twice a second."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.ui.monitoring.monitor_process import MonitorProcess
from penguin_desktop.ui.shell.state import AppState

if TYPE_CHECKING:
    from penguin_desktop.core.monitoring import RoundReport

POLL_MS = 500


class BackgroundMonitor(QObject):
    round_done = Signal(object)  # RoundReport

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._process: MonitorProcess | None = None
        self._handed = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.alive

    def start(self) -> None:
        if self.running:
            return
        self._process = MonitorProcess(self.state.container.settings, self.state.actor)
        self._process.start()
        self._handed = False
        self._timer.start()

    def _poll(self) -> None:
        if self._process is not None:
            self._hand_over_the_file()
            for report in self._process.reports():
                self.round_done.emit(report)

    def _hand_over_the_file(self) -> None:
        """Once the window has the secrets file open, the monitor may open it too."""
        secrets = self.state.container.secrets
        if self._handed or self._process is None or not secrets.file_unlocked:
            return
        try:
            password = secrets.hand_over_file(self.state.actor, "the console's monitor process")
        except PenguinError:
            return  # the next poll tries again
        if password is not None:
            self._process.hand_over(password)
            self._handed = True

    def stop(self, wait: float = 15.0) -> None:
        self._timer.stop()
        if self._process is not None:
            self._process.stop(wait)
        self._process = None


def report_words(report: RoundReport) -> str:
    bad = {k: v for k, v in report.statuses.items() if k != "ok" and v}
    state = ", ".join(f"{v} {k}" for k, v in sorted(bad.items())) or "all ok"
    opened = (
        f"; {report.opened} new alert{'s' if report.opened != 1 else ''}" if report.opened else ""
    )
    return f"Checked {report.checks}: {state}{opened}"


def open_alert_count(state: AppState) -> int | None:
    """How many alerts the user may see are open; None when it cannot be read now (the count
    is a passing display: it stays as it was)."""
    try:
        return len(state.container.monitoring.alerts.all(state.actor))
    except PenguinError:
        return None
