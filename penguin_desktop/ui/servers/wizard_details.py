"""The first two pages of the New server wizard: where the server comes from (a new VPS at
Hostwinds, or one you already run), then the fields of that path, each checked as you type.

Nothing is saved on these pages; the run page records the server when the user clicks Start.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
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
    QWizardPage,
)

from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.servers.forms import PlanFields, hint_label, set_hint, with_hint
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.state import AppState
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

        column.addWidget(self._mailu_fields())
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

    def _mailu_fields(self) -> QWidget:
        box = QGroupBox("MailU")
        column = QVBoxLayout(box)
        self.install = QCheckBox("&Install MailU on it now")
        self.install.setChecked(True)
        self.plan = PlanFields()
        column.addWidget(self.install)
        column.addWidget(self.plan)
        return box

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
        kind_page = wizard.page(PAGE_KIND) if wizard is not None else None
        self.kind = kind_page.kind if isinstance(kind_page, KindPage) else ADOPT
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
