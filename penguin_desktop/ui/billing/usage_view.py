"""One workspace's plan in full, beside the Plans & usage list: what it costs, each limited
resource as a bar against its limit (red once over it, "not counted yet" for what nothing counts
yet, no bar without a limit), what its metadata got wrong, and its feature flags with what
decides each (its plan or a setting by hand)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from penguin_desktop.core.billing.models import FlagInfo, PlanInfo, UsageLine, WorkspacePlan
from penguin_desktop.core.platform import quotas
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.monitoring.tab_base import ListTable
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.table_columns import ColumnRules

OVER_STYLE = f"QProgressBar::chunk {{ background: {theme.DANGER}; border-radius: 4px; }}"
FULL_STYLE = "QProgressBar::chunk { background: #d97706; border-radius: 4px; }"

FLAG_COLUMNS: tuple[Column[FlagInfo], ...] = (
    Column("Feature", lambda f: f.flag),
    Column("On", lambda f: "On" if f.enabled else "Off"),
    Column(
        "Decided by",
        lambda f: words.FLAG_SOURCES.get(f.source, f.source),
        lambda f: (
            "Set by hand for this workspace, whatever its plan says"
            if f.source == "override"
            else "Its plan's features (Stripe metadata) turn it on"
            if f.source == "plan"
            else "Off: its plan does not include it"
        ),
    ),
)


def price_words(plan: PlanInfo) -> str:
    every = plan.interval if plan.interval_count == 1 else f"{plan.interval_count} {plan.interval}s"
    return f"{words.amount(plan.amount, plan.currency)} a {every}"


def usage_words(line: UsageLine) -> str:
    if line.used is None:
        return "not counted yet"
    if line.limit is None:
        return f"{line.used:,}, no limit"
    return f"{line.used:,} of {line.limit:,}" + (", over the limit" if line.over else "")


def usage_tip(line: UsageLine) -> str:
    limit = "no limit" if line.limit is None else f"a limit of {line.limit:,}"
    if line.used is None:
        return f"Nothing counts these yet; the plan sets {limit}"
    return f"{quotas.counted(line.resource, line.used)} against {limit}"


class UsageRow:
    """A resource's caption and words over its bar (the bar only where a limit is counted)."""

    def __init__(self, column: QVBoxLayout, resource: str) -> None:
        self.caption = QLabel(words.RESOURCE_WORDS.get(resource, resource))
        self.caption.setObjectName("fieldCaption")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        head = QHBoxLayout()
        head.setSpacing(8)
        head.addWidget(self.caption)
        head.addStretch(1)
        head.addWidget(self.text)
        column.addLayout(head)
        column.addWidget(self.bar)

    def show_line(self, line: UsageLine) -> None:
        self.text.setText(usage_words(line))
        self.text.setToolTip(usage_tip(line))
        counted = line.used is not None and line.limit is not None
        self.bar.setVisible(counted)
        if line.used is not None and line.limit is not None:
            self.bar.setRange(0, max(line.limit, 1))
            self.bar.setValue(min(line.used, max(line.limit, 1)))
            self.bar.setStyleSheet(OVER_STYLE if line.over else FULL_STYLE if line.full else "")
            self.bar.setToolTip(usage_tip(line))
        color = theme.DANGER if line.over else theme.MUTED if line.used is None else "#0f172a"
        self.text.setStyleSheet(f"color: {color};")


class PlanDetail(QFrame):
    """A card whose title is the selected workspace and its plan."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(18, 14, 18, 16)
        self.layout_.setSpacing(10)
        self.name = QLabel()
        self.name.setObjectName("cardTitle")
        self.name.setTextFormat(Qt.TextFormat.PlainText)
        self.name.setWordWrap(True)
        self.description = QLabel()
        self.description.setObjectName("cardDescription")
        self.description.setWordWrap(True)
        self.layout_.addWidget(self.name)
        self.layout_.addWidget(self.description)
        usage = QVBoxLayout()
        usage.setSpacing(4)
        self.rows = {r: UsageRow(usage, r) for r in quotas.RESOURCES}
        self.layout_.addLayout(usage)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {theme.DANGER};")
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.layout_.addWidget(self.problems)
        self.flags_title = QLabel("Features")
        self.flags_title.setObjectName("subhead")
        self.layout_.addWidget(self.flags_title)
        self.flags = ListTable(
            "BillingPage/flags",
            FLAG_COLUMNS,
            lambda f: f.flag,
            ColumnRules(whole=frozenset({"On"})),
        )
        self.flags.table.setObjectName("flagTable")
        self.layout_.addWidget(self.flags.table, 1)
        self.no_flags = QLabel("No plan names a feature and none is set by hand.")
        self.no_flags.setObjectName("footnote")
        self.layout_.addWidget(self.no_flags)

    def show_plan(self, plan: WorkspacePlan | None, flags: list[FlagInfo]) -> None:
        self.name.setText(self._title(plan))
        self.description.setText(self._description(plan))
        for row in self.rows.values():
            row.caption.setVisible(plan is not None)
            row.text.setVisible(plan is not None)
            row.bar.setVisible(False)
        for line in plan.usage if plan is not None else ():
            if line.resource in self.rows:
                self.rows[line.resource].show_line(line)
        problems = plan.plan.problems if plan is not None and plan.plan is not None else ()
        self.problems.setText("\n".join(f"Stripe metadata: {p}" for p in problems))
        self.problems.setVisible(bool(problems))
        self.flags.set_rows(flags)
        self.flags.table.setVisible(bool(flags))
        self.no_flags.setVisible(plan is not None and not flags)
        self.flags_title.setVisible(plan is not None)

    @staticmethod
    def _title(plan: WorkspacePlan | None) -> str:
        if plan is None:
            return "No workspace selected"
        name = plan.plan.name if plan.plan is not None else "no plan"
        return f"{plan.workspace}: {name}"

    @staticmethod
    def _description(plan: WorkspacePlan | None) -> str:
        if plan is None:
            return "Select a workspace to see its usage against its plan and its features."
        if plan.plan is None:
            return (
                "No live subscription: nothing is limited. A plan applies once one of the "
                "workspace's Stripe customers subscribes."
            )
        p = plan.plan
        status = words.SUBSCRIPTION_WORDS.get(plan.subscription_status or "", "")
        mode = (
            "creating more than a limit allows is refused"
            if p.limits.mode.value == "block"
            else "going over a limit only warns"
        )
        return f"{price_words(p)} · {status or 'subscribed'} · {mode}."
