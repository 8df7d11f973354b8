"""Pieces of the Servers page and the New server wizard: the MailU plan fields, checked as
they are typed, and the small forms (start provisioning, restore, remove). The provisioning view
itself is in `provision_view`, the steps in `steps`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.job_form import JobFormDialog

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


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
