"""Secrets → the backend: which store is active and why, choosing one (for the organization or,
as an override, for one workspace), Vault's settings, and a real connection test.

Tokens and AppRole secret IDs typed here go straight to core (`set_backend`), which keeps them
in the OS keyring or the encrypted file; the fields are emptied right after.

A few lines past the ~400-line habit since switching became a job (a Vault is checked before
it is used): the card's three parts (status, choice with Vault's form, test) share its state
and permission checks; splitting them would pass that state between three widgets.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from penguin_desktop import log
from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.secrets import BackendKind, VaultConfig
from penguin_desktop.core.secrets.models import BackendInfo
from penguin_desktop.ui.secrets.labels import backend_label, backend_noun, status_text
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.form import password_field
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.page import action_button

ORG = "org"
WORKSPACE = "workspace"
LOGIN_TOKEN = "token"
LOGIN_APPROLE = "approle"


class BackendCard(Card):
    saved = Signal(object)  # BackendInfo of the scope just saved

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            "Secret backend",
            "Where new secret values are stored. Values already stored stay where they are "
            "until you migrate them.",
            parent,
        )
        self.state = state
        self.info: BackendInfo | None = None
        self.test_job: Job | None = None
        self.save_job: Job | None = None

        self.add(_holder(self._build_status()))
        self.test_message = InlineMessage()
        self.add(self.test_message)
        rule = QFrame()
        rule.setObjectName("rule")
        rule.setFrameShape(QFrame.Shape.HLine)
        self.add(rule)
        self.add(_holder(self._build_chooser()))
        self.vault_box = QWidget()
        self.vault_box.setObjectName("vaultForm")
        columns = QHBoxLayout(self.vault_box)
        columns.setContentsMargins(0, 4, 0, 0)
        columns.setSpacing(28)
        columns.addLayout(self._build_vault_server(), 1)
        columns.addLayout(self._build_vault_login(), 1)
        self.add(self.vault_box)
        self.save_message = InlineMessage()
        self.add(self.save_message)

        self.scope.currentIndexChanged.connect(self._scope_changed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.login.currentIndexChanged.connect(self._login_changed)
        self._login_changed()
        self._kind_changed()

    def _build_status(self) -> QHBoxLayout:
        """What is active and why, with the connection test beside it."""
        row = QHBoxLayout()
        row.setSpacing(10)
        self.status_icon = QLabel()
        self.status_icon.setPixmap(icon("shield", theme.ACCENT).pixmap(QSize(26, 26)))
        self.status = QLabel()
        self.status.setObjectName("backendStatus")
        self.status.setWordWrap(True)
        self.test_button = action_button("Test connection", "plug")
        self.test_button.clicked.connect(self.start_test)
        row.addWidget(self.status_icon)
        row.addWidget(self.status, 1)
        row.addWidget(self.test_button)
        return row

    def _build_chooser(self) -> QGridLayout:
        """Scope and backend side by side, captions above, and the button that saves them."""
        chooser = QGridLayout()
        chooser.setHorizontalSpacing(10)
        chooser.setVerticalSpacing(4)
        self.scope = QComboBox()
        self.scope.setMinimumWidth(260)
        self.kind = QComboBox()
        self.kind.setMinimumWidth(200)
        for kind in (BackendKind.KEYRING, BackendKind.VAULT, BackendKind.FILE):
            self.kind.addItem(backend_label(kind.value), kind.value)
        self.save_button = QPushButton("Use this backend")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        for column, (caption, widget) in enumerate(
            (("Applies to", self.scope), ("Backend", self.kind))
        ):
            label = QLabel(caption)
            label.setObjectName("fieldCaption")
            label.setBuddy(widget)
            chooser.addWidget(label, 0, column)
            chooser.addWidget(widget, 1, column)
        chooser.addWidget(self.save_button, 1, 2)
        chooser.setColumnStretch(3, 1)
        return chooser

    def _build_vault_server(self) -> QFormLayout:
        where = _form()
        self.address = QLineEdit()
        self.address.setPlaceholderText("https://vault.example.com:8200")
        self.mount = QLineEdit("secret")
        self.mount.setPlaceholderText("secret")
        self.namespace = QLineEdit()
        self.namespace.setPlaceholderText("optional (HCP Vault: admin)")
        self.cacert = QLineEdit()
        self.cacert.setPlaceholderText("optional: PEM file of the CA")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_cacert)
        cacert_row = QHBoxLayout()
        cacert_row.setSpacing(6)
        cacert_row.addWidget(self.cacert, 1)
        cacert_row.addWidget(browse)
        where.addRow(_subhead("Vault server"))
        where.addRow("Address", self.address)
        where.addRow("KV v2 mount", self.mount)
        where.addRow("Namespace", self.namespace)
        where.addRow("CA certificate", cacert_row)
        return where

    def _build_vault_login(self) -> QFormLayout:
        login = _form()
        self.login = QComboBox()
        self.login.addItem("Token", LOGIN_TOKEN)
        self.login.addItem("AppRole (role ID + secret ID)", LOGIN_APPROLE)
        self.token = password_field("Vault token (s.… / hvs.…)")
        self.role_id = QLineEdit()
        self.role_id.setPlaceholderText("role ID")
        self.secret_id = password_field("secret ID")
        self.login_hint = QLabel(
            "Kept in the OS keyring or the encrypted file, never in the database. Type it "
            "again whenever you save."
        )
        self.login_hint.setObjectName("fieldHint")
        self.login_hint.setWordWrap(True)
        login.addRow(_subhead("Login"))
        login.addRow("Method", self.login)
        login.addRow("Token", self.token)
        login.addRow("Role ID", self.role_id)
        login.addRow("Secret ID", self.secret_id)
        login.addRow("", self.login_hint)
        self.login_form = login
        return login

    # --- loading --------------------------------------------------------------------------------
    @property
    def workspace(self) -> WorkspaceInfo | None:
        return self.state.current

    def reload(self) -> None:
        """Show the active backend of the current workspace and fill the chooser."""
        ws = self.workspace
        self.save_message.clear_message()
        may_list = ws is not None and self.state.can(Permission.SECRET_LIST, ws)
        name = ws.name if may_list and ws is not None else None
        try:
            self.info = self.state.container.secrets.backend_info(self.state.actor, name)
        except PenguinError as error:
            self.info = None
            self.status.setText(str(error))
            return
        self.status.setText(status_text(self.info, name))
        self.scope.blockSignals(True)
        chosen = self.scope.currentData()
        self.scope.clear()
        self.scope.addItem("The organization (every workspace)", ORG)
        if ws is not None:
            self.scope.addItem(f"{ws.name} only (workspace override)", WORKSPACE)
        override = ws is not None and self.info.scope != ORG
        wanted = chosen if chosen in (ORG, WORKSPACE) else (WORKSPACE if override else ORG)
        index = self.scope.findData(wanted)
        self.scope.setCurrentIndex(max(index, 0))
        self.scope.blockSignals(False)
        self._scope_changed()
        self._update_actions()

    def _scope_changed(self) -> None:
        """Fill the chooser with what the chosen scope uses now."""
        scope_ws = self._scope_workspace()
        info: BackendInfo | None
        try:
            info = self.state.container.secrets.backend_info(self.state.actor, scope_ws)
        except PenguinError:
            info = self.info
        if info is not None:
            self.kind.setCurrentIndex(max(self.kind.findData(info.kind), 0))
            settings = info.settings
            self.address.setText(settings.get("address", ""))
            self.mount.setText(settings.get("mount", "secret"))
            self.namespace.setText(settings.get("namespace", ""))
            self.cacert.setText(settings.get("cacert", ""))
            self.role_id.setText(settings.get("role_id", ""))
            self.login.setCurrentIndex(1 if settings.get("role_id") else 0)
        self._update_actions()

    def _scope_workspace(self) -> str | None:
        ws = self.workspace
        if self.scope.currentData() == WORKSPACE and ws is not None:
            return ws.name
        return None

    def _kind_changed(self) -> None:
        self.vault_box.setVisible(self.kind.currentData() == BackendKind.VAULT.value)

    def _login_changed(self) -> None:
        approle = self.login.currentData() == LOGIN_APPROLE
        self.login_form.setRowVisible(self.token, not approle)
        self.login_form.setRowVisible(self.role_id, approle)
        self.login_form.setRowVisible(self.secret_id, approle)

    def _browse_cacert(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "CA certificate for Vault", str(Path.home()), "PEM files (*.pem *.crt);;All (*)"
        )
        if name:
            self.cacert.setText(name)

    # --- permissions ----------------------------------------------------------------------------
    def may_choose(self) -> bool:
        if self.scope.currentData() == WORKSPACE:
            ws = self.workspace
            return (
                ws is not None
                and not ws.archived
                and self.state.can(Permission.SECRET_BACKEND_OVERRIDE, ws)
            )
        return self.state.can(Permission.SECRET_BACKEND_SET)

    def _update_actions(self) -> None:
        may = self.may_choose() and self.save_job is None
        for widget in (self.kind, self.save_button, self.vault_box):
            widget.setEnabled(may)
        if may:
            tip = ""
        elif self.scope.currentData() == WORKSPACE:
            tip = "Only owners and admins of the workspace give it its own backend"
        else:
            tip = "Only organization owners and admins choose the secret backend"
        for widget in (self.kind, self.save_button):
            widget.setToolTip(tip)
        ws = self.workspace
        may_test = ws is None or self.state.can(Permission.SECRET_LIST, ws)
        self.test_button.setEnabled(may_test and self.test_job is None)
        self.test_button.setToolTip(
            "Testing… (see the status bar)"
            if self.test_job is not None
            else "Connect to the active backend for real and say what answered"
        )

    # --- saving ---------------------------------------------------------------------------------
    def vault_settings(self) -> tuple[VaultConfig, str | None, str | None]:
        """The Vault form as core takes it: settings, token, secret ID."""
        address = self.address.text().strip()
        if not address:
            raise ValidationError("Vault needs an address, e.g. https://vault.example.com:8200")
        approle = self.login.currentData() == LOGIN_APPROLE
        role_id = self.role_id.text().strip() if approle else ""
        if approle and not role_id:
            raise ValidationError("AppRole login needs a role ID")
        config = VaultConfig(
            address=address,
            mount=self.mount.text().strip() or "secret",
            namespace=self.namespace.text().strip() or None,
            role_id=role_id or None,
            cacert=self.cacert.text().strip() or None,
        )
        token = None if approle else (self.token.text() or None)
        secret_id = (self.secret_id.text() or None) if approle else None
        if approle and secret_id is None:
            raise ValidationError("AppRole login needs a secret ID")
        if not approle and token is None:
            raise ValidationError("Vault needs a token (or choose AppRole login)")
        for value in (token, secret_id):
            if value:
                log.redact(value)
        return config, token, secret_id

    def save(self) -> None:
        self.save_message.clear_message()
        kind = BackendKind(self.kind.currentData())
        try:
            vault = self.vault_settings() if kind is BackendKind.VAULT else None
        except PenguinError as error:
            self.save_message.show_error(error)
            return
        with_file_unlocked(
            self, self.state.container, {kind.value}, lambda: self._save(kind, vault)
        )

    def _save(
        self, kind: BackendKind, vault: tuple[VaultConfig, str | None, str | None] | None
    ) -> None:
        """Switch off the UI thread: core checks a Vault before switching to it, and a Vault
        that does not answer would hold the window until the connection timed out."""
        config, token, secret_id = vault if vault is not None else (None, None, None)
        self.token.clear()
        self.secret_id.clear()
        scope_ws = self._scope_workspace()
        secrets, actor = self.state.container.secrets, self.state.actor
        job = self.state.runner.start(
            "Switching the secret backend",
            lambda _ctx: secrets.set_backend(actor, kind, scope_ws, config, token, secret_id),
        )
        self.save_job = job
        self.save_message.show_info(f"Checking {backend_noun(kind.value)}…")
        job.signals.finished.connect(lambda info: self._saved(info, scope_ws))
        job.signals.failed.connect(self.save_message.show_error)
        job.signals.ended.connect(self._save_ended)
        self._update_actions()

    def _saved(self, info: BackendInfo, scope_ws: str | None) -> None:
        where = scope_ws or "the organization"
        text = f"New secrets of {where} now go to {backend_noun(info.kind)}."
        self.reload()
        self.save_message.show_success(text)
        self.state.notify(text)
        self.saved.emit(info)

    def _save_ended(self) -> None:
        self.save_job = None
        self._update_actions()

    # --- testing --------------------------------------------------------------------------------
    def start_test(self) -> Job | None:
        """Test off the UI thread (after unlocking the file if needed); the running job."""
        kind = self.info.kind if self.info is not None else BackendKind.FILE.value
        self.test_message.clear_message()
        with_file_unlocked(self, self.state.container, {kind}, self._run_test)
        return self.test_job

    def _run_test(self) -> None:
        ws = self.workspace
        name = ws.name if ws is not None and self.state.can(Permission.SECRET_LIST, ws) else None
        secrets, actor = self.state.container.secrets, self.state.actor
        job = self.state.runner.start(
            "Testing the secret backend", lambda _ctx: secrets.test_backend(actor, name)
        )
        self.test_job = job
        self.test_message.show_info("Testing the connection…")
        job.signals.finished.connect(
            lambda status: self.test_message.show_success(f"Connection OK: {status}")
        )
        job.signals.failed.connect(self._test_failed)
        job.signals.cancelled.connect(self.test_message.show_info)
        job.signals.ended.connect(self._test_ended)
        self._update_actions()

    def _test_failed(self, error: BaseException) -> None:
        self.test_message.show_error(error)

    def _test_ended(self) -> None:
        self.test_job = None
        self._update_actions()


def _holder(layout: QHBoxLayout | QGridLayout) -> QWidget:
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setSpacing(8)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return form


def _subhead(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("subhead")
    return label
