"""A form whose OK runs its core call off the UI thread (it may talk to Vault over the network).

The dialog stays open while the job runs (buttons disabled, "Working…" inline); success closes
it, a core error is shown inline in core's words and the user can correct and retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QWidget

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.shell.workers import Job, JobRunner
from penguin_desktop.ui.widgets.form import FormDialog


class JobFormDialog(FormDialog):
    def __init__(
        self,
        runner: JobRunner,
        title: str,
        intro: str | None = None,
        ok_text: str = "OK",
        parent: QWidget | None = None,
        danger: bool = False,
    ) -> None:
        super().__init__(title, intro, ok_text, parent, danger)
        self.runner = runner
        self.job: Job | None = None
        self.result_value: Any = None

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        """Check the form on the UI thread and return (job title, work); raise PenguinError
        to keep the dialog open."""
        raise NotImplementedError

    def working_text(self) -> str:
        return "Working…"

    def submit(self) -> None:  # FormDialog's synchronous path is not used here
        raise NotImplementedError

    def _submit(self) -> None:
        if self.job is not None:
            return
        self.message.clear_message()
        try:
            title, work = self.prepare()
        except PenguinError as error:
            self.message.show_error(error)
            self.failed(error)
            return
        self._busy(True)
        self.message.show_info(self.working_text())
        job = self.runner.start(title, work)
        self.job = job
        job.signals.finished.connect(self._succeeded)
        job.signals.failed.connect(self._job_failed)
        job.signals.cancelled.connect(self._job_cancelled)

    def _succeeded(self, result: object) -> None:
        self.job = None
        self._busy(False)
        if not self.isVisible():
            return  # dismissed meanwhile (Esc, the idle lock): show nothing of the result
        self.result_value = result
        self.message.clear_message()
        self.accept()

    def _job_failed(self, error: BaseException) -> None:
        self.job = None
        self._busy(False)
        self.message.show_error(error)
        if isinstance(error, PenguinError):
            self.failed(error)

    def _job_cancelled(self, text: str) -> None:
        self.job = None
        self._busy(False)
        self.message.show_info(text)

    def _busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
