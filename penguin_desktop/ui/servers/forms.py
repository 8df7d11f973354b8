"""Pieces of the Servers page and the New server wizard: the provisioning view (steps with
their state, progress by step, live log, Cancel), the MailU plan fields, and the small forms
(start provisioning, restore, remove).

Provisioning runs on a worker; its log lines come back through a relay signal and its progress
through the job's own, so the view is only ever touched on the UI thread.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import Cancelled, PenguinError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.models import ProvisionResult, ServerInfo
from penguin_desktop.ui.servers.host_key import monospace
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.job_form import JobFormDialog

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
AMBER = "#d97706"
STATE_LOOK: dict[str, tuple[str, str, str]] = {
    # state: (icon, colour, words)
    "done": ("check", theme.SUCCESS, "done"),
    "pending": ("clock", theme.MUTED, "pending"),
    "running": ("play", theme.ACCENT, "running"),
    "failed": ("cancel", theme.DANGER, "failed"),
    "cancelled": ("cancel", AMBER, "cancelled"),
    "warning": ("warning", AMBER, "done, with a warning"),
    "skipped": ("info", theme.MUTED, "skipped"),
}
FINISHED = ("done", "warning", "skipped")
RESUME_HINT = "Resume it later with Provision on the Servers page: steps already done are skipped."


def step_titles() -> list[tuple[str, str]]:
    """(name, title) of every provisioning step, in order. Imported here: the steps pull in
    paramiko, which the console does not load at start-up."""
    from penguin_desktop.core.servers.provision.steps import mailu_steps

    return [(step.name, step.title) for step in mailu_steps()]


def state_icon(state: str) -> tuple[str, str, str]:
    return STATE_LOOK.get(state, STATE_LOOK["pending"])


# --- small helpers for forms with inline validation --------------------------------------------
def hint_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldHint")
    label.setWordWrap(True)
    label.hide()
    return label


def set_hint(label: QLabel, text: str, kind: str = "error") -> None:
    label.setProperty("kind", kind)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setText(text)
    label.setVisible(bool(text))


def with_hint(widget: QWidget, hint: QLabel) -> QWidget:
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    column.addWidget(widget)
    column.addWidget(hint)
    return box


class PlanFields(QWidget):
    """Where MailU goes: the first mail domain, the host name, its directory and API URL, and
    the address mail leaves from when it is not the SSH address (its reverse DNS is checked)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.domain = QLineEdit()
        self.domain.setPlaceholderText("client.example")
        self.hostname = QLineEdit()
        self.hostname.setPlaceholderText("mail.<domain>")
        self.mailu_dir = QLineEdit()
        self.mailu_dir.setPlaceholderText("/mailu")
        self.mailu_url = QLineEdit()
        self.mailu_url.setPlaceholderText("https://<host name>/api/v1")
        self.public_ip = QLineEdit()
        self.public_ip.setPlaceholderText("the SSH address (set when mail leaves from another)")
        self.domain_hint, self.hostname_hint = hint_label(), hint_label()
        self.dir_hint, self.url_hint = hint_label(), hint_label()
        self.ip_hint = hint_label()
        form.addRow("&Mail domain", with_hint(self.domain, self.domain_hint))
        form.addRow("Mail &host name", with_hint(self.hostname, self.hostname_hint))
        form.addRow("MailU &directory", with_hint(self.mailu_dir, self.dir_hint))
        form.addRow("MailU &API URL", with_hint(self.mailu_url, self.url_hint))
        form.addRow("&Public IP", with_hint(self.public_ip, self.ip_hint))
        for field in (self.domain, self.hostname, self.mailu_dir, self.mailu_url, self.public_ip):
            field.textChanged.connect(self._changed)
        self.domain.textChanged.connect(self._defaults)
        self.hostname.textChanged.connect(self._defaults)

    def _defaults(self) -> None:
        """Show the defaults the service will use for what is left empty."""
        domain = self.domain.text().strip().lower().rstrip(".")
        host = self.hostname.text().strip().lower() or (f"mail.{domain}" if domain else "")
        self.hostname.setPlaceholderText(f"mail.{domain}" if domain else "mail.<domain>")
        self.mailu_url.setPlaceholderText(f"https://{host or '<host name>'}/api/v1")

    def _changed(self) -> None:
        self.problems(show=True)
        self.changed.emit()

    def problems(self, show: bool = True) -> list[str]:
        """What is wrong, in words; shown under the fields when `show`."""
        domain = self.domain.text().strip().lower().rstrip(".")
        hostname = self.hostname.text().strip().lower().rstrip(".")
        folder, url = self.mailu_dir.text().strip(), self.mailu_url.text().strip()
        public_ip = self.public_ip.text().strip()
        found: dict[QLabel, str] = {
            self.domain_hint: "Enter the first mail domain, e.g. client.example"
            if not domain
            else ""
            if DOMAIN.match(domain)
            else f"{domain!r} is not a domain name",
            self.hostname_hint: ""
            if not hostname or DOMAIN.match(hostname)
            else f"{hostname!r} is not a host name",
            self.dir_hint: ""
            if not folder or folder.startswith("/")
            else "The MailU directory must be an absolute path (/…)",
            self.url_hint: ""
            if not url or url.startswith(("http://", "https://"))
            else "The API URL starts with http:// or https://",
            self.ip_hint: ""
            if not public_ip or _is_ip(public_ip)
            else f"{public_ip!r} is not an IP",
        }
        if show:
            shown_domain = self.domain.text().strip() or self.domain_hint.isVisible()
            for label, text in found.items():
                if label is self.domain_hint and not shown_domain:
                    continue  # nothing typed yet: no red text before the user starts
                set_hint(label, text)
        return [text for text in found.values() if text]

    def values(self) -> dict[str, str | None]:
        """Keyword arguments for `ServerService.provision` (None: the service's default)."""
        return {
            "domain": self.domain.text().strip() or None,
            "hostname": self.hostname.text().strip() or None,
            "mailu_dir": self.mailu_dir.text().strip() or None,
            "mailu_url": self.mailu_url.text().strip() or None,
            "public_ip": self.public_ip.text().strip() or None,
        }


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# --- provisioning, live ------------------------------------------------------------------------
class LogRelay(QObject):
    """Created on the UI thread; the worker emits `line` and the view receives it queued."""

    line = Signal(str)


class StepList(QTreeWidget):
    """The provisioning steps, each with an icon and its state in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepList")
        self.setRootIsDecorated(False)
        self.setHeaderLabels(["Step", "State"])
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setIconSize(QSize(16, 16))
        self.setAlternatingRowColors(True)
        self.setAccessibleName("Provisioning steps")
        self.states: dict[str, str] = {}
        self.titles = step_titles()

    def show_states(self, states: dict[str, str]) -> None:
        self.states = dict(states)
        names = [name for name, _ in self.titles]
        titles = dict(self.titles)
        ordered = names + [name for name in states if name not in titles]
        self.clear()
        for number, name in enumerate(ordered, start=1):
            state = states.get(name, "pending")
            icon_name, color, words = state_icon(state)
            item = QTreeWidgetItem([f"{number}. {titles.get(name, name)}", words])
            item.setIcon(0, icon(icon_name, color))
            item.setData(0, Qt.ItemDataRole.UserRole, name)
            item.setToolTip(0, f"{titles.get(name, name)}: {words}")
            self.addTopLevelItem(item)
        self._fit()

    def _fit(self) -> None:
        """Tall enough for every step: the list is short and reads best whole."""
        rows = max(self.topLevelItemCount(), 1)
        row = self.sizeHintForRow(0) if self.topLevelItemCount() else 20
        self.setFixedHeight(self.header().sizeHint().height() + rows * max(row, 18) + 6)

    def state_of(self, name: str) -> str:
        return self.states.get(name, "pending")


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
    def show_server(self, info: ServerInfo) -> None:
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
        servers, actor = self.state.container.servers, self.state.actor
        attach = self.state.container.domain_attach
        relay = LogRelay()
        relay.line.connect(self.append)
        kwargs: dict[str, Any] = {**(plan or {}), **(options or {})}
        name, workspace = info.name, info.workspace

        def work(ctx: JobContext) -> ProvisionResult:
            result = servers.provision(
                actor, name, workspace, resume=resume, ctx=ctx, on_log=relay.line.emit, **kwargs
            )
            try:  # the hand-off to DNS: the domain's DKIM key and the server's address
                attached = attach.after_provision(actor, result)
            except PenguinError as exc:
                missed = (
                    f"the DKIM key did not reach {result.domain}'s DNS records ({exc.message}): "
                    "use Attach… on the Domains page"
                )
                return replace(result, warnings=(*result.warnings, missed))
            if attached is not None:
                relay.line.emit(
                    f"{attached.domain.display_name}: MailU's DKIM key (selector "
                    f"{attached.selector}) and the server's address are in its required "
                    "records; Fix… on the Domains page publishes them."
                )
            return result

        job = self.state.runner.start(f"Provisioning {name}", work)
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


class StartProvisionDialog(QDialog):
    """A first provisioning run needs its plan: the mail domain (the rest has defaults)."""

    def __init__(self, info: ServerInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formDialog")
        self.setWindowTitle(f"Provision {info.name}")
        self.setMinimumWidth(520)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        heading = QLabel(f"Install MailU on {info.name}")
        heading.setObjectName("dialogTitle")
        intro = QLabel(
            "MailU is installed step by step over SSH; each step is checked first, so a run that "
            "stops can be resumed. Only the mail domain is needed; the rest has defaults."
        )
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)
        outer.addWidget(heading)
        outer.addWidget(intro)
        self.plan = PlanFields()
        if info.hostname:
            self.plan.hostname.setText(info.hostname)
        outer.addWidget(self.plan)
        outer.addStretch(1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        assert ok is not None
        self.ok_button: QPushButton = ok
        self.ok_button.setText("Start provisioning")
        self.ok_button.setProperty("primary", True)
        self.ok_button.setEnabled(False)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.plan.changed.connect(lambda: self.ok_button.setEnabled(not self.plan.problems(False)))
        self.values: dict[str, str | None] = {}

    def _submit(self) -> None:
        if self.plan.problems(True):
            return
        self.values = self.plan.values()
        self.accept()


class RemoveServerDialog(JobFormDialog):
    def __init__(self, state: AppState, info: ServerInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            state.runner,
            f"Remove {info.name}?",
            f"{info.name} is forgotten by {info.workspace}, and its SSH key and MailU token are "
            "deleted from the secret store. The machine itself keeps running unless you also "
            "delete it at the provider below.",
            "Remove server",
            parent,
            danger=True,
        )
        self.state, self.info = state, info
        self.destroy_box = QCheckBox(f"Also delete the {info.provider} instance (cannot be undone)")
        if info.provider != "existing":
            self.form.addRow("", self.destroy_box)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if self.cancel_button is not None:
            self.cancel_button.setDefault(True)
            self.ok_button.setDefault(False)
            self.ok_button.setAutoDefault(False)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        servers, actor, info = self.state.container.servers, self.state.actor, self.info
        destroy = self.destroy_box.isChecked() and info.provider != "existing"
        return (
            f"Removing {info.name}",
            lambda _ctx: servers.remove(actor, info.name, info.workspace, destroy=destroy),
        )

    def working_text(self) -> str:
        return f"Removing {self.info.name}…"


class RestoreDialog(JobFormDialog):
    def __init__(
        self, state: AppState, info: ServerInfo, source: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            state.runner,
            f"Restore onto {info.name}?",
            f"The MailU configuration and DKIM keys in {source.name} are uploaded to {info.name}, "
            "replacing the files there, and its SECRET_KEY and admin token become this server's. "
            "Then run Provision to start MailU with them.",
            "Restore",
            parent,
            danger=True,
        )
        self.state, self.info, self.source = state, info, source
        self.path = QLabel(str(source))
        self.path.setWordWrap(True)
        self.mailu_dir = QLineEdit()
        self.mailu_dir.setPlaceholderText("this server's own (default /mailu)")
        self.form.addRow("Archive", self.path)
        self.form.addRow("MailU &directory", self.mailu_dir)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        folder = self.mailu_dir.text().strip() or None
        if folder is not None and not folder.startswith("/"):
            raise ValidationError("the MailU directory must be an absolute path (/…)")
        servers, actor, info, source = (
            self.state.container.servers,
            self.state.actor,
            self.info,
            self.source,
        )
        return (
            f"Restoring onto {info.name}",
            lambda _ctx: servers.restore(actor, info.name, source, info.workspace, folder),
        )

    def working_text(self) -> str:
        return f"Uploading the configuration to {self.info.name}…"
