"""The "Sending limits…" dialog of the Mailboxes page, for a MailU or an outside mailbox: how
many a day, how far apart, the warm-up ramp, the bounce rate that pauses it, and the pause
itself. OK saves the limits and then pauses or resumes, each one audited core call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLineEdit, QWidget

from penguin_desktop.core.mailboxes.models import SendingLimits
from penguin_desktop.core.mailboxes.sending import MAX_DAILY, MAX_GAP_SECONDS, MAX_WARMUP_STEP
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.ui.mailboxes.forms import MailboxForm
from penguin_desktop.ui.mailboxes.outside import limit_box
from penguin_desktop.ui.shell.state import AppState


class LimitsDialog(MailboxForm):
    """Every `mailbox set-limits` option, plus pausing with a reason."""

    def __init__(
        self, state: AppState, limits: SendingLimits, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            state.runner,
            f"Sending limits of {limits.email}",
            "Shared by every campaign sending from this mailbox. A warm-up starts low today "
            "and adds a step a day up to the daily limit.",
            ok_text="Save limits",
            parent=parent,
        )
        self.state, self.limits = state, limits
        self.daily_limit = limit_box(1, MAX_DAILY, limits.daily_limit, " a day")
        self.min_gap = limit_box(0, MAX_GAP_SECONDS, limits.min_gap_seconds, " s apart")
        self.warmup = QCheckBox("Warm up")
        self.warmup.setChecked(limits.warmup_start is not None)
        self.warmup_start = limit_box(1, MAX_DAILY, limits.warmup_start or 5, " a day at first")
        self.warmup_step = limit_box(1, MAX_WARMUP_STEP, limits.warmup_step, " more each day")
        self.bounce = QDoubleSpinBox()
        self.bounce.setRange(0.1, 100.0)
        self.bounce.setDecimals(1)
        self.bounce.setSuffix(" % bounces pause it")
        self.bounce.setValue(limits.bounce_threshold * 100)
        # A double spin box's editor comes out a few pixels short of its text in a form row.
        self.bounce.setMinimumHeight(self.daily_limit.sizeHint().height())
        self.paused = QCheckBox("Paused: no campaign sends from it")
        self.paused.setChecked(limits.paused_at is not None)
        self.reason = QLineEdit(limits.pause_reason or "")
        self.reason.setPlaceholderText("why (shown with the mailbox)")
        for label, field, widget in (
            ("&Daily limit", "daily_limit", self.daily_limit),
            ("&Gap", "min_gap_seconds", self.min_gap),
            ("", "", self.warmup),
            ("Warm-up &start", "warmup_start", self.warmup_start),
            ("Warm-up s&tep", "warmup_step", self.warmup_step),
            ("&Bounces", "bounce_threshold", self.bounce),
            ("", "", self.paused),
            ("&Reason", "reason", self.reason),
        ):
            self.form.addRow(label, widget)
            if field:
                self.fields[field] = widget
        self.warmup.toggled.connect(self._enable)
        self.paused.toggled.connect(self._enable)
        self._enable()
        self.result_value: SendingLimits | None = None

    def _enable(self, *_: object) -> None:
        self.warmup_start.setEnabled(self.warmup.isChecked())
        self.warmup_step.setEnabled(self.warmup.isChecked())
        self.reason.setEnabled(self.paused.isChecked())

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        old, sending, actor = self.limits, self.state.container.sending, self.state.actor
        pause = self.paused.isChecked()
        reason = self.reason.text().strip()
        if pause and not reason:
            raise ValidationError("say why the mailbox is paused", field="reason")
        ramp = self.warmup.isChecked()
        start = self.warmup_start.value() if ramp else None
        restart = ramp and (start != old.warmup_start or old.warmup_since is None)
        changes: dict[str, Any] = {
            "daily_limit": self.daily_limit.value(),
            "min_gap_seconds": self.min_gap.value(),
            "warmup_step": self.warmup_step.value(),
            "bounce_threshold": round(self.bounce.value() / 100, 4),
            "warmup_start": start if restart else None,
            "no_warmup": not ramp and old.warmup_start is not None,
        }

        def work(_ctx: JobContext) -> SendingLimits:
            limits = sending.set_limits(actor, old.email, old.workspace, **changes)
            if pause and (old.paused_at is None or reason != old.pause_reason):
                limits = sending.pause(actor, old.email, old.workspace, reason)
            elif not pause and old.paused_at is not None:
                limits = sending.resume(actor, old.email, old.workspace)
            return limits

        return f"Saving the limits of {old.email}", work
