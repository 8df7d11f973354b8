"""What the Domains page does: add and remove domains, choose a domain's DNS provider, attach a
domain to a MailU server, check domains and fix their DNS.

Checks, the fix preview, applying a fix and attaching run on a worker, one of each kind at a
time; their results come back as signals. A fix is re-checked at once so the table shows where
the domain stands after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from penguin_desktop.core.domains.dns.findings import DomainReport, PostureSummary
from penguin_desktop.core.domains.models import DnsProviderInfo, DomainInfo
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing.limits import over_plan
from penguin_desktop.ui.domains.detail import DomainDetail, counted
from penguin_desktop.ui.domains.forms import (
    AddDomainDialog,
    AttachDialog,
    ChooseProviderDialog,
    FixPreviewDialog,
    RemoveDomainDialog,
)
from penguin_desktop.ui.shell.errors import show_error
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.list_detail import ListDetailPage
from penguin_desktop.ui.widgets.list_model import Column

if TYPE_CHECKING:  # DNS and SSH modules load with the first check or attach, not at start-up
    from penguin_desktop.core.domains.service import FixResult
    from penguin_desktop.core.servers.attach import AttachResult


class DomainActions(ListDetailPage[DomainInfo, DomainDetail]):
    """The Domains page's actions, kept apart from its layout and loading (`DomainsPage`)."""

    def __init__(
        self,
        state: AppState,
        columns: Sequence[Column[DomainInfo]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(state, columns, DomainDetail(), parent)
        self.reports: dict[tuple[str, str], DomainReport] = {}
        self.providers: list[DnsProviderInfo] = []
        self.check_job: Job | None = None
        self.fix_job: Job | None = None
        self.attach_job: Job | None = None
        self._attach_result: AttachResult | None = None
        self.check_blacklists = True  # tests turn the public blocklists off
        self._after_fix: str | None = None
        self._recheck_name: str | None = None

    def _may(self, permission: Permission) -> bool:
        return self.allowed(permission, self.workspace)

    # --- add, remove, provider, attach ----------------------------------------------------------
    def open_add(self) -> None:
        ws = self.workspace
        if ws is None or not self._may(Permission.DOMAIN_MANAGE):
            return

        def show() -> None:
            dialog = AddDomainDialog(self.state, ws.name, self.providers, self)
            dialog.accepted.connect(lambda: self._added(dialog))
            self.dialog = dialog
            dialog.open()

        self.after_unlock(ws.name, show)

    def _added(self, dialog: AddDomainDialog) -> None:
        info = dialog.result_value
        self.refresh()
        if info is not None:
            self._select(info.name)
            self.state.notify(f"Added {info.display_name}: check it to see how its DNS stands")
            warning = over_plan(self.state, info.workspace)
            if warning:
                self.message.show_warning(warning)

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
            self.after_unlock(workspace, lambda: self.start_attach(workspace, *chosen))

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
            f"; {counted(len(result.skipped), 'record')} not ours left in place"
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
