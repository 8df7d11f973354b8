"""Provisioning, live: the steps that will run with their state, progress by step, the log as
the server writes it, and Cancel; in the New server wizard and in the Servers page's dialog.

Provisioning runs on a worker; its log lines come back through a relay signal and its progress
through the job's own, so the view is only ever touched on the UI thread. The job belongs to
the view: closed with its dialog before the job ends, the outcome goes to the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import Cancelled, PenguinError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.models import ProvisionResult, ServerInfo
from penguin_desktop.ui.servers.host_key import monospace
from penguin_desktop.ui.servers.steps import FINISHED, StepList, step_titles
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.inline_message import InlineMessage

RESUME_HINT = "Resume it later with Provision on the Servers page: steps already done are skipped."


class LogRelay(QObject):
    """Created on the UI thread; the worker emits `line` and the view receives it queued."""

    line = Signal(str)


def provision_work(
    state: AppState, info: ServerInfo, resume: bool, relay: LogRelay, kwargs: dict[str, Any]
) -> Callable[[JobContext], ProvisionResult]:
    """The job: provisioning, then the hand-off to DNS (the DKIM key and the server's
    address); a hand-off that failed is a warning on the result, MailU stays installed."""
    attach, actor = state.container.domain_attach, state.actor
    name, workspace = info.name, info.workspace

    def work(ctx: JobContext) -> ProvisionResult:
        done = attach.provision(
            actor, name, workspace, resume=resume, ctx=ctx, on_log=relay.line.emit, **kwargs
        )
        result, attached = done.result, done.attached
        if done.attach_error is not None:
            missed = (
                f"the DKIM key did not reach {result.domain}'s DNS records "
                f"({done.attach_error}): use Attach… on the Domains page"
            )
            return replace(result, warnings=(*result.warnings, missed))
        if attached is not None:
            relay.line.emit(
                f"{attached.domain.display_name}: MailU's DKIM key (selector "
                f"{attached.selector}) and the server's address are in its required "
                "records; Fix… on the Domains page publishes them."
            )
        return result

    return work


class ProvisionView(QWidget):
    """Steps with their state, a progress bar by step, the live log and a Cancel button."""

    ended = Signal(str)  # "done", "failed" or "cancelled"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.job: Job | None = None
        self.other_job: Job | None = None
        self.server: tuple[str, str] | None = None  # (workspace, name)
        self.result: ProvisionResult | None = None
        self.error: BaseException | None = None
        self.outcome = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.steps = StepList()
        column.addWidget(self.steps)
        self.progress_text = QLabel("Not started")
        self.progress_text.setObjectName("footnote")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setRange(0, len(self.steps.titles))
        self.bar.setAccessibleName("Provisioning progress")
        column.addWidget(self.progress_text)
        column.addWidget(self.bar)
        self.log = QPlainTextEdit()
        self.log.setObjectName("provisionLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(20_000)
        self.log.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.log.setAccessibleName("Provisioning log")
        self.log.setPlaceholderText("The commands run on the server and their output appear here.")
        monospace(self.log)
        column.addWidget(self.log, 1)
        self.message = InlineMessage()
        column.addWidget(self.message)
        self.cancel_button = QPushButton(icon("cancel", theme.ICON), "Cancel provisioning")
        self.cancel_button.setEnabled(False)
        self.cancel_button.hide()  # shown while something runs
        self.cancel_button.setToolTip("Stop after the current command; resume later")
        self.cancel_button.clicked.connect(self.cancel)
        column.addWidget(self.cancel_button, 0, Qt.AlignmentFlag.AlignRight)
        self.steps.show_states({})

    @property
    def running(self) -> bool:
        return self.job is not None or self.other_job is not None

    def track(self, job: Job, text: str) -> None:
        """Offer Cancel for another job of the same flow (creating the VPS, say)."""
        self.other_job = job
        self.message.show_info(text)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self.cancel_button.show()

        def ended() -> None:
            self.other_job = None
            self.cancel_button.setEnabled(self.job is not None)
            self.cancel_button.setVisible(self.job is not None)
            self.cancel_button.setText("Cancel provisioning")

        job.signals.ended.connect(ended)

    # --- the log --------------------------------------------------------------------------------
    def append(self, line: str) -> None:
        bar = self.log.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        self.log.appendPlainText(line)
        if at_end:  # follow the output unless the user scrolled up to read
            bar.setValue(bar.maximum())

    def log_text(self) -> str:
        return self.log.toPlainText()

    # --- running --------------------------------------------------------------------------------
    def expect(self, install: bool) -> None:
        """List the steps that will run: MailU's when it is to be installed, none when it is
        not (a server that already runs MailU, or one to provision later)."""
        self.steps.set_steps(step_titles() if install else [])
        self.bar.setRange(0, len(self.steps.titles))
        self.progress_text.setText("Not started")
        for widget in (self.steps, self.progress_text, self.bar):
            widget.setVisible(install)

    def show_server(self, info: ServerInfo) -> None:
        if not self.steps.titles:
            self.expect(True)
        self.server = (info.workspace, info.name)
        self.steps.show_states(info.steps)
        self._show_progress(info.steps)

    def start(
        self,
        info: ServerInfo,
        *,
        resume: bool,
        plan: dict[str, str | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> Job | None:
        """Provision `info` on a worker (resume: the saved plan; else `plan`)."""
        if self.job is not None:
            return None
        self.show_server(info)
        self.result, self.error, self.outcome = None, None, ""
        relay = LogRelay()
        relay.line.connect(self.append)
        name = info.name
        work = provision_work(self.state, info, resume, relay, {**(plan or {}), **(options or {})})
        job = self.state.runner.start(f"Provisioning {name}", work, owner=self)
        job.relay = relay  # type: ignore[attr-defined]  # alive as long as the job
        self.job = job
        self.append(f"— provisioning {name}{' (resuming)' if resume else ''} —")
        self.message.show_info(f"Installing MailU on {name}…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel provisioning")
        self.cancel_button.show()
        job.signals.progress.connect(self._progress)
        job.signals.finished.connect(self._finished)
        job.signals.failed.connect(self._failed)
        job.signals.cancelled.connect(self._cancelled)
        return job

    def cancel(self) -> None:
        job = self.job or self.other_job
        if job is None:
            return
        job.cancel()
        self.cancel_button.setEnabled(False)
        self.cancel_button.setText("Cancelling…")
        self.message.show_info("Cancelling after the current command…")

    def _progress(self, fraction: float, text: str) -> None:
        titles = self.steps.titles
        index = next((i for i, (_, title) in enumerate(titles) if title == text), None)
        if index is None:
            if fraction >= 1.0:
                self.bar.setValue(self.bar.maximum())
                self.progress_text.setText(text)
            return
        # The service saved the earlier steps' states before moving on: show those (done,
        # skipped, done with a warning), and this step as running.
        states = self._saved_states() or dict(self.steps.states)
        for name, _ in titles[:index]:
            if states.get(name, "pending") in ("pending", "running"):
                states[name] = "done"
        states[titles[index][0]] = "running"
        self.steps.show_states(states)
        self.bar.setValue(index)
        self.progress_text.setText(f"Step {index + 1} of {len(titles)}: {text}")

    def _show_progress(self, states: dict[str, str]) -> None:
        done = sum(1 for name, _ in self.steps.titles if states.get(name) in FINISHED)
        self.bar.setValue(done)
        total = len(self.steps.titles)
        self.progress_text.setText(
            f"{done} of {total} steps done" if done < total else "All steps done"
        )

    def _saved_states(self) -> dict[str, str] | None:
        """The step states the service saved (one quick read, once per step)."""
        if self.server is None:
            return None
        workspace, name = self.server
        try:
            return dict(self.state.container.servers.get(self.state.actor, name, workspace).steps)
        except PenguinError:
            return None

    def _reload_states(self) -> None:
        """After a failure or cancel: the states the service saved."""
        states = self._saved_states()
        if states is not None:
            self.steps.show_states(states)
            self._show_progress(states)

    def _ended(self, outcome: str) -> None:
        self.job = None
        self.outcome = outcome
        self.cancel_button.setEnabled(False)
        self.cancel_button.hide()
        self.cancel_button.setText("Cancel provisioning")
        self.ended.emit(outcome)

    def _finished(self, result: ProvisionResult) -> None:
        self.result = result
        self.steps.show_states(result.steps)
        self._show_progress(result.steps)
        info = result.server
        text = f"MailU is installed on {info.name} ({info.hostname})."
        self.append(f"— {text} —")
        if result.dkim_record:
            self.append(f"DKIM record to publish:\n  {result.dkim_record}")
        warnings = result.warnings
        for warning in warnings:
            self.append(f"WARNING: {warning}")
        if warnings:
            self.message.show_info(text + "\nTo do by hand: " + "; ".join(warnings))
        else:
            self.message.show_success(text)
        self._ended("done")

    def _failed(self, error: BaseException) -> None:
        self.error = error
        self._reload_states()
        self.append(f"— stopped: {describe(error)} —")
        self.message.show_error(f"{describe(error)}\n{RESUME_HINT}")
        self._ended("failed")

    def _cancelled(self, text: str) -> None:
        self.error = Cancelled(text)
        self._reload_states()
        self.append(f"— {text} —")
        self.message.show_info(f"Provisioning was cancelled. {RESUME_HINT}")
        self._ended("cancelled")


class ProvisionDialog(QDialog):
    """Provisioning from the Servers page. Closing it leaves the job running (its progress and
    Cancel stay in the status bar)."""

    def __init__(self, state: AppState, info: ServerInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.info = state, info
        self.setObjectName("provisionDialog")
        self.setWindowTitle(f"Provisioning {info.name}")
        self.resize(760, 620)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(10)
        heading = QLabel(f"Install MailU on {info.name}")
        heading.setObjectName("dialogTitle")
        outer.addWidget(heading)
        self.view = ProvisionView(state)
        outer.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.view.show_server(info)

    def start(
        self,
        resume: bool,
        plan: dict[str, str | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> Job | None:
        return self.view.start(self.info, resume=resume, plan=plan, options=options)
