"""Running core jobs off the UI thread.

Core reports progress through a plain callback on a `JobContext` and stops when the context is
cancelled; this module is the only place that turns that into Qt: a `Job` is a QRunnable on a
QThreadPool whose `JobSignals` live on the UI thread, so `progress`, `finished`, `failed` and
`cancelled` arrive as queued signals and slots never touch widgets from a worker thread.

Every job ends with a `JobOutcome` in words. A job belongs to the window it was started from
(its `owner`, by default the dialog or window active then); when that window is gone or hidden
by the time the job ends (a wizard closed mid-job, a page the user left), nothing there can show
the outcome, and `JobOutcome.shown` says so for the main window to put it in the status bar.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QWidget

from penguin_desktop.core.platform.errors import Cancelled
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.shell.errors import describe

_log = logging.getLogger("penguin_desktop.ui.shell.workers")

Work = Callable[[JobContext], Any]


class JobSignals(QObject):
    """Created on the UI thread so emissions from the worker are queued to it.

    The worker emits the outcome through private `_…` signals, already connected (at
    construction) to the public ones: their queued events are posted however early the work
    ends, and the public signals fire on the UI thread a turn later, when whoever started the
    job has connected to them. Emitting them from the worker directly would lose the result of
    a job that fails before the page connects. Progress is emitted directly: a missed early
    step does not matter, and a direct connection can still act in the worker's thread."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal(str)
    ended = Signal()
    _finished = Signal(object)
    _failed = Signal(object)
    _cancelled = Signal(str)
    _ended = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._finished.connect(self.finished)
        self._failed.connect(self.failed)
        self._cancelled.connect(self.cancelled)
        self._ended.connect(self.ended)


class Ending(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended, in words; `shown`: its owner was there to show it when it ended."""

    ending: Ending
    text: str
    shown: bool


class Job(QRunnable):
    """One piece of slow work: `work(ctx)` runs on a pool thread; its result or error comes
    back as a signal. Cancelling only sets the flag core checks between batches, so whatever
    core commits stays consistent."""

    def __init__(self, title: str, work: Work, owner: QWidget | None = None) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.title = title
        self.owner = owner
        self.outcome: JobOutcome | None = None
        self.signals = JobSignals()
        self.context = JobContext(on_progress=self.signals.progress.emit)
        self._work = work
        # Connected before anyone else's slots, so the owner is judged as it was when the job
        # ended, not after its own slots closed it (a form that closes on success).
        self.signals.finished.connect(lambda _result: self._ended(Ending.SUCCEEDED, "done"))
        self.signals.failed.connect(
            lambda error: self._ended(Ending.FAILED, f"failed: {describe(error)}")
        )
        self.signals.cancelled.connect(lambda _text: self._ended(Ending.CANCELLED, "cancelled"))

    def owner_showing(self) -> bool:
        owner = self.owner
        return owner is not None and shiboken6.isValid(owner) and owner.isVisible()

    def _ended(self, ending: Ending, words: str) -> None:
        separator = " " if ending is Ending.FAILED else " — "
        self.outcome = JobOutcome(ending, f"{self.title}{separator}{words}", self.owner_showing())

    def cancel(self) -> None:
        self.context.cancel()

    @property
    def cancel_requested(self) -> bool:
        return self.context.cancelled

    def run(self) -> None:
        try:
            if self.context.cancelled:
                raise Cancelled(f"{self.title} cancelled before it started")
            result = self._work(self.context)
        except Cancelled as stopped:
            self.signals._cancelled.emit(stopped.message)
        except BaseException as error:
            _log.info("job %r failed: %s", self.title, error)
            self.signals._failed.emit(error)
        else:
            self.signals._finished.emit(result)
        finally:
            self.signals._ended.emit()


class JobRunner(QObject):
    """Starts jobs on a thread pool and keeps them alive (and listed) until they end.

    The status-bar jobs widget listens to `started`/`ended`; pages connect to a job's own
    signals for its result. The pool is injectable so tests can bound it.
    """

    started = Signal(object)
    ended = Signal(object)

    def __init__(self, pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self._running: list[Job] = []

    @property
    def running(self) -> list[Job]:
        return list(self._running)

    def start(self, title: str, work: Work, owner: QWidget | None = None) -> Job:
        """Run `work` on the pool. `owner`: the widget that shows the outcome (by default the
        dialog or window active now)."""
        job = Job(
            title, work, owner or QApplication.activeModalWidget() or QApplication.activeWindow()
        )
        self._running.append(job)
        job.signals.ended.connect(lambda: self._finish(job))
        self.started.emit(job)
        self.pool.start(job)
        return job

    def cancel_all(self) -> None:
        for job in self._running:
            job.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Block until queued jobs are done: used on quit so no worker outlives the database."""
        return self.pool.waitForDone(msecs)

    def _finish(self, job: Job) -> None:
        if job in self._running:
            self._running.remove(job)
            self.ended.emit(job)
