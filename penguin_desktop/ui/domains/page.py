"""Domains: the sending domains of the workspace with their posture score and worst finding; a
detail pane with each finding of the latest check (severity icon, plain words, the exact fix),
the score breakdown and the required records; "Check now" and "Fix…" as cancellable jobs.

Everything that touches DNS (checks, the fix preview, applying a fix, testing a provider)
runs on a worker (the actions are in `actions`); results come back as signals and update the
table and the pane.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from penguin_desktop.core.domains.dns.findings import DomainReport
from penguin_desktop.core.domains.models import DomainInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.domains.actions import DomainActions
from penguin_desktop.ui.domains.detail import checked_when
from penguin_desktop.ui.domains.providers import ProvidersPanel
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import DANGER, WARNING, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.list_detail import Split
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules

GOOD = BadgeStyle("#dcfce7", "#86efac", "#166534")


def score_style(row: object) -> BadgeStyle | None:
    if not isinstance(row, DomainInfo) or row.last_score is None:
        return None
    if row.last_score >= 90:
        return GOOD
    return WARNING if row.last_score >= 60 else DANGER


COLUMNS: tuple[Column[DomainInfo], ...] = (
    Column("Domain", lambda d: d.display_name, lambda d: d.name),
    Column("Score", lambda d: "—" if d.last_score is None else f"{d.last_score} / 100"),
    Column(
        "Worst finding",
        lambda d: d.last_worst_message or d.last_worst or ("—" if d.last_score is None else "none"),
        lambda d: f"{d.last_worst_message} ({d.last_worst})" if d.last_worst_message else "",
    ),
    Column("Last checked", lambda d: checked_when(d.last_checked_at)),
    Column(
        "Provider", lambda d: d.provider or "manual", lambda _d: "The DNS provider that fixes it"
    ),
)
SCORE_COLUMN = 1


class DomainsPage(DomainActions):
    title = "Domains"
    subtitle = (
        "The domains your clients send from: how their DNS stands (SPF, DKIM, DMARC, MX, "
        "reverse DNS, blocklists), what each problem means, and fixing it for you."
    )
    icon_name = "globe"
    heading = "Sending domains"
    split = Split(Qt.Orientation.Horizontal, (3, 2), (600, 400))
    column_rules = ColumnRules(
        widest={"Worst finding": 420},
        middle=frozenset({"Domain"}),
        whole=frozenset({"Score", "Last checked"}),
        least={"Domain": 150},
    )

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, COLUMNS, parent)
        self.table.setItemDelegateForColumn(SCORE_COLUMN, BadgeDelegate(score_style, self.table))
        self.empty.button.clicked.connect(self.open_add)

    def add_actions(self) -> None:
        self.providers_button = action_button("DNS providers…", "plug")
        self.check_all_button = action_button("Check all", "refresh")
        self.add_button = action_button("Add domain", "add", primary=True)
        self.providers_button.clicked.connect(self.open_providers)
        self.check_all_button.clicked.connect(lambda: self.start_check(all_domains=True))
        self.add_button.clicked.connect(self.open_add)
        for button in (self.providers_button, self.check_all_button, self.add_button):
            self.page_actions.addWidget(button)

        self.bar.setSpacing(8)
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
        for button in (
            self.check_button,
            self.fix_button,
            self.provider_button,
            self.attach_button,
            self.remove_button,
        ):
            self.bar.addWidget(button)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        rows: list[DomainInfo] | None = []
        self.providers = []
        if ws is not None and self.state.can(Permission.DOMAIN_READ, ws):
            domains = self.state.container.domains
            rows = self.call(lambda: domains.all(self.state.actor, ws.name))
            self.providers = self.call(lambda: domains.providers(self.state.actor, ws.name)) or []
        scored = [d.last_score for d in rows or [] if d.last_score is not None]
        self.count.setText(
            f"{len(rows or [])} domains"
            + (f" · workspace score {round(sum(scored) / len(scored))}" if scored else "")
            if rows
            else ""
        )
        self.show_rows(rows or [])

    def show_empty(self) -> None:
        ws = self.workspace
        if ws is None:
            self.show_no_workspace(self.empty)
        elif not self.state.can(Permission.DOMAIN_READ, ws):
            self.show_closed("Domains")
        else:
            self.empty.set_text(
                f"No sending domains in {ws.name} yet",
                "Add the domains this client sends mail from. We compute the DNS records they "
                "need, check what is published, and fix what is wrong.",
            )
            self.empty.set_action("Add domain" if self._may(Permission.DOMAIN_MANAGE) else None)

    def row_key(self, row: DomainInfo) -> tuple[str]:
        return (row.name,)

    def show_detail(self, row: DomainInfo | None) -> None:
        self.detail.show_domain(row, self._report_of(row) if row else None)
        self._show_records(row)

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
            self.detail.show_records("", None, "")
            return
        domains, actor = self.state.container.domains, self.state.actor
        view = self.call(lambda: domains.records(actor, domain.name, domain.workspace))
        zone = self.call(lambda: domains.export_zone(actor, domain.name, domain.workspace))
        if view is not None:
            self.detail.show_records(domain.display_name, view, zone or "")

    # --- permissions ----------------------------------------------------------------------------
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

    def open_providers(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        dialog = ProvidersPanel(self, ws)
        self.dialog = dialog
        dialog.open()
