"""Forms of the Domains page: add and remove a sending domain, choose its DNS provider, add and
remove a DNS provider, and the fix preview (what will be added and deleted, records that are not
ours flagged and unchecked, each deleted only when ticked)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.domains.models import DnsProviderInfo, DomainInfo, ProviderKind
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.servers.models import ServerInfo
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.form import FormDialog, password_field

if TYPE_CHECKING:  # DNS, diff and service modules load with the first check, not at start-up
    from penguin_desktop.core.domains.dns.diff import Change
    from penguin_desktop.core.domains.service import FixResult

NOT_OURS = "Not ours"


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
        self.form.addRow("Mail host", self.mail_host)
        self.form.addRow("DKIM selector", self.selector)
        self.form.addRow("", self.generate)
        self.form.addRow("DKIM public key", self.public_key)
        self.form.addRow("DMARC reports to", self.report)
        self.form.addRow("DNS provider", self.provider)
        self.result_value: DomainInfo | None = None

    def submit(self) -> None:
        selector = self.selector.text().strip()
        keys: dict[str, str] | None = None
        if selector and not self.generate.isChecked():
            if not self.public_key.text().strip():
                raise ValidationError("paste the DKIM public key, or let us generate one")
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
            raise ValidationError("enter the domain to attach")
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


class FixPreviewDialog(QDialog):
    """The diff of a dry run. Additions and replacements of our own records are checked and
    fixed; deletions of records that are not ours are flagged and unchecked, so nothing
    foreign goes without the user's say-so. With the manual provider there is nothing to apply:
    the zone snippet is shown to copy instead."""

    def __init__(
        self,
        domain: DomainInfo,
        result: FixResult,
        manual: bool,
        snippet: str,
        parent: QWidget | None = None,
    ) -> None:
        from penguin_desktop.core.domains.dns.diff import Action  # loaded already by the preview

        super().__init__(parent)
        self.setObjectName("formDialog")
        self.setWindowTitle(f"Fix {domain.display_name}")
        self.setMinimumSize(760, 460)
        self.fix_result = result
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 20, 22, 18)
        outer.setSpacing(12)
        heading = QLabel(f"Fix {domain.display_name}")
        heading.setObjectName("dialogTitle")
        outer.addWidget(heading)
        foreign = [c for c in result.changes if c.needs_confirmation]
        if not result.changes:
            text = "Everything required is already published. There is nothing to change."
        elif manual:
            text = (
                f"{len(result.changes)} changes are needed. This domain has no DNS provider "
                "we can write to: publish the records below at your DNS host, then check again."
            )
        else:
            text = f"{len(result.changes)} changes through {result.provider}. " + (
                (
                    "1 record is not ours: it stays unless you tick it."
                    if len(foreign) == 1
                    else f"{len(foreign)} records are not ours: each stays unless you tick it."
                )
                if foreign
                else "Only records we manage are touched."
            )
        intro = QLabel(text)
        intro.setObjectName("dialogIntro")
        intro.setWordWrap(True)
        outer.addWidget(intro)

        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(["Change", "Name", "Type", "Value", "Why"])
        self.items: list[tuple[QTreeWidgetItem, Change]] = []
        for change in result.changes:
            verb = "Add" if change.action is Action.ADD else "Delete"
            item = QTreeWidgetItem(
                [
                    f"{verb} · {NOT_OURS}" if change.needs_confirmation else verb,
                    change.name,
                    change.rtype,
                    change.value,
                    change.reason,
                ]
            )
            item.setToolTip(3, change.value)
            item.setToolTip(4, change.reason)
            if not manual:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    0,
                    Qt.CheckState.Unchecked if change.needs_confirmation else Qt.CheckState.Checked,
                )
                if not change.needs_confirmation:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            if change.needs_confirmation:
                for column in range(5):
                    item.setForeground(column, QBrush(QColor("#b45309")))
                item.setToolTip(
                    0, "Published by someone else (another provider?). Tick to delete it too."
                )
            elif change.action is Action.DELETE:
                item.setForeground(0, QBrush(QColor("#b91c1c")))
            else:
                item.setForeground(0, QBrush(QColor("#15803d")))
            self.tree.addTopLevelItem(item)
            self.items.append((item, change))
        for column, width in enumerate((150, 190, 60, 260)):
            self.tree.setColumnWidth(column, width)
        outer.addWidget(self.tree, 1)

        self.snippet: QPlainTextEdit | None = None
        self.copy_button: QPushButton | None = None
        if manual and result.changes:
            self.snippet = QPlainTextEdit(snippet)
            self.snippet.setReadOnly(True)
            self.snippet.setObjectName("zoneSnippet")
            self.snippet.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.snippet.setMaximumHeight(160)
            outer.addWidget(self.snippet)
        self.buttons = QDialogButtonBox()
        if manual or not result.changes:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
            if self.snippet is not None:
                self.copy_button = self.buttons.addButton(
                    "Copy zone snippet", QDialogButtonBox.ButtonRole.ActionRole
                )
                self.copy_button.clicked.connect(
                    lambda: QGuiApplication.clipboard().setText(snippet)
                )
            self.apply_button: QPushButton | None = None
        else:
            self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            self.apply_button = self.buttons.addButton(
                "Apply changes", QDialogButtonBox.ButtonRole.AcceptRole
            )
            self.apply_button.setProperty("primary", True)
            self.apply_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    @property
    def confirmed(self) -> list[str]:
        """The records not ours the user ticked for deletion, each on its own."""
        return [
            change.key
            for item, change in self.items
            if change.needs_confirmation and item.checkState(0) == Qt.CheckState.Checked
        ]
