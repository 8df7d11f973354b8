"""The Leads page's small dialogs: erase a lead, suppress an address or a domain, set the
workspace's sender details. Each is one quick core call, made on OK (FormDialog)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLineEdit, QWidget

from penguin_desktop.core.campaigns.models import ComplianceInfo, ErasureResult, Suppression
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, hint_label


class EraseDialog(FormDialog):
    """GDPR erasure, named in the title: the person must see which address goes for good."""

    def __init__(
        self, state: AppState, workspace: str, email: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            f"Erase {email}?",
            f"{email} is deleted from {workspace} and all its lists, and taken off the "
            "suppression lists. Only a hash of the address is kept, suppressed, so a later "
            "import leaves it out. This cannot be undone.",
            ok_text="Erase lead",
            parent=parent,
            danger=True,
        )
        self.state, self.workspace, self.email = state, workspace, email
        self.result_value: ErasureResult | None = None
        self.ok_button.setDefault(False)

    def submit(self) -> None:
        self.result_value = self.state.container.leads.erase(
            self.state.actor, self.workspace, self.email
        )


class SuppressDialog(FormDialog):
    """An address or a whole domain never to be mailed; agency-wide for org admins."""

    def __init__(self, state: AppState, workspace: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "Suppress an address or a domain",
            f"Nothing is sent to it from {workspace}, and imports leave it out. A domain "
            "covers its subdomains too.",
            ok_text="Suppress",
            parent=parent,
        )
        self.state, self.workspace = state, workspace
        self.result_value: Suppression | None = None
        self.value = QLineEdit()
        self.value.setPlaceholderText("jo@example.com or example.com")
        self.form.addRow("&Address or domain", self.value)
        self.agency = QCheckBox("For the whole agency (every workspace)")
        allowed = state.can(Permission.SUPPRESSION_AGENCY)
        self.agency.setEnabled(allowed)
        if not allowed:
            self.agency.setToolTip("Only the agency's owners and admins suppress agency-wide")
        self.form.addRow("", self.agency)
        self.fields = {"value": self.value}

    def submit(self) -> None:
        scope = None if self.agency.isChecked() else self.workspace
        self.result_value = self.state.container.suppression.add(
            self.state.actor, self.value.text(), scope
        )


class ComplianceDialog(FormDialog):
    """The postal address and unsubscribe link every email of the workspace carries."""

    def __init__(
        self,
        state: AppState,
        workspace: str,
        current: ComplianceInfo | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Sender details",
            f"Every email sent from {workspace} carries this postal address and unsubscribe "
            "link, as CAN-SPAM and GDPR ask.",
            ok_text="Save",
            parent=parent,
        )
        self.state, self.workspace = state, workspace
        self.result_value: ComplianceInfo | None = None
        self.address = QLineEdit(current.postal_address if current else "")
        self.url = QLineEdit(current.unsubscribe_url if current else "")
        self.url.setPlaceholderText("https://…")
        self.form.addRow("&Postal address", self.address)
        self.form.addRow("&Unsubscribe URL", self.url)
        self.form.addRow("", hint_label("An https address that unsubscribes the reader."))
        self.fields = {"postal_address": self.address, "unsubscribe_url": self.url}

    def submit(self) -> None:
        self.result_value = self.state.container.compliance.set(
            self.state.actor, self.workspace, self.address.text(), self.url.text()
        )
