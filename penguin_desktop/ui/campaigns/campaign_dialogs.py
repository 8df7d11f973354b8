"""The Campaigns page's dialogs: a new campaign over a lead list and the workspace's mailboxes,
and a step (or another A/B variant of one) with a preview of how a saved step reads for a lead.

Each OK is one quick core call (FormDialog); core's errors land under the field they name. The
preview renders through `campaign_insight.preview` on a worker: it reads the lead, the
suppression lists and the sender details, which is more than a keystroke should wait for."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from penguin_desktop.core.campaigns.models import CampaignInfo, MessagePreview
from penguin_desktop.core.mailboxes.models import SendingAccount
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.form import FormDialog, hint_label
from penguin_desktop.ui.widgets.inline_message import InlineMessage

ZONES = ("UTC", "lead", "Europe/London", "Europe/Berlin", "America/New_York",
         "America/Los_Angeles", "Asia/Singapore", "Australia/Sydney")  # fmt: skip
NO_LIMIT = "No limit"
NEW_STEP = "A new step"


def limit_box(tooltip: str) -> QSpinBox:
    """A limit where 0 reads "No limit" (core's None)."""
    box = QSpinBox()
    box.setRange(0, 1_000_000)
    box.setSpecialValueText(NO_LIMIT)
    box.setToolTip(tooltip)
    return box


class NewCampaignDialog(FormDialog):
    """A draft campaign: nothing is sent until it is started."""

    def __init__(
        self,
        state: AppState,
        workspace: str,
        lists: Sequence[str],
        accounts: Sequence[SendingAccount],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "New campaign",
            f"A draft in {workspace}: add its steps, then Start sends to the list's leads "
            "from the chosen mailboxes, in turn, inside the sending window.",
            ok_text="Create campaign",
            parent=parent,
        )
        self.state, self.workspace = state, workspace
        self.result_value: CampaignInfo | None = None
        self.name = QLineEdit()
        self.name.setPlaceholderText("Spring outreach")
        self.list_combo = QComboBox()
        self.list_combo.addItems(list(lists))
        self.mailboxes = QListWidget()
        self.mailboxes.setMaximumHeight(120)
        for account in accounts:
            self.mailboxes.addItem(_mailbox_item(account))
        self.window_edit = QLineEdit("Mon-Fri 09:00-17:00")
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(list(ZONES))
        self.timezone.setToolTip('An IANA time zone, or "lead": each lead\'s own country')
        self.daily = limit_box("At most this many first emails a day for this campaign")
        self.per_domain = limit_box("At most this many emails a day to one recipient domain")
        self.form.addRow("&Name", self.name)
        self.form.addRow("&Lead list", self.list_combo)
        self.form.addRow("&Mailboxes", self.mailboxes)
        if not accounts:
            self.form.addRow("", hint_label("No mailboxes yet: create or connect one first."))
        self.form.addRow("Sending &window", self.window_edit)
        self.form.addRow("", hint_label("Days and hours, e.g. Mon-Fri 09:00-17:00"))
        self.form.addRow("&Time zone", self.timezone)
        self.form.addRow("&Daily limit", self.daily)
        self.form.addRow("Per recipient &domain", self.per_domain)
        self.fields = {
            "name": self.name, "list": self.list_combo, "mailbox": self.mailboxes,
            "window": self.window_edit, "timezone": self.timezone, "daily_limit": self.daily,
            "recipient_domain_limit": self.per_domain,
        }  # fmt: skip

    def chosen_mailboxes(self) -> list[str]:
        items = (self.mailboxes.item(i) for i in range(self.mailboxes.count()))
        return [
            i.data(Qt.ItemDataRole.UserRole)
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]

    def submit(self) -> None:
        self.result_value = self.state.container.campaigns.create(
            self.state.actor, self.workspace, self.name.text(), self.list_combo.currentText(),
            self.chosen_mailboxes(), window=self.window_edit.text(),
            timezone=self.timezone.currentText().strip(),
            daily_limit=self.daily.value() or None,
            recipient_domain_limit=self.per_domain.value() or None,
        )  # fmt: skip


def _mailbox_item(account: SendingAccount) -> QListWidgetItem:
    """A checkable mailbox; a paused one says why (the engine skips it until resumed)."""
    paused = account.limits.paused_at is not None
    kind = "outside" if account.kind == "outside" else "MailU"
    text = f"{account.email} ({kind})"
    if paused:
        text += f" — paused: {account.limits.pause_reason or 'by hand'}"
    item = QListWidgetItem(text)
    item.setData(Qt.ItemDataRole.UserRole, account.email)
    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
    item.setCheckState(Qt.CheckState.Unchecked)
    item.setToolTip("Paused: nothing is sent from it until it is resumed" if paused else "")
    return item


class AddStepDialog(FormDialog):
    """A follow-up step, or another A/B variant of an existing one (`to step`)."""

    def __init__(
        self,
        state: AppState,
        campaign: CampaignInfo,
        leads: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Add a step to {campaign.name}",
            "Templates take {{first_name}}, {{company}} and the lead's other fields, with a "
            "fallback as {{first_name|there}}; {a|b} spins a variation.",
            ok_text="Add step",
            parent=parent,
        )
        self.state, self.campaign = state, campaign
        self.result_value: CampaignInfo | None = None
        self.preview_job: Job | None = None
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("Quick question, {{first_name|there}}")
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("Plain-text body (every email carries one)")
        self.body.setMinimumHeight(110)
        self.html = QPlainTextEdit()
        self.html.setPlaceholderText("Optional HTML body")
        self.html.setMaximumHeight(70)
        self.delay = QSpinBox()
        self.delay.setRange(0, 365)
        self.delay.setSuffix(" business days")
        self.delay.setValue(3 if campaign.steps else 0)
        self.variant = QLineEdit()
        self.variant.setPlaceholderText("A")
        self.to_step = QComboBox()
        self.to_step.addItem(NEW_STEP, None)
        for step in campaign.steps:
            names = ", ".join(v.name for v in step.variants)
            self.to_step.addItem(f"Step {step.position} (variants {names})", step.position)
        self.to_step.currentIndexChanged.connect(self._target_changed)
        self.form.addRow("&Subject", self.subject)
        self.form.addRow("&Body", self.body)
        self.form.addRow("&HTML", self.html)
        self.form.addRow("&Delay", self.delay)
        self.form.addRow("&Variant", self.variant)
        self.form.addRow("Add &to", self.to_step)
        self.fields = {
            "subject": self.subject, "body": self.body, "delay": self.delay,
            "variant": self.variant, "step": self.to_step,
        }  # fmt: skip
        self._add_preview(leads)

    def _add_preview(self, leads: Sequence[str]) -> None:
        self.lead = QComboBox()
        self.lead.setEditable(True)
        self.lead.addItems(list(leads))
        self.lead.setToolTip("The lead to render the saved step for")
        self.preview_step = QComboBox()
        for step in self.campaign.steps:
            self.preview_step.addItem(f"Step {step.position}", step.position)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Render the saved step for this lead, as it would be sent")
        self.preview_button.setEnabled(bool(self.campaign.steps))
        self.preview_button.clicked.connect(self.start_preview)
        row = QHBoxLayout()
        row.addWidget(self.lead, 1)
        row.addWidget(self.preview_step)
        row.addWidget(self.preview_button)
        caption = QLabel("&Preview for")  # a row of widgets takes no mnemonic by itself
        caption.setBuddy(self.lead)
        self.form.addRow(caption, row)
        self.preview = InlineMessage()
        self.preview.setTextFormat(Qt.TextFormat.PlainText)  # a subject may hold "<"
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow("", self.preview)
        if not self.campaign.steps:
            self.form.addRow("", hint_label("Once a step is saved, preview it for a lead here."))

    def _target_changed(self) -> None:
        """A variant of an existing step keeps that step's delay."""
        self.delay.setEnabled(self.to_step.currentData() is None)

    def submit(self) -> None:
        self.result_value = self.state.container.campaigns.add_step(
            self.state.actor, self.campaign.workspace, self.campaign.name, self.subject.text(),
            self.body.toPlainText(), body_html=self.html.toPlainText().strip() or None,
            delay_days=self.delay.value(), variant=self.variant.text().strip() or None,
            step=self.to_step.currentData(), new_step=self.to_step.currentData() is None,
        )  # fmt: skip

    # --- preview --------------------------------------------------------------------------------
    def start_preview(self) -> Job | None:
        email = self.lead.currentText().strip()
        if self.preview_job is not None or not email:
            return None
        insight, actor, info = (
            self.state.container.campaign_insight,
            self.state.actor,
            self.campaign,
        )
        step = int(self.preview_step.currentData() or 1)
        job = self.state.runner.start(
            f"Previewing step {step} for {email}",
            lambda _ctx: insight.preview(actor, info.workspace, info.name, email, step),
            self,
        )
        self.preview_job = job
        self.preview_button.setEnabled(False)
        self.preview.show_info("Rendering…")
        job.signals.finished.connect(self.show_preview)
        job.signals.failed.connect(self.preview.show_error)
        job.signals.ended.connect(self._preview_ended)
        return job

    def show_preview(self, found: MessagePreview) -> None:
        if found.blocked:
            self.preview.show_warning(f"Not sent to {found.lead}: {found.blocked}")
            return
        sender = f"From {found.sender} · " if found.sender else ""
        body = found.text if len(found.text) <= 400 else found.text[:400] + "…"
        self.preview.show_success(
            f"{sender}variant {found.variant}\nSubject: {found.subject}\n\n{body}"
        )

    def _preview_ended(self) -> None:
        self.preview_job = None
        self.preview_button.setEnabled(bool(self.campaign.steps))
