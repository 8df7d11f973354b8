"""The status-bar strip listing jobs: a running one with a progress bar and a cancel button, an
ended one with its outcome in words (done, failed with the error, cancelled).

An ended job stays listed, so its outcome is never lost when the dialog that started it is
gone: a failure until the user dismisses it, any other outcome for `UNSEEN_MS`, or `SEEN_MS`
when the dialog or page that started the job was there to show it. Only the newest
`KEEP_ENDED` outcomes stay, so the strip never crowds out the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.workers import Ending, Job, JobOutcome, JobRunner

SEEN_MS = 4_000
UNSEEN_MS = 15_000
KEEP_ENDED = 2
LABEL_WIDTH = 260  # an outcome longer than this is elided; its tooltip has it whole
ENDING_LOOK = {
    Ending.SUCCEEDED: ("check", theme.SUCCESS),
    Ending.FAILED: ("cancel", theme.DANGER),
    Ending.CANCELLED: ("info", theme.MUTED),
}


class JobRow(QWidget):
    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.outcome: JobOutcome | None = None
        self.setObjectName("jobRow")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
        self.mark = QLabel()
        self.mark.hide()
        self.label = QLabel(job.title)
        self.label.setObjectName("jobTitle")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setIcon(icon("cancel", theme.ICON))
        self.cancel_button.setIconSize(QSize(14, 14))
        self.cancel_button.setToolTip(f"Cancel: {job.title}")
        self.cancel_button.setAccessibleName(f"Cancel {job.title}")
        self.cancel_button.clicked.connect(self._cancel)
        layout.addWidget(self.mark)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        job.signals.progress.connect(self._progress)

    @property
    def ended(self) -> bool:
        return self.outcome is not None

    def _progress(self, fraction: float, text: str) -> None:
        if self.ended:
            return
        self.bar.setValue(round(fraction * 1000))
        if text:
            self.bar.setToolTip(text)
            self.label.setToolTip(text)

    def _cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(f"{self.job.title} — cancelling…")

    def show_outcome(self, outcome: JobOutcome) -> None:
        """The row becomes the job's outcome; its button now dismisses it."""
        self.outcome = outcome
        name, color = ENDING_LOOK[outcome.ending]
        self.mark.setPixmap(icon(name, color).pixmap(QSize(14, 14)))
        self.mark.show()
        metrics = QFontMetrics(self.label.font())
        self.label.setText(
            metrics.elidedText(outcome.text, Qt.TextElideMode.ElideRight, LABEL_WIDTH)
        )
        self.label.setToolTip(outcome.text)
        self.label.setAccessibleName(outcome.text)
        self.bar.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.setToolTip("Dismiss")
        self.cancel_button.setAccessibleName(f"Dismiss: {outcome.text}")
        self.cancel_button.clicked.disconnect(self._cancel)


class JobsWidget(QWidget):
    """Fed by the JobRunner: a row appears when a job starts and shows its outcome when it
    ends (see the module for how long)."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: dict[int, JobRow] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        runner.started.connect(self._add)
        runner.ended.connect(self._ended)
        for job in runner.running:
            self._add(job)
        self.setVisible(bool(self._rows))

    def rows(self) -> list[JobRow]:
        """The rows of jobs still running."""
        return [row for row in self._rows.values() if not row.ended]

    def ended_rows(self) -> list[JobRow]:
        """The outcomes still listed, oldest first."""
        return [row for row in self._rows.values() if row.ended]

    def row_for(self, job: Job) -> JobRow | None:
        return self._rows.get(id(job))

    def _add(self, job: Job) -> None:
        row = JobRow(job, self)
        self._rows[id(job)] = row
        self._layout.addWidget(row)
        self.show()

    def _ended(self, job: Job) -> None:
        row = self._rows.get(id(job))
        if row is None or job.outcome is None:
            self._remove(job)
            return
        row.show_outcome(job.outcome)
        row.cancel_button.clicked.connect(lambda: self._remove(job))
        if job.outcome.ending is not Ending.FAILED:
            linger = SEEN_MS if job.outcome.shown else UNSEEN_MS
            QTimer.singleShot(linger, row, lambda: self._remove(job))
        for old in self.ended_rows()[:-KEEP_ENDED]:
            self._remove(old.job)

    def _remove(self, job: Job) -> None:
        row = self._rows.pop(id(job), None)
        if row is not None:
            row.hide()
            row.deleteLater()
        self.setVisible(bool(self._rows))
