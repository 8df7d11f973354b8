"""The New server wizard: create a VPS at Hostwinds or adopt an existing server, then trust its
host key and install MailU, all with a live log.

Page 1 chooses the path, page 2 takes its fields (checked as you type), page 3 does the work:
record the server (adopt, or create and wait for the provider), ask about its host key in the
host-key dialog, then provision with steps, progress and log. Cancel stops the running job; a
cancelled or failed run is resumed later from the Servers page. Nothing slow runs on the UI
thread, and a failure before the server is recorded leaves the fields as typed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.servers.models import AdoptResult, ServerInfo, ServerStatus
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged
from penguin_desktop.ui.servers.forms import (
    LogRelay,
    PlanFields,
    ProvisionView,
    hint_label,
    set_hint,
    with_hint,
)
from penguin_desktop.ui.servers.host_key import (
    HostKeyChangedDialog,
    HostKeyDialog,
    HostKeyOffer,
    monospace,
)
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.form import password_field
from penguin_desktop.ui.widgets.inline_message import InlineMessage

_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
CREATE, ADOPT = "create", "adopt"
PAGE_KIND, PAGE_DETAILS, PAGE_RUN = range(3)


def _intro(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("dialogIntro")
    label.setWordWrap(True)
    return label


class KindPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("New mail server")
        self.setSubTitle("Where does the server come from?")
        column = QVBoxLayout(self)
        column.setSpacing(6)
        self.create_choice = QRadioButton("&Create a VPS with a provider (Hostwinds)")
        self.adopt_choice = QRadioButton("&Adopt an existing server")
        self.group = QButtonGroup(self)
        self.group.addButton(self.create_choice)
        self.group.addButton(self.adopt_choice)
        self.adopt_choice.setChecked(True)
        column.addWidget(self.create_choice)
        create_text = _intro(
            "We order a new VPS through the Hostwinds API (its API key comes from the secret "
            "store), with a fresh SSH key made for it, set its reverse DNS, and wait until it "
            "runs. The provider bills you for it."
        )
        create_text.setContentsMargins(24, 0, 0, 12)
        column.addWidget(create_text)
        column.addWidget(self.adopt_choice)
        adopt_text = _intro(
            "A server you already have, reached over SSH: give its address and a login key "
            "(or let us make one for you to authorize). If it already runs MailU, connect to "
            "its admin API instead of installing."
        )
        adopt_text.setContentsMargins(24, 0, 0, 0)
        column.addWidget(adopt_text)
        column.addStretch(1)

    @property
    def kind(self) -> str:
        return CREATE if self.create_choice.isChecked() else ADOPT


class DetailsPage(QWizardPage):
    """The fields of the chosen path, each checked as you type."""

    def __init__(self, state: AppState, workspace: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.kind = ADOPT
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        inner.setObjectName("scrollInner")
        scroll.setWidget(inner)
        outer.addWidget(scroll)
        column = QVBoxLayout(inner)
        column.setContentsMargins(4, 4, 12, 4)
        column.setSpacing(10)

        common = QFormLayout()
        common.setSpacing(8)
        common.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.workspace = QComboBox()
        for ws in state.active_workspaces:
            if state.can(Permission.SERVER_MANAGE, ws):
                self.workspace.addItem(ws.name, ws.name)
        index = self.workspace.findData(workspace)
        if index >= 0:
            self.workspace.setCurrentIndex(index)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. mx1")
        self.name_hint = hint_label()
        common.addRow("&Workspace", self.workspace)
        common.addRow("Server &name", with_hint(self.name, self.name_hint))
        column.addLayout(common)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._create_fields())
        self.stack.addWidget(self._adopt_fields())
        column.addWidget(self.stack)

        mailu = QGroupBox("MailU")
        mailu_column = QVBoxLayout(mailu)
        self.install = QCheckBox("&Install MailU on it now")
        self.install.setChecked(True)
        self.plan = PlanFields()
        mailu_column.addWidget(self.install)
        mailu_column.addWidget(self.plan)
        column.addWidget(mailu)
        column.addStretch(1)
        self.message = InlineMessage()
        outer.addWidget(self.message)

        self.touched: set[QWidget] = set()
        for field in (
            self.name, self.host, self.user, self.key_file, self.mailu_url, self.mailu_token,
            self.region, self.plan_id, self.image,
        ):  # fmt: skip
            field.textChanged.connect(lambda _text, f=field: self._touched(f))
        for box in (self.install, self.existing):
            box.toggled.connect(lambda _on: self._update())
        self.plan.changed.connect(self._update)
        self.existing.toggled.connect(self._existing_toggled)

    def _create_fields(self) -> QWidget:
        box = QGroupBox("Hostwinds VPS")
        form = QFormLayout(box)
        form.setSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.region = QLineEdit()
        self.region.setPlaceholderText("Hostwinds location ID, e.g. 2")
        self.plan_id = QLineEdit()
        self.plan_id.setPlaceholderText("Hostwinds plan / product ID, e.g. 1001")
        self.image = QLineEdit()
        self.image.setPlaceholderText("OS image, e.g. ubuntu-24.04")
        self.api_key_secret = QLineEdit()
        self.api_key_secret.setPlaceholderText("provider/hostwinds")
        self.create_port = QSpinBox()
        self.create_port.setRange(1, 65535)
        self.create_port.setValue(22)
        self.region_hint, self.plan_hint, self.image_hint = hint_label(), hint_label(), hint_label()
        form.addRow("&Region", with_hint(self.region, self.region_hint))
        form.addRow("&Plan", with_hint(self.plan_id, self.plan_hint))
        form.addRow("&Image", with_hint(self.image, self.image_hint))
        form.addRow("API key &secret", self.api_key_secret)
        form.addRow("SSH p&ort", self.create_port)
        note = QLabel(
            "The API key is read from the workspace's secret store (store it on the Secrets page "
            "first). The mail host name below becomes the IP's reverse DNS."
        )
        note.setObjectName("footnote")
        note.setWordWrap(True)
        form.addRow("", note)
        return box

    def _adopt_fields(self) -> QWidget:
        box = QGroupBox("SSH connection")
        form = QFormLayout(box)
        form.setSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.host = QLineEdit()
        self.host.setPlaceholderText("IP address or host name")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(22)
        self.user = QLineEdit("root")
        self.key_file = QLineEdit()
        self.key_file.setPlaceholderText("empty: generate a new ed25519 key for this server")
        self.browse = QPushButton("&Browse…")
        self.browse.clicked.connect(self._browse)
        key_row = QWidget()
        row = QHBoxLayout(key_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.key_file, 1)
        row.addWidget(self.browse)
        self.host_hint, self.user_hint, self.key_hint = hint_label(), hint_label(), hint_label()
        form.addRow("&Host", with_hint(self.host, self.host_hint))
        form.addRow("SSH p&ort", self.port)
        form.addRow("SSH &user", with_hint(self.user, self.user_hint))
        form.addRow("Private &key file", with_hint(key_row, self.key_hint))
        self.existing = QCheckBox("It already runs &MailU: connect to its admin API")
        self.mailu_url = QLineEdit()
        self.mailu_url.setPlaceholderText("https://mail.client.example/api/v1")
        self.mailu_token = password_field("MailU admin API token")
        self.url_hint, self.token_hint = hint_label(), hint_label()
        self.existing_fields = QWidget()
        existing_form = QFormLayout(self.existing_fields)
        existing_form.setContentsMargins(0, 0, 0, 0)
        existing_form.addRow("MailU API &URL", with_hint(self.mailu_url, self.url_hint))
        existing_form.addRow("API &token", with_hint(self.mailu_token, self.token_hint))
        self.existing_fields.setVisible(False)
        form.addRow("", self.existing)
        form.addRow(self.existing_fields)
        return box

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "SSH private key", str(Path.home() / ".ssh"), "All files (*)"
        )
        if name:
            self.key_file.setText(name)

    def _existing_toggled(self, on: bool) -> None:
        self.existing_fields.setVisible(on)
        self.install.setChecked(not on)

    def _touched(self, field: QWidget) -> None:
        self.touched.add(field)
        self._update()

    def _update(self) -> None:
        self.plan.setEnabled(self.install.isChecked())
        self.problems(show=True)
        self.completeChanged.emit()

    def initializePage(self) -> None:
        wizard = self.wizard()
        self.kind = wizard.kind_page.kind if isinstance(wizard, NewServerWizard) else ADOPT
        creating = self.kind == CREATE
        self.stack.setCurrentIndex(0 if creating else 1)
        for index in range(self.stack.count()):  # the stack takes the height of the shown form
            policy = (
                QSizePolicy.Policy.Preferred
                if index == self.stack.currentIndex()
                else QSizePolicy.Policy.Ignored
            )
            widget = self.stack.widget(index)
            if widget is not None:
                widget.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        self.setTitle("A new VPS at Hostwinds" if creating else "Adopt an existing server")
        self.setSubTitle(
            "The VPS is ordered when you click Next."
            if creating
            else "Nothing is saved until the server answers on SSH (next page)."
        )
        if self.workspace.count() == 0:
            self.message.show_error(
                "You may add servers in none of your workspaces: only admins and owners can."
            )
        self.name.setFocus()
        self._update()

    # --- checking -------------------------------------------------------------------------------
    def problems(self, show: bool = False) -> list[str]:
        # Imported when the wizard is in use: the server service pulls in paramiko.
        from penguin_desktop.core.servers.service import clean_server_name

        found: dict[QLabel, str] = {}
        touched = self.touched

        def put(label: QLabel, field: QWidget, text: str) -> None:
            found[label] = text
            if show:
                set_hint(label, text if field in touched else "")

        name = self.name.text().strip()
        try:
            clean_server_name(name)
            put(self.name_hint, self.name, "")
        except PenguinError as error:
            put(self.name_hint, self.name, "Enter a name" if not name else describe(error))
        if self.kind == CREATE:
            for field, label, what in (
                (self.region, self.region_hint, "region"),
                (self.plan_id, self.plan_hint, "plan"),
                (self.image, self.image_hint, "image"),
            ):
                put(label, field, "" if field.text().strip() else f"Enter the {what}")
        else:
            put(self.host_hint, self.host, "" if self.host.text().strip() else "Enter the address")
            user = self.user.text().strip()
            put(
                self.user_hint,
                self.user,
                "" if _USER.match(user) else f"{user!r} is not a user name on Linux",
            )
            put(self.key_hint, self.key_file, self._key_problem())
            if self.existing.isChecked():
                url = self.mailu_url.text().strip()
                put(
                    self.url_hint,
                    self.mailu_url,
                    "" if url.startswith(("http://", "https://")) else "Enter http(s)://…/api/v1",
                )
                put(
                    self.token_hint,
                    self.mailu_token,
                    "" if self.mailu_token.text() else "Enter its admin API token",
                )
        issues = [text for text in found.values() if text]
        if self.install.isChecked():
            issues += self.plan.problems(show=show)
        if self.workspace.count() == 0:
            issues.append("no workspace")
        return issues

    def _key_problem(self) -> str:
        raw = self.key_file.text().strip()
        if not raw:
            return ""
        path = Path(raw).expanduser()
        if not path.is_file():
            return f"No file at {path}"
        from penguin_desktop.core.servers.ssh.keys import load_private_key

        try:
            load_private_key(path.read_text(errors="replace"))
        except OSError as exc:
            return f"Cannot read {path}: {exc.strerror or exc}"
        except PenguinError as error:
            return describe(error)
        return ""

    def isComplete(self) -> bool:
        return not self.problems(show=False)

    def private_key(self) -> str | None:
        raw = self.key_file.text().strip()
        return Path(raw).expanduser().read_text() if raw else None


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
        wizard = self.wizard()
        assert isinstance(wizard, NewServerWizard)
        return wizard

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
        servers, actor = self.state.container.servers, self.state.actor
        workspace = str(details.workspace.currentData())
        name = details.name.text().strip()
        relay = LogRelay()
        relay.line.connect(self.view.append)
        work: Any
        if details.kind == CREATE:
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
            options = dict(wizard.create_options)

            def work(ctx: JobContext) -> AdoptResult:
                return servers.create(
                    actor, workspace, name, "hostwinds", region, plan_id, image,
                    hostname=hostname, api_key_secret=secret, ssh_port=port, ctx=ctx,
                    on_log=relay.line.emit, **options,
                )  # fmt: skip

            title = f"Creating {name} at Hostwinds"
            self.headline.setText(f"Ordering {name} at Hostwinds and waiting until it runs…")
        else:
            host, port, user = (
                details.host.text().strip(),
                details.port.value(),
                details.user.text(),
            )
            try:
                key = details.private_key()
            except OSError as exc:
                self._record_failed(exc)
                return
            existing = details.existing.isChecked()
            url = details.mailu_url.text().strip() if existing else None
            token = details.mailu_token.text() if existing else None

            def work(_ctx: JobContext) -> AdoptResult:
                return servers.adopt(
                    actor, workspace, name, host, port, user.strip(), private_key=key,
                    mailu_url=url, mailu_token=token,
                )  # fmt: skip

            title = f"Adopting {name}"
            self.headline.setText(f"Connecting to {host}:{port}…")
            self.view.append(f"Reading the SSH host key of {host}:{port} (no login yet)…")
        job = self.state.runner.start(title, work)
        job.relay = relay  # type: ignore[attr-defined]
        self.record_job = job
        self.view.track(job, f"{title}…")
        job.signals.finished.connect(self._recorded)
        job.signals.failed.connect(self._record_failed)
        job.signals.cancelled.connect(self._record_cancelled)

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


class NewServerWizard(QWizard):
    server_changed = Signal(str, str)  # workspace, name: the Servers page reloads

    def __init__(self, state: AppState, workspace: str | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.setObjectName("newServerWizard")
        self.setWindowTitle("New server")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Done")
        self.resize(780, 700)
        self.provision_options: dict[str, Any] = {}  # e.g. poll_s, for tests and slow links
        self.create_options: dict[str, Any] = {}
        self.kind_page = KindPage()
        self.details_page = DetailsPage(state, workspace)
        self.run_page = RunPage(state)
        self.setPage(PAGE_KIND, self.kind_page)
        self.setPage(PAGE_DETAILS, self.details_page)
        self.setPage(PAGE_RUN, self.run_page)
        self.details_page.setButtonText(QWizard.WizardButton.NextButton, "&Start")

    def reject(self) -> None:
        """Esc, Cancel, the window's close button or the idle lock: stop a running job (it
        ends after its current command) and close; a cancelled run resumes from the page."""
        if self.run_page.busy:
            self.run_page.cancel()
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        self._dispose_when_idle()

    def _dispose_when_idle(self) -> None:
        """A closed wizard is deleted once its jobs have ended (their results have nowhere to
        go before that). Left alive, a QWizard breaks a later application-wide style change."""
        if self.run_page.busy:
            QTimer.singleShot(200, self._dispose_when_idle)
        else:
            self.deleteLater()
