"""Domains: the sending domains of the workspace with their posture score and worst finding; a
detail pane with each finding of the latest check (severity icon, plain words, the exact fix),
the score breakdown and the required records; "Check now" and "Fix…" as cancellable jobs.

Everything that touches DNS (checks, the fix preview, applying a fix, testing a provider)
runs on a worker; results come back as signals and update the table and the pane.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from penguin_desktop.core.accounts.models import WorkspaceInfo
from penguin_desktop.core.domains.dns.findings import (
    DomainReport,
    Finding,
    PostureSummary,
    Severity,
)
from penguin_desktop.core.domains.models import DnsProviderInfo, DomainInfo
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.domains.forms import (
    AddDomainDialog,
    AddProviderDialog,
    AttachDialog,
    ChooseProviderDialog,
    FixPreviewDialog,
    RemoveDomainDialog,
    RemoveProviderDialog,
)
from penguin_desktop.ui.secrets.unlock import with_file_unlocked
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.resources import icon
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.empty_state import EmptyState
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import WorkspacePage, action_button, make_table

if TYPE_CHECKING:  # DNS and SSH modules load with the first check or attach, not at start-up
    from penguin_desktop.core.domains.service import FixResult
    from penguin_desktop.core.servers.attach import AttachResult

GOOD = BadgeStyle("#dcfce7", "#86efac", "#166534")
UNCHECKED = "could not check"
SEVERITY_ICONS = {
    Severity.OK: ("check", theme.SUCCESS),
    Severity.WARNING: ("warning", "#d97706"),
    Severity.ERROR: ("cancel", theme.DANGER),
}


def severity_label(finding: Finding) -> str:
    return UNCHECKED if finding.inconclusive else finding.severity.value


def score_style(row: object) -> BadgeStyle | None:
    if not isinstance(row, DomainInfo) or row.last_score is None:
        return None
    if row.last_score >= 90:
        return GOOD
    return WARNING if row.last_score >= 60 else DANGER


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _when(value: datetime | None) -> str:
    return local_time(value)[:16] if value else "Never"


COLUMNS: tuple[Column[DomainInfo], ...] = (
    Column("Domain", lambda d: d.display_name, lambda d: d.name),
    Column("Score", lambda d: "—" if d.last_score is None else f"{d.last_score} / 100"),
    Column(
        "Worst finding",
        lambda d: d.last_worst_message or d.last_worst or ("—" if d.last_score is None else "none"),
        lambda d: f"{d.last_worst_message} ({d.last_worst})" if d.last_worst_message else "",
    ),
    Column("Last checked", lambda d: _when(d.last_checked_at)),
    Column("DNS provider", lambda d: d.provider or "manual"),
)
SCORE_COLUMN = 1


def with_secrets_unlocked(
    parent: QWidget, state: AppState, workspace: str, then: Callable[[], None]
) -> QWidget | None:
    """Generated DKIM keys and provider credentials go to the workspace's secret backend:
    unlock the encrypted file first when that is where they go."""
    container = state.container
    try:
        kind = container.secrets.backend_info(state.actor, workspace).kind
    except PenguinError:
        kind = "file"
    return with_file_unlocked(parent, container, {kind}, then)


class FindingRow(QFrame):
    """One finding: severity icon, the plain-words message and the exact fix (selectable)."""

    def __init__(self, finding: Finding, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findingRow")
        self.finding = finding
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 6)
        layout.setSpacing(10)
        name, color = (
            ("info", theme.MUTED) if finding.inconclusive else SEVERITY_ICONS[finding.severity]
        )
        picture = QLabel()
        picture.setPixmap(icon(name, color).pixmap(QSize(18, 18)))
        picture.setToolTip(severity_label(finding))
        picture.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setSpacing(3)
        self.caption = QLabel(f"{finding.category.value.upper()} · {severity_label(finding)}")
        self.caption.setObjectName("fieldCaption")
        self.message = QLabel(finding.message)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        texts.addWidget(self.caption)
        texts.addWidget(self.message)
        self.fix: QLabel | None = None
        if finding.fix:
            self.fix = QLabel(finding.fix)
            self.fix.setObjectName("fixText")
            self.fix.setWordWrap(True)
            self.fix.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            self.fix.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            texts.addWidget(self.fix)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addLayout(texts, 1)
        self.copy_button: QToolButton | None = None
        if finding.fix:
            self.copy_button = QToolButton()
            self.copy_button.setIcon(icon("copy", theme.ICON))
            self.copy_button.setToolTip("Copy the fix")
            self.copy_button.setAutoRaise(True)
            self.copy_button.clicked.connect(
                lambda: QGuiApplication.clipboard().setText(finding.fix)
            )
            layout.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)


class DomainDetail(QTabWidget):
    """Findings of the latest check with the breakdown, and the required records."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("domainDetail")
        findings_tab = QWidget()
        column = QVBoxLayout(findings_tab)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(8)
        self.headline = QLabel()
        self.headline.setObjectName("sectionTitle")
        self.headline.setWordWrap(True)
        column.addWidget(self.headline)
        self.breakdown = QGridLayout()
        self.breakdown.setHorizontalSpacing(14)
        self.breakdown.setVerticalSpacing(2)
        column.addLayout(self.breakdown)
        self.list_widget = QWidget()
        self.list_layout = QVBoxLayout(self.list_widget)
        self.list_layout.setContentsMargins(0, 0, 0, 0)
        self.list_layout.setSpacing(2)
        scroll = QScrollArea()
        scroll.setObjectName("findingList")
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.list_widget)
        column.addWidget(scroll, 1)
        self.addTab(findings_tab, "Findings")

        records_tab = QWidget()
        records = QVBoxLayout(records_tab)
        records.setContentsMargins(12, 12, 12, 12)
        self.records = QTreeWidget()
        self.records.setRootIsDecorated(False)
        self.records.setAlternatingRowColors(True)
        self.records.setHeaderLabels(["Name", "Type", "Value", "Purpose"])
        for index, width in enumerate((170, 55, 260)):
            self.records.setColumnWidth(index, width)
        records.addWidget(self.records, 1)
        bar = QHBoxLayout()
        self.records_note = QLabel()
        self.records_note.setObjectName("footnote")
        self.records_note.setWordWrap(True)
        self.copy_zone = action_button("Copy zone snippet", "copy")
        bar.addWidget(self.records_note, 1)
        bar.addWidget(self.copy_zone)
        records.addLayout(bar)
        self.addTab(records_tab, "Required records")
        self.rows: list[FindingRow] = []
        self.zone_text = ""
        self.copy_zone.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.zone_text))

    def _clear(self) -> None:
        """Hidden at once, deleted later: a row must not linger on screen until the event
        loop gets round to deleting it."""
        while self.breakdown.count():
            item = self.breakdown.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for row in self.rows:
            row.hide()
            row.deleteLater()
        self.rows = []
        while self.list_layout.count():
            self.list_layout.takeAt(0)

    def show_domain(self, domain: DomainInfo | None, report: DomainReport | None) -> None:
        self._clear()
        if domain is None:
            self.headline.setText("Select a domain to see its findings")
            self.list_layout.addStretch(1)
            return
        if report is None:
            self.headline.setText(
                f"{domain.display_name}: last score {domain.last_score} / 100 "
                f"({_when(domain.last_checked_at)}). Check now to see each finding."
                if domain.last_score is not None
                else f"{domain.display_name} has not been checked yet. Check now to see how "
                "its DNS stands."
            )
            self.list_layout.addStretch(1)
            return
        counts = report.counts
        self.headline.setText(
            f"{domain.display_name}: {report.score} / 100 · {_n(counts['error'], 'error')}, "
            f"{_n(counts['warning'], 'warning')}, {counts['ok']} fine"
        )
        for index, part in enumerate(report.breakdown):
            name = QLabel(part.category.value.upper())
            name.setObjectName("fieldCaption")
            value = QLabel(f"{part.earned:g} / {part.weight}" if part.checked else "not checked")
            value.setObjectName("footnote")
            self.breakdown.addWidget(name, (index // 4) * 2, index % 4)
            self.breakdown.addWidget(value, (index // 4) * 2 + 1, index % 4)
        ranked = sorted(
            report.findings, key=lambda f: (-f.severity.rank, f.inconclusive, f.category.value)
        )
        for finding in ranked:
            row = FindingRow(finding)
            self.rows.append(row)
            self.list_layout.addWidget(row)
        self.list_layout.addStretch(1)

    def show_records(self, records: list[tuple[str, str, str, str]], note: str, zone: str) -> None:
        self.records.clear()
        for name, rtype, value, purpose in records:
            item = QTreeWidgetItem([name, rtype, value, purpose])
            item.setToolTip(2, value)
            self.records.addTopLevelItem(item)
        self.records_note.setText(note)
        self.zone_text = zone
        self.copy_zone.setEnabled(bool(zone))


class DomainsPage(WorkspacePage):
    title = "Domains"
    subtitle = (
        "The domains your clients send from: how their DNS stands (SPF, DKIM, DMARC, MX, "
        "reverse DNS, blocklists), what each problem means, and fixing it for you."
    )
    icon_name = "globe"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
        self.providers_button = action_button("DNS providers…", "plug")
        self.check_all_button = action_button("Check all", "refresh")
        self.add_button = action_button("Add domain", "add", primary=True)
        self.providers_button.clicked.connect(self.open_providers)
        self.check_all_button.clicked.connect(lambda: self.start_check(all_domains=True))
        self.add_button.clicked.connect(self.open_add)
        for button in (self.providers_button, self.check_all_button, self.add_button):
            self.page_actions.addWidget(button)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        heading = QLabel("Sending domains")
        heading.setObjectName("sectionTitle")
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.check_button = action_button("Check now", "verify")
        self.fix_button = action_button("Fix…", "edit")
        self.provider_button = action_button("Provider…", "plug")
        self.attach_button = action_button("Attach…", "mail")
        self.remove_button = action_button("Remove…", "remove")
        self.check_button.clicked.connect(lambda: self.start_check())
        self.fix_button.clicked.connect(self.start_fix)
        self.provider_button.clicked.connect(self.open_choose_provider)
        self.attach_button.clicked.connect(self.open_attach)
        self.remove_button.clicked.connect(self.open_remove)
        bar.addWidget(heading)
        bar.addWidget(self.count)
        bar.addStretch(1)
        for button in (
            self.check_button,
            self.fix_button,
            self.provider_button,
            self.attach_button,
            self.remove_button,
        ):
            bar.addWidget(button)
        self.body.addLayout(bar)
        self.message = InlineMessage()
        self.body.addWidget(self.message)

        self.model: ListTableModel[DomainInfo] = ListTableModel(COLUMNS)
        self.table = make_table()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(SCORE_COLUMN, BadgeDelegate(score_style, self.table))
        for column, width in enumerate((140, 90, 170, 140)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.detail = DomainDetail()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([560, 640])
        self.empty = EmptyState("", "", icon_name="globe")
        self.empty.button.clicked.connect(self.open_add)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty)
        self.body.addWidget(self.stack, 1)

        self.reports: dict[tuple[str, str], DomainReport] = {}
        self.providers: list[DnsProviderInfo] = []
        self.check_job: Job | None = None
        self.fix_job: Job | None = None
        self.attach_job: Job | None = None
        self._attach_result: AttachResult | None = None
        self.dialog: QWidget | None = None
        self.unlock_dialog: QWidget | None = None
        self.check_blacklists = True  # tests turn the public blocklists off
        self._after_fix: str | None = None
        self._recheck_name: str | None = None
        state.workspaces_changed.connect(self.mark_stale)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        chosen = self.selected()
        rows: list[DomainInfo] | None = []
        self.providers = []
        if ws is not None and self.state.can(Permission.DOMAIN_READ, ws):
            domains = self.state.container.domains
            rows = self.call(lambda: domains.all(self.state.actor, ws.name))
            self.providers = self.call(lambda: domains.providers(self.state.actor, ws.name)) or []
        self.model.set_rows(rows or [])
        scored = [d.last_score for d in rows or [] if d.last_score is not None]
        self.count.setText(
            f"{len(rows or [])} domains"
            + (f" · workspace score {round(sum(scored) / len(scored))}" if scored else "")
            if rows
            else ""
        )
        if rows:
            self.stack.setCurrentWidget(self.splitter)
            if chosen is not None:
                self._select(chosen.name)
            if self.selected() is None:
                self.table.selectRow(0)
        else:
            self._show_empty()
        self._selected_changed()

    def _show_empty(self) -> None:
        ws = self.workspace
        if ws is None:
            self.show_no_workspace(self.empty)
        elif not self.state.can(Permission.DOMAIN_READ, ws):
            self.empty.set_text(
                "Domains are not open to your role", "Ask an owner of the workspace for access."
            )
            self.empty.set_action(None)
        else:
            self.empty.set_text(
                f"No sending domains in {ws.name} yet",
                "Add the domains this client sends mail from. We compute the DNS records they "
                "need, check what is published, and fix what is wrong.",
            )
            self.empty.set_action("Add domain" if self._may(Permission.DOMAIN_MANAGE) else None)
        self.stack.setCurrentWidget(self.empty)

    def selected(self) -> DomainInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_object(rows[0].row()) if rows else None

    def _select(self, name: str) -> None:
        for row, domain in enumerate(self.model.rows):
            if domain.name == name:
                self.table.selectRow(row)
                return

    def _selected_changed(self) -> None:
        domain = self.selected()
        report = self._report_of(domain) if domain else None
        self.detail.show_domain(domain, report)
        self._show_records(domain)
        self._update_actions()

    def _report_of(self, domain: DomainInfo) -> DomainReport | None:
        """This session's check, else the one kept from the last check (after a restart)."""
        key = (domain.workspace, domain.name)
        if key not in self.reports and domain.last_checked_at is not None:
            domains, actor = self.state.container.domains, self.state.actor
            kept = self.call(lambda: domains.last_report(actor, domain.name, domain.workspace))
            if kept is not None:
                self.reports[key] = kept
        return self.reports.get(key)

    def _show_records(self, domain: DomainInfo | None) -> None:
        if domain is None:
            self.detail.show_records([], "", "")
            return
        domains, actor = self.state.container.domains, self.state.actor
        view = self.call(lambda: domains.records(actor, domain.name, domain.workspace))
        zone = self.call(lambda: domains.export_zone(actor, domain.name, domain.workspace))
        if view is None:
            return
        rows = [(r.name, r.rtype, r.value, r.purpose) for r in view.records]
        rows.append(
            (f"mta-sts.{view.domain}", "HTTPS", view.mta_sts_url, "MTA-STS policy file to serve")
        )
        note = (
            f"{len(view.records)} records for {domain.display_name}. PTR records are set by "
            "whoever owns the server IPs (your VPS provider)."
        )
        self.detail.show_records(rows, note, zone or "")

    # --- permissions ----------------------------------------------------------------------------
    def _may(self, permission: Permission) -> bool:
        ws = self.workspace
        return ws is not None and not ws.archived and self.state.can(permission, ws)

    def _update_actions(self) -> None:
        ws = self.workspace
        role = ws.my_role.value if ws is not None else ""
        may_manage = self._may(Permission.DOMAIN_MANAGE)
        may_fix = self._may(Permission.DOMAIN_FIX)
        may_read = ws is not None and self.state.can(Permission.DOMAIN_READ, ws)
        domain = self.selected()
        busy = self.check_job is not None
        self.add_button.setEnabled(may_manage)
        self.add_button.setToolTip(
            "Pick a workspace first"
            if ws is None
            else "Add a sending domain"
            if may_manage
            else f"Only managers, admins and owners add domains; you are {role}"
        )
        self.provider_button.setEnabled(may_manage and domain is not None)
        self.provider_button.setToolTip(
            "Select a domain first"
            if domain is None
            else f"Choose the DNS provider that fixes {domain.display_name} "
            f"(now: {domain.provider or 'manual'})"
            if may_manage
            else f"Only managers, admins and owners change a domain's provider; you are {role}"
        )
        self.attach_button.setEnabled(may_manage and self.attach_job is None)
        self.attach_button.setToolTip(
            "Attaching is running (see the status bar)"
            if self.attach_job is not None
            else "Create a domain in a MailU server and take its DKIM key into the records"
            if may_manage
            else f"Only managers, admins and owners attach domains to servers; you are {role}"
        )
        self.remove_button.setEnabled(may_manage and domain is not None)
        self.remove_button.setToolTip(
            "Select a domain first"
            if domain is None
            else f"Forget {domain.display_name}"
            if may_manage
            else f"Only managers, admins and owners remove domains; you are {role}"
        )
        self.check_button.setEnabled(may_read and domain is not None and not busy)
        self.check_all_button.setEnabled(may_read and bool(self.model.rows) and not busy)
        busy_tip = "A check is running (see the status bar)"
        self.check_button.setToolTip(busy_tip if busy else "Check the selected domain's DNS now")
        self.check_all_button.setToolTip(busy_tip if busy else "Check every domain")
        self.fix_button.setEnabled(may_fix and domain is not None and self.fix_job is None)
        self.fix_button.setToolTip(
            "Select a domain first"
            if domain is None
            else "A fix is running (see the status bar)"
            if self.fix_job is not None
            else "Preview the DNS changes, then apply them"
            if may_fix
            else f"Only managers, admins and owners apply DNS fixes; you are {role}"
        )
        self.providers_button.setEnabled(may_read)
        self.detail.copy_zone.setEnabled(domain is not None and bool(self.detail.zone_text))

    # --- add, remove, providers -----------------------------------------------------------------
    def open_add(self) -> None:
        ws = self.workspace
        if ws is None or not self._may(Permission.DOMAIN_MANAGE):
            return

        def show() -> None:
            dialog = AddDomainDialog(self.state, ws.name, self.providers, self)
            dialog.accepted.connect(lambda: self._added(dialog))
            self.dialog = dialog
            dialog.open()

        self.unlock_dialog = with_secrets_unlocked(self, self.state, ws.name, show)

    def _added(self, dialog: AddDomainDialog) -> None:
        info = dialog.result_value
        self.refresh()
        if info is not None:
            self._select(info.name)
            self.state.notify(f"Added {info.display_name}: check it to see how its DNS stands")

    def open_remove(self) -> None:
        domain = self.selected()
        if domain is None or not self._may(Permission.DOMAIN_MANAGE):
            return
        dialog = RemoveDomainDialog(self.state, domain, self)
        dialog.accepted.connect(lambda: self._removed(domain))
        self.dialog = dialog
        dialog.open()

    def _removed(self, domain: DomainInfo) -> None:
        self.reports.pop((domain.workspace, domain.name), None)
        self.refresh()
        self.state.notify(f"Removed {domain.display_name}")

    def open_choose_provider(self) -> None:
        domain = self.selected()
        if domain is None or not self._may(Permission.DOMAIN_MANAGE):
            return
        dialog = ChooseProviderDialog(self.state, domain, self.providers, self)
        dialog.accepted.connect(lambda: self._provider_chosen(dialog))
        self.dialog = dialog
        dialog.open()

    def _provider_chosen(self, dialog: ChooseProviderDialog) -> None:
        info = dialog.result_value
        self.refresh()
        if info is not None:
            self._select(info.name)
            how = f"through {info.provider}" if info.provider else "by hand"
            self.state.notify(f"{info.display_name} is now fixed {how}")

    def open_attach(self) -> None:
        ws = self.workspace
        if ws is None or not self._may(Permission.DOMAIN_MANAGE) or self.attach_job is not None:
            return
        servers = self.state.container.servers
        found = self.call(lambda: servers.all(self.state.actor, ws.name)) or []
        dialog = AttachDialog(ws.name, self.selected(), [s for s in found if s.mailu_url], self)
        dialog.accepted.connect(lambda: self._attach_chosen(ws.name, dialog.chosen))
        self.dialog = dialog
        dialog.open()

    def _attach_chosen(self, workspace: str, chosen: tuple[str, str] | None) -> None:
        if chosen is not None:
            self.unlock_dialog = with_secrets_unlocked(
                self, self.state, workspace, lambda: self.start_attach(workspace, *chosen)
            )

    def start_attach(self, workspace: str, name: str, server: str) -> Job | None:
        if self.attach_job is not None:
            return None
        service, actor = self.state.container.domain_attach, self.state.actor
        job = self.state.runner.start(
            f"Attaching {name} to {server}",
            lambda _ctx: service.attach(actor, name, server, workspace),
        )
        self.attach_job = job
        self.message.show_info(f"Attaching {name} to {server} …")
        job.signals.finished.connect(self._attached)
        job.signals.failed.connect(self._attach_failed)
        job.signals.ended.connect(self._attach_ended)
        self._update_actions()
        return job

    def _attached(self, result: AttachResult) -> None:
        self._attach_result = result

    def _attach_failed(self, error: BaseException) -> None:
        self.message.show_error("The domain was not attached.")
        show_error(self, error)

    def _attach_ended(self) -> None:
        self.attach_job = None
        result, self._attach_result = self._attach_result, None
        self.refresh()
        if result is not None:
            d = result.domain
            self._select(d.name)
            self.message.show_success(
                f"Attached {d.display_name} to {result.server}: MailU signs with selector "
                f"{result.selector!r}, now in the required records. Fix… publishes them."
            )

    def open_providers(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        dialog = ProvidersPanel(self, ws)
        self.dialog = dialog
        dialog.open()

    # --- check ----------------------------------------------------------------------------------
    def start_check(self, all_domains: bool = False, then: str | None = None) -> Job | None:
        ws = self.workspace
        domain = self.selected()
        if ws is None or self.check_job is not None or (domain is None and not all_domains):
            return None
        names = [] if all_domains or domain is None else [domain.name]
        domains, actor, lists = (
            self.state.container.domains,
            self.state.actor,
            self.check_blacklists,
        )
        what = f"all domains of {ws.name}" if not names else names[0]
        job = self.state.runner.start(
            f"Checking {what}",
            lambda ctx: domains.check(actor, names, ws.name, blacklists=lists, ctx=ctx),
        )
        self.check_job = job
        self.message.show_info(f"Checking {what} … (progress and Cancel in the status bar)")
        job.signals.finished.connect(lambda summary: self._checked(summary, then))
        job.signals.failed.connect(self._check_failed)
        job.signals.cancelled.connect(lambda text: self.message.show_info(text))
        job.signals.ended.connect(self._check_ended)
        self._update_actions()
        return job

    def _checked(self, summary: PostureSummary, then: str | None) -> None:
        for report in summary.reports:
            self.reports[(report.workspace, report.domain)] = report
        if then:
            self.message.show_success(then)
        elif len(summary.reports) == 1:
            report = summary.reports[0]
            self.message.show_success(f"Checked {report.domain}: {report.score} / 100")
        else:
            self.message.show_success(
                f"Checked {len(summary.reports)} domains: workspace score {summary.score} / 100"
            )

    def _check_failed(self, error: BaseException) -> None:
        self.message.show_error("The check stopped before it finished.")
        show_error(self, error)

    def _check_ended(self) -> None:
        self.check_job = None
        self.refresh()

    # --- fix ------------------------------------------------------------------------------------
    def _is_manual(self, domain: DomainInfo) -> bool:
        if domain.provider is None:
            return True
        info = next((p for p in self.providers if p.name == domain.provider), None)
        return info is None or info.kind == "manual"

    def start_fix(self) -> Job | None:
        domain = self.selected()
        if domain is None or self.fix_job is not None or not self._may(Permission.DOMAIN_FIX):
            return None
        domains, actor = self.state.container.domains, self.state.actor
        job = self.state.runner.start(
            f"Reading DNS of {domain.name}",
            lambda ctx: domains.fix(actor, domain.name, domain.workspace, dry_run=True, ctx=ctx),
        )
        self.fix_job = job
        self.message.show_info(f"Reading what {domain.display_name} publishes …")
        job.signals.finished.connect(lambda result: self._previewed(domain, result))
        job.signals.failed.connect(self._fix_failed)
        job.signals.cancelled.connect(lambda text: self.message.show_info(text))
        job.signals.ended.connect(self._fix_ended)
        self._update_actions()
        return job

    def _previewed(self, domain: DomainInfo, result: FixResult) -> None:
        self.message.clear_message()
        manual = self._is_manual(domain)
        zone = ""
        if manual:
            domains, actor = self.state.container.domains, self.state.actor
            zone = (
                self.call(lambda: domains.export_zone(actor, domain.name, domain.workspace)) or ""
            )
        dialog = FixPreviewDialog(domain, result, manual, zone, self)
        dialog.accepted.connect(lambda: self.apply_fix(domain, dialog.confirmed))
        self.dialog = dialog
        dialog.open()

    def apply_fix(self, domain: DomainInfo, confirmed: Sequence[str] = ()) -> Job | None:
        """`confirmed`: the records not ours the user ticked for deletion (Change.key)."""
        if self.fix_job is not None:
            return None
        domains, actor = self.state.container.domains, self.state.actor
        job = self.state.runner.start(
            f"Fixing {domain.name}",
            lambda ctx: domains.fix(
                actor, domain.name, domain.workspace, confirmed=confirmed, ctx=ctx
            ),
        )
        self.fix_job = job
        self.message.show_info(
            f"Applying the changes to {domain.display_name} … (progress and Cancel in the "
            "status bar)"
        )
        job.signals.finished.connect(lambda result: self._fixed(domain, result))
        job.signals.failed.connect(self._fix_failed)
        job.signals.cancelled.connect(lambda text: self.message.show_info(text))
        job.signals.ended.connect(self._fix_ended)
        self._update_actions()
        return job

    def _fixed(self, domain: DomainInfo, result: FixResult) -> None:
        kept = (
            f"; {_n(len(result.skipped), 'record')} not ours left in place"
            if result.skipped
            else ""
        )
        verified = "verified by reading back" if result.verified else "not all visible yet"
        text = f"Applied {result.applied} changes to {domain.display_name} ({verified}{kept})"
        self.state.notify(text)
        self._select(domain.name)
        self._after_fix = f"{text}. Re-checked."
        self._recheck_name = domain.name

    def _fix_failed(self, error: BaseException) -> None:
        self.message.show_error("The fix stopped. Check the domain to see where it stands.")
        show_error(self, error)

    def _fix_ended(self) -> None:
        self.fix_job = None
        text, name = self._after_fix, self._recheck_name
        self._after_fix = self._recheck_name = None
        self.refresh()
        if text and name:
            self._select(name)
            self.start_check(then=text)


class ProvidersPanel(QDialog):
    """DNS providers of the workspace: list, add, and test one off the UI thread."""

    def __init__(self, page: DomainsPage, workspace: WorkspaceInfo) -> None:
        super().__init__(page)
        self.page, self.workspace = page, workspace
        self.dialog = self
        self.setObjectName("formDialog")
        self.setWindowTitle("DNS providers")
        self.setMinimumSize(640, 360)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 18)
        layout.setSpacing(12)
        heading = QLabel(f"DNS providers of {workspace.name}")
        heading.setObjectName("dialogTitle")
        layout.addWidget(heading)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels(["Name", "Kind", "Settings"])
        self.tree.setColumnWidth(0, 140)
        self.tree.setColumnWidth(1, 100)
        layout.addWidget(self.tree, 1)
        self.message = InlineMessage()
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.add_button = action_button("Add provider…", "add")
        self.test_button = action_button("Test", "plug")
        self.remove_button = action_button("Remove…", "remove")
        buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.dialog.reject)
        layout.addWidget(buttons)
        state = page.state
        self.add_button.setEnabled(state.can(Permission.DNS_PROVIDER_MANAGE, workspace))
        self.test_button.setEnabled(state.can(Permission.DOMAIN_FIX, workspace))
        self.remove_button.setEnabled(state.can(Permission.DNS_PROVIDER_MANAGE, workspace))
        self.add_button.clicked.connect(self.open_add)
        self.test_button.clicked.connect(self.test)
        self.remove_button.clicked.connect(self.open_remove)
        self.form: AddProviderDialog | RemoveProviderDialog | None = None
        self.unlock_dialog: QWidget | None = None
        self.reload()

    def reload(self) -> None:
        self.page.refresh()
        self.tree.clear()
        for info in self.page.providers:
            settings = ", ".join(f"{k}={v}" for k, v in sorted(info.settings.items()))
            item = QTreeWidgetItem([info.name, info.kind, settings])
            self.tree.addTopLevelItem(item)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def open_add(self) -> None:
        def show() -> None:
            self.form = AddProviderDialog(self.page.state, self.workspace.name, self)
            self.form.accepted.connect(self.reload)
            self.form.open()

        self.unlock_dialog = with_secrets_unlocked(self, self.page.state, self.workspace.name, show)

    def open_remove(self) -> None:
        item = self.tree.currentItem()
        if item is None:
            return
        name = item.text(0)
        users = sorted(d.display_name for d in self.page.model.rows if d.provider == name)

        def show() -> None:
            form = RemoveProviderDialog(self.page.state, self.workspace.name, name, users, self)
            form.accepted.connect(lambda: self._removed(form))
            self.form = form
            form.open()

        self.unlock_dialog = with_secrets_unlocked(self, self.page.state, self.workspace.name, show)

    def _removed(self, form: RemoveProviderDialog) -> None:
        self.reload()
        manual = f"; now fixed by hand: {', '.join(form.released)}" if form.released else ""
        self.message.show_success(f"Removed {form.provider}{manual}")

    def test(self) -> Job | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        name = item.text(0)
        domains, actor, ws = (
            self.page.state.container.domains,
            self.page.state.actor,
            self.workspace,
        )
        job = self.page.state.runner.start(
            f"Testing DNS provider {name}", lambda _ctx: domains.test_provider(actor, ws.name, name)
        )
        self.message.show_info(f"Testing {name} …")
        job.signals.finished.connect(lambda text: self.message.show_success(str(text)))
        job.signals.failed.connect(lambda error: self.message.show_error(error))
        return job
