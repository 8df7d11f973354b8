"""The status-bar strip listing running jobs, each with a progress bar and a cancel button."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.workers import Job, JobRunner


class JobRow(QWidget):
    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job = job
        self.setObjectName("jobRow")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.setSpacing(6)
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
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        job.signals.progress.connect(self._progress)

    def _progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(round(fraction * 1000))
        if text:
            self.bar.setToolTip(text)
            self.label.setToolTip(text)

    def _cancel(self) -> None:
        self.job.cancel()
        self.cancel_button.setEnabled(False)
        self.label.setText(f"{self.job.title} — cancelling…")


class JobsWidget(QWidget):
    """Fed by the JobRunner: a row appears when a job starts and goes when it ends."""

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: dict[int, JobRow] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        runner.started.connect(self._add)
        runner.ended.connect(self._remove)
        for job in runner.running:
            self._add(job)
        self.setVisible(bool(self._rows))

    def rows(self) -> list[JobRow]:
        return list(self._rows.values())

    def row_for(self, job: Job) -> JobRow | None:
        return self._rows.get(id(job))

    def _add(self, job: Job) -> None:
        row = JobRow(job, self)
        self._rows[id(job)] = row
        self._layout.addWidget(row)
        self.show()

    def _remove(self, job: Job) -> None:
        row = self._rows.pop(id(job), None)
        if row is not None:
            row.hide()
            row.deleteLater()
        self.setVisible(bool(self._rows))
