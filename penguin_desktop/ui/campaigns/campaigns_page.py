"""Campaigns: the current workspace's sequences over its lead lists, with the selected one's
steps and results beside the list.

Listing campaigns is a quick read of the workspace's database and stays on the UI thread, as
the Leads page's does; a campaign's results (they count the send ledger), a preview, the
next day's forecast and a send run all go through the job runner. Sending ("Send due now") is
one pass of the send engine: it talks SMTP and IMAP, so it shows progress and Cancel in the
status bar and its report here when it ends."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from penguin_desktop.core.campaigns.models import CampaignInfo, CampaignStats, RunReport
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.campaigns.campaign_detail import CampaignDetail, plan_text, report_text
from penguin_desktop.ui.campaigns.campaign_dialogs import AddStepDialog, NewCampaignDialog
from penguin_desktop.ui.monitoring.tab_base import roles_words
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.list_detail import ListDetailPage, Split
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules

PREVIEW_LEADS = 200

COLUMNS: tuple[Column[CampaignInfo], ...] = (
    Column("Name", lambda c: c.name),
    Column("Status", lambda c: c.status.capitalize()),
    Column("List", lambda c: c.list),
    Column("Leads", lambda c: f"{c.leads:,}"),
    Column("Mailboxes", lambda c: str(len(c.mailboxes)), lambda c: "\n".join(c.mailboxes)),
    Column("Window", lambda c: c.window, lambda c: f"{c.window} ({c.timezone})"),
)


class CampaignsPage(ListDetailPage[CampaignInfo, CampaignDetail]):
    title = "Campaigns"
    subtitle = (
        "Sequences of emails to a lead list from the workspace's mailboxes, with A/B variants, "
        "sending windows and limits; results per step and variant."
    )
    icon_name = "play"
    heading = "Campaigns"
    split = Split(Qt.Orientation.Horizontal, (3, 2), (560, 520))
    column_rules = ColumnRules(
        middle=frozenset({"Name", "List"}),
        whole=frozenset({"Status", "Leads", "Mailboxes"}),
        least={"Name": 160},
    )

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        self.rows: list[CampaignInfo] = []
        self.stats_job: Job | None = None
        self.send_job: Job | None = None
        self.plan_job: Job | None = None
        super().__init__(state, COLUMNS, CampaignDetail(), parent)
        self.empty.button.clicked.connect(self.open_new)
        self.add_shortcuts(
            (
                ("Ctrl+Shift+N", self.open_new),
                ("Ctrl+Shift+S", self.open_add_step),
                ("Ctrl+Shift+R", self.start_selected),
                ("Ctrl+Shift+P", self.pause_selected),
                ("Ctrl+Shift+G", self.send_now),
                ("Ctrl+Shift+F", self.forecast),
            )
        )

    def add_actions(self) -> None:
        self.new_button = action_button("New campaign…", "add", primary=True)
        self.new_button.clicked.connect(self.open_new)
        self.send_button = action_button("Send due now", "transfer")
        self.send_button.clicked.connect(self.send_now)
        self.cancel_button = action_button("Cancel sending", "cancel")
        self.cancel_button.clicked.connect(self.cancel_send)
        self.cancel_button.hide()
        self.forecast_button = action_button("Forecast", "clock")
        self.forecast_button.clicked.connect(self.forecast)
        for button in (self.forecast_button, self.send_button, self.cancel_button,
                       self.new_button):  # fmt: skip
            self.page_actions.addWidget(button)
        self.bar.setSpacing(8)
        self.step_button = action_button("Add step…", "add")
        self.step_button.clicked.connect(self.open_add_step)
        self.start_button = action_button("Start", "play")
        self.start_button.clicked.connect(self.start_selected)
        self.pause_button = action_button("Pause", "cancel")
        self.pause_button.clicked.connect(self.pause_selected)
        for button in (self.step_button, self.start_button, self.pause_button):
            self.bar.addWidget(button)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        super().refresh()
        ws = self.workspace
        rows: list[CampaignInfo] | None = []
        if ws is not None and self.state.can(Permission.CAMPAIGN_READ, ws):
            campaigns, actor = self.state.container.campaigns, self.state.actor
            rows = self.call(lambda: campaigns.all(actor, ws.name))
        self.rows = rows or []
        active = sum(1 for c in self.rows if c.status == "active")
        self.count.setText(f"{len(self.rows)} campaigns · {active} active" if self.rows else "")
        self.show_rows(self.rows)

    def row_key(self, row: CampaignInfo) -> tuple[str, ...]:
        return (row.workspace, row.name)

    def show_detail(self, row: CampaignInfo | None) -> None:
        self.detail.show_campaign(row)
        if row is not None:
            self.read_stats(row)

    def show_empty(self) -> None:
        ws = self.workspace
        if ws is None:
            self.show_no_workspace(self.empty)
        elif not self.state.can(Permission.CAMPAIGN_READ, ws):
            self.show_closed("Campaigns")
        else:
            self.empty.set_text(
                f"No campaigns in {ws.name} yet",
                "A campaign mails a lead list from the workspace's mailboxes, step by step. "
                "Import leads on the Leads page, then create one with New campaign… "
                "(Ctrl+Shift+N).",
            )
            may = self.allowed(Permission.CAMPAIGN_MANAGE, ws)
            self.empty.set_action("New campaign…" if may else None)

    def read_stats(self, row: CampaignInfo) -> Job | None:
        """The results of `row`, off the UI thread; a selection made meanwhile wins."""
        insight, actor = self.state.container.campaign_insight, self.state.actor
        job = self.state.runner.start(
            f"Reading the results of {row.name}",
            lambda _ctx: insight.stats(actor, row.workspace, row.name),
            self,
        )
        self.stats_job = job
        self.detail.show_reading()
        job.signals.finished.connect(lambda stats: self._show_stats(job, stats))
        job.signals.failed.connect(lambda error: self._stats_failed(job, error))
        return job

    def _show_stats(self, job: Job, stats: CampaignStats) -> None:
        if job is self.stats_job:
            self.stats_job = None
            self.detail.show_stats(stats)

    def _stats_failed(self, job: Job, error: BaseException) -> None:
        if job is self.stats_job:
            self.stats_job = None
            self.detail.message.show_error(error)

    # --- permissions ----------------------------------------------------------------------------
    def _explain(self, button: QWidget, permission: Permission, what: str, ok: str) -> bool:
        ws = self.workspace
        may = self.allowed(permission, ws)
        button.setEnabled(may)
        role = ws.my_role.value if ws is not None else "not a member"
        button.setToolTip(
            "Pick a workspace first"
            if ws is None
            else ok
            if may
            else f"Only {roles_words(permission)} {what}; you are {role}"
        )
        return may

    def _update_actions(self) -> None:
        row = self.selected()
        sending = self.send_job is not None
        self._explain(self.new_button, Permission.CAMPAIGN_MANAGE, "create campaigns",
                      "Create a campaign over a lead list (Ctrl+Shift+N)")  # fmt: skip
        self._explain(self.forecast_button, Permission.CAMPAIGN_READ, "see the forecast",
                      "What the next 24 hours would send, per mailbox (Ctrl+Shift+F)")  # fmt: skip
        self.forecast_button.setEnabled(self.forecast_button.isEnabled() and self.plan_job is None)
        may_send = self._explain(self.send_button, Permission.CAMPAIGN_SEND, "send",
                                 "Send what is due now, once (Ctrl+Shift+G)")  # fmt: skip
        self.send_button.setEnabled(may_send and not sending)
        self.send_button.setVisible(not sending)
        self.cancel_button.setVisible(sending)
        self.cancel_button.setToolTip("Stop after the email under way")
        for button, permission, what, ok, fits in (
            (self.step_button, Permission.CAMPAIGN_MANAGE, "add steps",
             "Add a step or an A/B variant (Ctrl+Shift+S)", True),
            (self.start_button, Permission.CAMPAIGN_SEND, "start campaigns",
             "Start sending to the list's leads (Ctrl+Shift+R)",
             row is not None and row.status != "active"),
            (self.pause_button, Permission.CAMPAIGN_SEND, "pause campaigns",
             "Stop sending; leads keep their place (Ctrl+Shift+P)",
             row is not None and row.status == "active"),
        ):  # fmt: skip
            may = self._explain(button, permission, what, ok)
            button.setEnabled(may and row is not None and fits)
            if row is None:
                button.setToolTip("Select a campaign first")

    # --- actions --------------------------------------------------------------------------------
    def open_new(self) -> NewCampaignDialog | None:
        ws = self.workspace
        if ws is None or not self.allowed(Permission.CAMPAIGN_MANAGE, ws):
            return None
        container, actor = self.state.container, self.state.actor
        lists = self.call(lambda: container.leads.lists(actor, ws.name))
        accounts = self.call(lambda: container.sending.accounts(actor, ws.name))
        dialog = NewCampaignDialog(self.state, ws.name, lists or [], accounts or [], self)
        dialog.accepted.connect(lambda: self._changed(dialog.result_value, "Created"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_add_step(self) -> AddStepDialog | None:
        ws, row = self.workspace, self.selected()
        if ws is None or row is None or not self.allowed(Permission.CAMPAIGN_MANAGE, ws):
            return None
        leads, actor = self.state.container.leads, self.state.actor
        found = self.call(lambda: leads.leads(actor, ws.name, row.list, (), PREVIEW_LEADS))
        dialog = AddStepDialog(self.state, row, [lead.email for lead in found or []], self)
        dialog.accepted.connect(lambda: self._changed(dialog.result_value, "Added a step to"))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _changed(self, info: CampaignInfo | None, done: str) -> None:
        self.refresh()
        if info is not None:
            self._select(info.workspace, info.name)
            self.message.show_success(f"{done} {info.name}")

    def start_selected(self) -> None:
        self._switch(True)

    def pause_selected(self) -> None:
        self._switch(False)

    def _switch(self, start: bool) -> None:
        row = self.selected()
        ws = self.workspace_named(row.workspace) if row is not None else None
        if row is None or not self.allowed(Permission.CAMPAIGN_SEND, ws):
            return
        campaigns, actor = self.state.container.campaigns, self.state.actor
        act = campaigns.start if start else campaigns.pause
        try:
            info = act(actor, row.workspace, row.name)
        except PenguinError as error:
            self.message.show_error(error)
            return
        words = (f"Started {info.name}: {info.leads:,} leads enrolled" if start
                 else f"Paused {info.name}; its leads keep their place")  # fmt: skip
        self.refresh()
        self.message.show_success(words)

    def send_now(self) -> Job | None:
        ws = self.workspace
        if (
            ws is None
            or self.send_job is not None
            or not self.allowed(Permission.CAMPAIGN_SEND, ws)
        ):
            return None

        def start() -> Job:
            engine, actor = self.state.container.send_engine(), self.state.actor
            job = self.state.runner.start(
                f"Sending what is due in {ws.name}",
                lambda ctx: engine.run(actor, ws.name, once=True, ctx=ctx),
                self,
            )
            self.send_job = job
            self.message.show_info("Sending what is due… (progress in the status bar)")
            job.signals.finished.connect(self._sent)
            job.signals.failed.connect(self.message.show_error)
            job.signals.cancelled.connect(self.message.show_info)
            job.signals.ended.connect(self._send_ended)
            self._update_actions()
            return job

        return self.start_unlocked(ws.name, start)

    def cancel_send(self) -> None:
        if self.send_job is not None:
            self.send_job.cancel()
            self.cancel_button.setEnabled(False)
            self.message.show_info("Cancelling after the email under way…")

    def _sent(self, report: RunReport) -> None:
        text = report_text(report)
        if report.failed or report.paused_mailboxes:
            self.message.show_warning(text)
        else:
            self.message.show_success(text)
        self.state.notify(text)

    def _send_ended(self) -> None:
        self.send_job = None
        self.cancel_button.setEnabled(True)
        self.refresh()

    def forecast(self) -> Job | None:
        ws = self.workspace
        if (
            ws is None
            or self.plan_job is not None
            or not self.state.can(Permission.CAMPAIGN_READ, ws)
        ):
            return None
        insight, actor = self.state.container.campaign_insight, self.state.actor
        job = self.state.runner.start(
            f"Planning the next day of {ws.name}",
            lambda _ctx: insight.plan_day(actor, ws.name),
            self,
        )
        self.plan_job = job
        job.signals.finished.connect(lambda plan: self.message.show_info(plan_text(plan)))
        job.signals.failed.connect(self.message.show_error)
        job.signals.ended.connect(self._plan_ended)
        self._update_actions()
        return job

    def _plan_ended(self) -> None:
        self.plan_job = None
        self._update_actions()
