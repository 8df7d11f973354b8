"""Forms of the Domains page: add and remove a sending domain, attach it to a MailU server,
choose its DNS provider, add and remove a DNS provider.

The fix preview lives in `fix_preview`; it is named here too because the page's actions import
every dialog of the Domains page from this module.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget

from penguin_desktop.core.domains.models import DnsProviderInfo, DomainInfo, ProviderKind
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.domains.fix_preview import FixPreviewDialog
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, password_field

__all__ = [
    "AddDomainDialog",
    "AddProviderDialog",
    "AttachDialog",
    "ChooseProviderDialog",
    "FixPreviewDialog",
    "RemoveDomainDialog",
    "RemoveProviderDialog",
]


def _items(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


class AddDomainDialog(FormDialog):
    def __init__(
        self,
        state: AppState,
        workspace: str,
        providers: list[DnsProviderInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Add sending domain",
            f"A domain {workspace} sends mail from. Its required DNS records are computed "
            "from what you enter here.",
            "Add domain",
            parent,
        )
        self.state, self.workspace = state, workspace
        self.name = QLineEdit()
        self.name.setPlaceholderText("example.com")
        self.ips = QLineEdit()
        self.ips.setPlaceholderText("192.0.2.10, 2001:db8::10")
        self.lab = QCheckBox("Lab set-up: accept private and loopback addresses")
        self.lab.setToolTip(
            "Receivers can reach and check only public sending addresses; a test lab may use "
            "private, documentation or loopback ones."
        )
        self.mail_host = QLineEdit()
        self.mail_host.setPlaceholderText("mail.example.com (default: mail.<domain>)")
        self.selector = QLineEdit("pm")
        self.generate = QCheckBox("Generate a 2048-bit DKIM key (private half in the secret store)")
        self.generate.setChecked(True)
        self.public_key = QLineEdit()
        self.public_key.setPlaceholderText("Base64 public key of the selector")
        self.public_key.setEnabled(False)
        self.generate.toggled.connect(lambda on: self.public_key.setEnabled(not on))
        self.report = QLineEdit()
        self.report.setPlaceholderText("dmarc@example.com (optional)")
        self.provider = QComboBox()
        self.provider.addItem("Manual (publish records yourself)", None)
        for info in providers:
            self.provider.addItem(f"{info.name} ({info.kind})", info.name)
        self.form.addRow("Domain", self.name)
        self.form.addRow("Server IPs", self.ips)
        self.form.addRow("", self.lab)
        self.form.addRow("Mail host", self.mail_host)
        self.form.addRow("DKIM selector", self.selector)
        self.form.addRow("", self.generate)
        self.form.addRow("DKIM public key", self.public_key)
        self.form.addRow("DMARC reports to", self.report)
        self.form.addRow("DNS provider", self.provider)
        self.fields = {"public_key": self.public_key, "domain": self.name, "ip": self.ips}
        self.result_value: DomainInfo | None = None

    def submit(self) -> None:
        selector = self.selector.text().strip()
        keys: dict[str, str] | None = None
        if selector and not self.generate.isChecked():
            if not self.public_key.text().strip():
                raise ValidationError(
                    "paste the DKIM public key, or let us generate one", field="public_key"
                )
            keys = {selector: self.public_key.text().strip()}
        self.result_value = self.state.container.domains.add(
            self.state.actor,
            self.workspace,
            self.name.text(),
            ips=_items(self.ips.text()),
            mail_hosts=_items(self.mail_host.text()),
            dkim_selectors=[selector] if selector and keys is None else [],
            dkim_keys=keys,
            report_address=self.report.text().strip() or None,
            provider=self.provider.currentData(),
            lab=self.lab.isChecked(),
        )


class RemoveDomainDialog(FormDialog):
    def __init__(self, state: AppState, domain: DomainInfo, parent: QWidget | None = None) -> None:
        super().__init__(
            f"Remove {domain.display_name}?",
            f"{domain.display_name} is forgotten by {domain.workspace}, with the DKIM private "
            "keys we generated for it. Its DNS records stay where they are.",
            "Remove domain",
            parent,
            danger=True,
        )
        self.state, self.domain = state, domain

    def submit(self) -> None:
        self.state.container.domains.remove(
            self.state.actor, self.domain.name, self.domain.workspace
        )


class AttachDialog(FormDialog):
    """Which domain goes onto which MailU server. Only collects and checks the choice: the
    attach itself talks to MailU, so the page runs it as a job."""

    def __init__(
        self,
        workspace: str,
        domain: DomainInfo | None,
        servers: list[ServerInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Attach to a MailU server",
            f"The domain is created in the server's MailU, MailU generates its DKIM key, and "
            f"the key and the server's address go into the domain's required records in "
            f"{workspace}. Fix the domain afterwards to publish them.",
            "Attach",
            parent,
        )
        self.name = QLineEdit(domain.display_name if domain else "")
        self.name.setPlaceholderText("example.com (added to the workspace if new)")
        self.server = QComboBox()
        for info in servers:
            self.server.addItem(f"{info.name} ({info.hostname or info.ip})", info.name)
        self.form.addRow("Domain", self.name)
        self.form.addRow("MailU server", self.server)
        self.fields = {"name": self.name}
        if not servers:
            self.message.show_info(
                "No server of this workspace has a MailU admin API yet: provision one, or adopt "
                "an existing MailU, on the Servers page."
            )
            self.ok_button.setEnabled(False)
        self.chosen: tuple[str, str] | None = None

    def submit(self) -> None:
        name = self.name.text().strip()
        if not name:
            raise ValidationError("enter the domain to attach", field="name")
        from penguin_desktop.core.domains.dns.names import normalize_domain

        normalize_domain(name)
        self.chosen = (name, str(self.server.currentData()))


class ChooseProviderDialog(FormDialog):
    """Which DNS provider publishes this domain's fixes; "manual" means a zone snippet."""

    MANUAL = "Manual: publish the records by hand"

    def __init__(
        self,
        state: AppState,
        domain: DomainInfo,
        providers: list[DnsProviderInfo],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"DNS provider of {domain.display_name}",
            "Fixes of this domain are written through the provider chosen here. Add providers "
            "with DNS providers… on this page.",
            "Use this provider",
            parent,
        )
        self.state, self.domain = state, domain
        self.provider = QComboBox()
        self.provider.addItem(self.MANUAL, None)
        for info in providers:
            self.provider.addItem(f"{info.name} ({info.kind})", info.name)
        self.provider.setCurrentIndex(max(0, self.provider.findData(domain.provider)))
        self.form.addRow("Provider", self.provider)
        self.result_value: DomainInfo | None = None

    def submit(self) -> None:
        self.result_value = self.state.container.domains.set_provider(
            self.state.actor, self.domain.name, self.provider.currentData(), self.domain.workspace
        )


class RemoveProviderDialog(FormDialog):
    def __init__(
        self,
        state: AppState,
        workspace: str,
        provider: str,
        users: list[str],
        parent: QWidget | None = None,
    ) -> None:
        fallback = (
            f" {', '.join(users)} will then be fixed by hand (zone snippet) until you choose "
            "another provider."
            if users
            else " No domain uses it."
        )
        super().__init__(
            f"Remove DNS provider {provider}?",
            f"{provider} is forgotten by {workspace} and its credential is deleted from the "
            "secret store. Records it published stay where they are." + fallback,
            "Remove provider",
            parent,
            danger=True,
        )
        self.state, self.workspace, self.provider = state, workspace, provider
        self.released: list[str] = []

    def submit(self) -> None:
        self.released = self.state.container.domains.remove_provider(
            self.state.actor, self.workspace, self.provider
        )


class AddProviderDialog(FormDialog):
    def __init__(self, state: AppState, workspace: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "Add DNS provider",
            "Where fixes are published. The TSIG secret or API token goes to the secret "
            "store; the database keeps only a reference.",
            "Add provider",
            parent,
        )
        self.state, self.workspace = state, workspace
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. bind or cloudflare")
        self.kind = QComboBox()
        self.kind.addItem("RFC 2136 dynamic update (BIND, Knot, PowerDNS)", ProviderKind.RFC2136)
        self.kind.addItem("Cloudflare API v4", ProviderKind.CLOUDFLARE)
        self.kind.addItem("Manual (zone snippet to copy)", ProviderKind.MANUAL)
        self.server = QLineEdit()
        self.server.setPlaceholderText("ns1.example.com:53")
        self.key_name = QLineEdit()
        self.zone = QLineEdit()
        self.zone.setPlaceholderText("optional: the zone, when it differs from the domain")
        self.credential = password_field("TSIG secret (base64) or API token")
        self.form.addRow("Name", self.name)
        self.form.addRow("Kind", self.kind)
        self.form.addRow("Server", self.server)
        self.form.addRow("TSIG key name", self.key_name)
        self.form.addRow("Zone", self.zone)
        self.form.addRow("Secret", self.credential)
        self.fields = {"server": self.server, "key_name": self.key_name}
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self._kind_changed()
        self.result_value: DnsProviderInfo | None = None

    def _kind_changed(self) -> None:
        kind = ProviderKind(self.kind.currentData())
        for field in (self.server, self.key_name):
            field.setEnabled(kind is ProviderKind.RFC2136)
        self.zone.setEnabled(kind is not ProviderKind.MANUAL)
        self.credential.setEnabled(kind is not ProviderKind.MANUAL)

    def submit(self) -> None:
        kind = ProviderKind(self.kind.currentData())
        settings = {"zone": self.zone.text()}
        if kind is ProviderKind.RFC2136:
            settings |= {"server": self.server.text(), "key_name": self.key_name.text()}
        if kind is ProviderKind.MANUAL:
            settings = {}
        self.result_value = self.state.container.domains.add_provider(
            self.state.actor,
            self.workspace,
            self.name.text(),
            kind,
            settings,
            self.credential.text() or None,
        )

    def failed(self, _error: object) -> None:
        self.credential.clear()
