"""The last page of the New server wizard, where the work happens: record the server (adopt
it, or order the VPS and wait for the provider), ask about its host key, show a generated SSH key
to authorize, then provision MailU with steps, progress and a live log.

Every step runs on a worker; Cancel stops the running one. A failure before the server is
recorded offers to go back with the fields as typed; later ones leave a saved server that the
Servers page resumes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.models import AdoptResult, ServerInfo, ServerStatus
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged
from penguin_desktop.ui.servers.host_key import (
    HostKeyChangedDialog,
    HostKeyDialog,
    HostKeyOffer,
    monospace,
)
from penguin_desktop.ui.servers.provision_view import LogRelay, ProvisionView
from penguin_desktop.ui.servers.wizard_details import ADOPT, CREATE, DetailsPage
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job

if TYPE_CHECKING:  # the wizard imports this page
    from penguin_desktop.ui.servers.wizard import NewServerWizard

Work = Callable[[JobContext], AdoptResult]


class RunPage(QWizardPage):
    """Record the server, trust its host key, provision: live, cancellable."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setTitle("Setting up the server")
        self.setSubTitle("Everything runs in the background; Cancel stops after the current step.")
        column = QVBoxLayout(self)
        column.setSpacing(8)
        self.headline = QLabel()
        self.headline.setObjectName("sectionTitle")
        self.headline.setWordWrap(True)
        column.addWidget(self.headline)
        self.key_panel = QGroupBox("Authorize the new SSH key on the server")
        key_column = QVBoxLayout(self.key_panel)
        key_text = QLabel(
            "We made an ed25519 key for this server (its private half is in the secret store). "
            "Add this line to ~/.ssh/authorized_keys of the SSH user on the server, then continue."
        )
        key_text.setWordWrap(True)
        self.public_key = QLineEdit()
        self.public_key.setReadOnly(True)
        monospace(self.public_key)
        key_row = QHBoxLayout()
        self.copy_key = QPushButton("Cop&y")
        self.copy_key.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.public_key.text())
        )
        self.continue_button = QPushButton("I added it — c&ontinue")
        self.continue_button.setProperty("primary", True)
        self.continue_button.clicked.connect(self._key_added)
        key_row.addWidget(self.public_key, 1)
        key_row.addWidget(self.copy_key)
        key_row.addWidget(self.continue_button)
        key_column.addWidget(key_text)
        key_column.addLayout(key_row)
        self.key_panel.hide()
        column.addWidget(self.key_panel)
        self.view = ProvisionView(state)
        column.addWidget(self.view, 1)
        self.back_button = QPushButton("← &Change the details")
        self.back_button.hide()
        self.back_button.clicked.connect(self._go_back)
        column.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.view.ended.connect(self._provision_ended)
        self.info: ServerInfo | None = None
        self.adopted: AdoptResult | None = None
        self.record_job: Job | None = None
        self.host_key_dialog: HostKeyDialog | HostKeyChangedDialog | None = None
        self.finished_flow = False
        self.outcome = ""

    # --- the wizard around it -------------------------------------------------------------------
    def _wizard(self) -> NewServerWizard:
        """This page only ever sits in the New server wizard, which imports this module."""
        return cast("NewServerWizard", self.wizard())

    def isComplete(self) -> bool:
        return self.finished_flow

    @property
    def busy(self) -> bool:
        return self.record_job is not None or self.view.running

    def cancel(self) -> None:
        self.view.cancel()

    def initializePage(self) -> None:
        self.finished_flow = False
        self.outcome = ""
        self.back_button.hide()
        self.key_panel.hide()
        self.view.log.clear()
        self.view.message.clear_message()
        self.view.expect(self._wizard().details_page.install.isChecked())
        self.completeChanged.emit()
        self._record()

    def _go_back(self) -> None:
        self._wizard().back()

    def _finish(self, outcome: str, headline: str) -> None:
        self.outcome = outcome
        self.finished_flow = True
        self.headline.setText(headline)
        self.completeChanged.emit()
        wizard = self._wizard()
        if self.info is not None:
            wizard.server_changed.emit(self.info.workspace, self.info.name)
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        if finish is not None:
            finish.setFocus()

    # --- 1. record the server -------------------------------------------------------------------
    def _record(self) -> None:
        wizard = self._wizard()
        details = wizard.details_page
        relay = LogRelay()
        relay.line.connect(self.view.append)
        if details.kind == CREATE:
            title, work = self._create_work(details, relay, wizard.create_options)
        else:
            try:
                title, work = self._adopt_work(details)
            except OSError as exc:
                self._record_failed(exc)
                return
        job = self.state.runner.start(title, work, owner=self)
        job.relay = relay  # type: ignore[attr-defined]
        self.record_job = job
        self.view.track(job, f"{title}…")
        job.signals.finished.connect(self._recorded)
        job.signals.failed.connect(self._record_failed)
        job.signals.cancelled.connect(self._record_cancelled)

    def _create_work(
        self, details: DetailsPage, relay: LogRelay, options: dict[str, Any]
    ) -> tuple[str, Work]:
        """Order the VPS and wait until it runs; the provider's progress goes to the log."""
        servers, actor = self.state.container.servers, self.state.actor
        workspace = str(details.workspace.currentData())
        name = details.name.text().strip()
        plan = details.plan.values() if details.install.isChecked() else {}
        domain = plan.get("domain")
        hostname = plan.get("hostname") or (f"mail.{domain}" if domain else None)
        region, plan_id, image = (
            details.region.text().strip(),
            details.plan_id.text().strip(),
            details.image.text().strip(),
        )
        secret = details.api_key_secret.text().strip() or None
        port = details.create_port.value()
        settings = dict(options)

        def work(ctx: JobContext) -> AdoptResult:
            return servers.create(
                actor, workspace, name, "hostwinds", region, plan_id, image,
                hostname=hostname, api_key_secret=secret, ssh_port=port, ctx=ctx,
                on_log=relay.line.emit, **settings,
            )  # fmt: skip

        self.headline.setText(f"Ordering {name} at Hostwinds and waiting until it runs…")
        return f"Creating {name} at Hostwinds", work

    def _adopt_work(self, details: DetailsPage) -> tuple[str, Work]:
        """Read the host key and log in; raises OSError when the key file cannot be read."""
        servers, actor = self.state.container.servers, self.state.actor
        workspace = str(details.workspace.currentData())
        name = details.name.text().strip()
        host, port, user = (
            details.host.text().strip(),
            details.port.value(),
            details.user.text(),
        )
        key = details.private_key()
        existing = details.existing.isChecked()
        url = details.mailu_url.text().strip() if existing else None
        token = details.mailu_token.text() if existing else None

        def work(_ctx: JobContext) -> AdoptResult:
            return servers.adopt(
                actor, workspace, name, host, port, user.strip(), private_key=key,
                mailu_url=url, mailu_token=token,
            )  # fmt: skip

        self.headline.setText(f"Connecting to {host}:{port}…")
        self.view.append(f"Reading the SSH host key of {host}:{port} (no login yet)…")
        return f"Adopting {name}", work

    def _recorded(self, result: AdoptResult) -> None:
        self.record_job = None
        self.adopted, self.info = result, result.server
        info = result.server
        self.view.message.clear_message()
        self.view.append(
            f"{info.name} saved in {info.workspace} ({info.ssh_user}@{info.ip}:{info.ssh_port})"
        )
        self._wizard().server_changed.emit(info.workspace, info.name)
        self._trust()

    def _record_failed(self, error: BaseException) -> None:
        self.record_job = None
        self.view.append(f"— stopped: {describe(error)} —")
        self.view.message.show_error(
            f"{describe(error)}\nNothing was saved. Go back, correct the details and try again."
        )
        self.headline.setText("The server could not be added")
        self.back_button.show()
        self.back_button.setFocus()

    def _record_cancelled(self, text: str) -> None:
        self.record_job = None
        self.view.append(f"— {text} —")
        self.view.message.show_info(f"{text}. Nothing was kept.")
        self.headline.setText("Cancelled")
        self.back_button.show()

    # --- 2. host key ----------------------------------------------------------------------------
    def _trust(self) -> None:
        info = self.info
        assert info is not None
        if info.status is not ServerStatus.HOST_KEY_PENDING:
            self.view.append(f"Host key pinned: {info.host_key_fingerprint}")
            self._authorize()
            return
        self.headline.setText(f"Check the host key of {info.name}")
        self.view.append(
            f"The server presents host key {info.offered_fingerprint}"
            if info.offered_fingerprint
            else "Its host key could not be read yet: reading it again…"
        )
        dialog = HostKeyDialog(self.state, HostKeyOffer.of(info), self)
        dialog.accepted.connect(lambda: self._trusted(dialog))
        dialog.rejected.connect(self._not_trusted)
        self.host_key_dialog = dialog
        dialog.open()

    def _trusted(self, dialog: HostKeyDialog) -> None:
        self.host_key_dialog = None
        if dialog.result_value is not None:
            self.info = dialog.result_value
        assert self.info is not None
        self.view.append(f"Host key trusted and pinned: {self.info.host_key_fingerprint}")
        self._authorize()

    def _not_trusted(self) -> None:
        self.host_key_dialog = None
        assert self.info is not None
        self.view.append("Host key not trusted: nothing was sent to the server.")
        self.view.message.show_info(
            "The server is saved, but nothing is sent to it until you trust its host key. "
            "Do that from the Servers page (Review host key…), then Provision."
        )
        self._finish("untrusted", f"{self.info.name} is saved; its host key is not trusted yet")

    # --- 3. authorize a generated key, then provision -------------------------------------------
    def _authorize(self) -> None:
        details = self._wizard().details_page
        if self.adopted is not None and self.adopted.generated_key and details.kind == ADOPT:
            self.public_key.setText(self.adopted.public_key)
            self.key_panel.show()
            if details.install.isChecked():
                self.headline.setText("Authorize the new SSH key, then continue")
                self.continue_button.show()
                self.continue_button.setFocus()
                return
            self.continue_button.hide()
        self._provision()

    def _key_added(self) -> None:
        self.continue_button.setEnabled(False)
        self._provision()

    def _provision(self) -> None:
        info = self.info
        assert info is not None
        wizard = self._wizard()
        details = wizard.details_page
        if not details.install.isChecked():
            self.view.message.show_success(f"{info.name} is ready.")
            self._finish(
                "done", f"{info.name} is added. Provision it any time from the Servers page."
            )
            return
        self.headline.setText(f"Installing MailU on {info.name}")
        self.view.start(
            info, resume=False, plan=details.plan.values(), options=wizard.provision_options
        )

    def _provision_ended(self, outcome: str) -> None:
        info = self.info
        name = info.name if info else "the server"
        if outcome == "done":
            self._finish("done", f"MailU is installed on {name}")
            return
        error = self.view.error
        if isinstance(error, HostKeyChanged) and info is not None:
            dialog = HostKeyChangedDialog(self.state, info, error.offered, error.pinned, self)
            self.host_key_dialog = dialog
            dialog.open()
        self._finish(
            outcome,
            f"Provisioning {name} was cancelled"
            if outcome == "cancelled"
            else f"Provisioning {name} stopped",
        )
