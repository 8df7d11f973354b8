"""The detail pane of the Campaigns page: the selected campaign's settings and steps (at once,
from the listing) and its results (read by the page off the UI thread, since they count the send
ledger): sends per step and variant, what limits deferred and rules blocked, the A/B verdicts
and the leads stopped.

It scrolls: a campaign with five steps of five variants is taller than any screen."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from penguin_desktop.core.campaigns.models import (
    CampaignInfo,
    CampaignStats,
    DayPlan,
    RunReport,
    VariantResult,
)
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.list_model import Column, ListTableModel
from penguin_desktop.ui.widgets.page import make_table
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


RESULT_COLUMNS: tuple[Column[VariantResult], ...] = (
    Column(
        "Step", lambda r: f"{r.step} {r.variant}", lambda r: f"Step {r.step}, variant {r.variant}"
    ),
    Column("Sent", lambda r: f"{r.sent:,}"),
    Column("Replied", lambda r: percent(r.replied, r.sent), lambda r: f"{r.replied:,} replies"),
    Column("Bounced", lambda r: f"{r.bounced:,}"),
    Column("Unsubscribed", lambda r: f"{r.unsubscribed:,}"),
    Column("Failed", lambda r: f"{r.failed:,}", lambda _r: "The server refused them"),
    Column("Unknown", lambda r: f"{r.unknown:,}", lambda _r: "A crash left them unclear"),
)
RESULT_RULES = ColumnRules(whole=frozenset(c.title for c in RESULT_COLUMNS))


def counts_text(counts: Mapping[str, int], none: str) -> str:
    """ "daily limit: 4 · window closed: 2", most first; `none` when there are none."""
    if not counts:
        return none
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return " · ".join(f"{reason.replace('_', ' ')}: {n:,}" for reason, n in ordered)


def settings_text(info: CampaignInfo) -> str:
    limit = f"{info.daily_limit:,} a day" if info.daily_limit else "no daily limit"
    per_domain = (
        f"{info.recipient_domain_limit:,} a day per recipient domain"
        if info.recipient_domain_limit
        else "no per-domain cap"
    )
    zone = "each lead's own time zone" if info.timezone == "lead" else info.timezone
    boxes = ", ".join(info.mailboxes) or "none"
    return (
        f"List {info.list} · {info.leads:,} leads enrolled\n"
        f"Window {info.window} ({zone}) · {limit} · {per_domain}\n"
        f"Mailboxes: {boxes}"
    )


def steps_html(info: CampaignInfo) -> str:
    if not info.steps:
        return "No steps yet: Add step… writes the first email."
    lines = []
    for step in info.steps:
        when = "at the start" if step.position == 1 else "after"
        delay = f"{when} + {step.delay_days} business days" if step.delay_days else when
        subjects = "".join(
            f"<br>&nbsp;&nbsp;{escape(v.name)}: {escape(v.subject)}" for v in step.variants
        )
        lines.append(f"<b>Step {step.position}</b> ({delay}){subjects}")
    return "<br>".join(lines)


def report_text(report: RunReport) -> str:
    """A send pass in one paragraph: what went out, and what held or blocked the rest."""
    parts = [f"Sent {report.sent:,}, failed {report.failed:,}."]
    if report.held_by:
        parts.append(f"Held by {counts_text(report.held_by, '')}.")
    if report.blocked_by:
        parts.append(f"Blocked by {counts_text(report.blocked_by, '')}.")
    if report.paused_mailboxes:
        paused = "; ".join(f"{box} ({why})" for box, why in report.paused_mailboxes.items())
        parts.append(f"Paused mailboxes: {paused}.")
    if report.cancelled:
        parts.append("Cancelled before the pass ended.")
    return " ".join(parts)


def plan_text(plan: DayPlan) -> str:
    per_box = ", ".join(f"{box}: {n:,}" for box, n in sorted(plan.by_mailbox.items()))
    held = counts_text(plan.held_by, "nothing held")
    return (
        f"Next 24 hours: {plan.planned:,} of {plan.due:,} due emails planned"
        + (f" ({per_box})" if per_box else "")
        + f"; held by limit: {held}."
    )


def section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


def body_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # core's words may hold "<"
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CampaignDetail(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QFrame()
        inner.setObjectName("card")
        column = QVBoxLayout(inner)
        column.setContentsMargins(18, 14, 18, 16)
        column.setSpacing(8)
        self.headline = QLabel()
        self.headline.setObjectName("cardTitle")
        self.settings = body_label()
        self.steps = body_label()
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.message = InlineMessage()
        self.results_model: ListTableModel[VariantResult] = ListTableModel(RESULT_COLUMNS)
        self.results = make_table("CampaignsPage/results", RESULT_RULES)
        self.results.setModel(self.results_model)
        self.results.setMinimumHeight(130)
        self.deferred = body_label()
        self.blocked = body_label()
        self.verdicts = body_label()
        self.stopped = body_label()
        for widget in (self.headline, self.settings, section("Steps"), self.steps,
                       section("Results"), self.message, self.results,
                       section("Deferred by limit"), self.deferred,
                       section("Blocked by rule"), self.blocked, section("A/B tests"),
                       self.verdicts, section("Leads stopped"), self.stopped):  # fmt: skip
            column.addWidget(widget)
        column.addStretch(1)
        self.setWidget(inner)

    def show_campaign(self, info: CampaignInfo | None) -> None:
        """Settings and steps now; the results wait for `show_stats` (or stay empty)."""
        self.show_stats(None)
        if info is None:
            self.headline.setText("No campaign selected")
            self.settings.setText("")
            self.steps.setText("")
            return
        self.headline.setText(f"{info.name} — {info.status}")
        self.settings.setText(settings_text(info))
        self.steps.setText(steps_html(info))

    def show_reading(self) -> None:
        self.message.show_info("Reading the results…")

    def show_stats(self, stats: CampaignStats | None) -> None:
        self.message.clear_message()
        self.results_model.set_rows(stats.variants if stats else ())
        self.results.setVisible(bool(stats and stats.variants))
        if stats is None:
            for label in (self.deferred, self.blocked, self.verdicts, self.stopped):
                label.setText("—")
            return
        if not stats.variants:
            self.message.show_info("Nothing sent yet.")
        self.deferred.setText(counts_text(stats.deferred_by, "Nothing deferred."))
        self.blocked.setText(counts_text(stats.blocked_by, "Nothing blocked."))
        self.verdicts.setText(
            "\n".join(
                f"Step {v.step}: {v.note}"
                + (f" (p = {v.p_value:.3f})" if v.p_value is not None else "")
                for v in stats.ab
            )
            or "No step has two variants with sends yet."
        )
        self.stopped.setText(
            f"{stats.active:,} active · {stats.finished:,} finished of {stats.leads:,} · "
            + counts_text(stats.stopped, "none stopped")
        )
