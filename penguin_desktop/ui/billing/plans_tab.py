"""The Plans & usage tab of the Billing page: each workspace's plan (from its Stripe
subscription), its usage against the plan's limits and its feature flags. Every member of a
workspace may read its plan, so this tab shows even to roles that may not see billing (core
lists the workspaces each role may see). Admins and the owner turn a flag on or off for one
workspace, or hand it back to its plan."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QWidget

from penguin_desktop.core.billing.models import FlagInfo, UsageLine, WorkspacePlan
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.billing import words
from penguin_desktop.ui.billing.tab_base import BillingTab
from penguin_desktop.ui.billing.usage_view import PlanDetail, price_words
from penguin_desktop.ui.monitoring.tab_base import ListTable, roles_words
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.widgets.badge_delegate import DANGER, BadgeDelegate, BadgeStyle
from penguin_desktop.ui.widgets.list_model import Column
from penguin_desktop.ui.widgets.page import action_button
from penguin_desktop.ui.widgets.table_columns import ColumnRules


def _line(plan: WorkspacePlan, resource: str) -> UsageLine | None:
    return next((u for u in plan.usage if u.resource == resource), None)


def _usage(resource: str) -> Column[WorkspacePlan]:
    def text(plan: WorkspacePlan) -> str:
        line = _line(plan, resource)
        if line is None or line.used is None:
            return "—"
        return f"{line.used:,} / {line.limit:,}" if line.limit is not None else f"{line.used:,}"

    return Column(SHORT_WORDS[resource], text, lambda p: words.RESOURCE_WORDS[resource])


SHORT_WORDS = {"domains": "Domains", "mailboxes": "Mailboxes"}


def _over(plan: WorkspacePlan) -> str:
    over = [words.RESOURCE_WORDS[u.resource].lower() for u in plan.usage if u.over]
    return "Over: " + ", ".join(over) if over else ""


COLUMNS: tuple[Column[WorkspacePlan], ...] = (
    Column("Workspace", lambda p: p.workspace),
    Column(
        "Plan",
        lambda p: p.plan.name if p.plan else "No plan",
        lambda p: price_words(p.plan) if p.plan else "No live subscription: nothing is limited",
    ),
    Column(
        "Subscription",
        lambda p: (
            words.SUBSCRIPTION_WORDS.get(p.subscription_status or "", "")
            if p.subscription_status
            else ""
        ),
        lambda p: p.subscription or "",
    ),
    _usage("domains"),
    _usage("mailboxes"),
    Column("Limits", _over),
)
LIMITS_COLUMN = 5


def over_style(plan: object) -> BadgeStyle | None:
    return DANGER if isinstance(plan, WorkspacePlan) and _over(plan) else None


class PlansTab(BillingTab):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(state, "workspaces", parent)
        self._build_bar()
        self.list = ListTable(
            "BillingPage/plans",
            COLUMNS,
            lambda p: p.workspace,
            ColumnRules(
                whole=frozenset({"Domains", "Mailboxes"}),
                least={"Workspace": 100, "Plan": 100},
            ),
        )
        self.table = self.list.table
        self.table.setObjectName("planTable")
        self.table.setItemDelegateForColumn(LIMITS_COLUMN, BadgeDelegate(over_style, self.table))
        self.detail = PlanDetail()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.detail.setMinimumWidth(300)
        self.detail.setMaximumWidth(440)
        self.splitter.setSizes([600, 380])
        self.set_content(self.splitter)
        self.list.on_selection(self._selected_changed)
        self.detail.flags.on_selection(self._update_actions)
        self.rows: list[WorkspacePlan] = []
        self.flags: list[FlagInfo] = []

    def _build_bar(self) -> None:
        self.count = QLabel()
        self.count.setObjectName("footnote")
        self.on_button = action_button("Turn o&n", "check")
        self.off_button = action_button("Turn of&f", "cancel")
        self.plan_button = action_button("Follow p&lan", "refresh")
        self.on_button.clicked.connect(lambda: self.set_flag(True))
        self.off_button.clicked.connect(lambda: self.set_flag(False))
        self.plan_button.clicked.connect(lambda: self.set_flag(None))
        self.bar.addWidget(self.heading("Plans & usage"))
        self.bar.addWidget(self.count)
        self.bar.addStretch(1)
        for button in (self.plan_button, self.off_button, self.on_button):
            self.bar.addWidget(button)

    # --- loading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        plans = self.state.container.plans
        self.rows = self.call(lambda: plans.workspace_plans(self.state.actor)) or []
        self.list.set_rows(self.rows)
        over = sum(1 for p in self.rows if _over(p))
        self.count.setText(
            f"{len(self.rows)} workspace{'' if len(self.rows) == 1 else 's'}"
            + (f", {over} over a limit" if over else "")
            if self.rows
            else ""
        )
        self.empty.set_text(
            "No workspaces to show",
            "Each client workspace's plan, usage and features show here; you are a member "
            "of none yet.",
        )
        self.empty.set_action(None)
        self.show_content(bool(self.rows))
        self._selected_changed()

    def _selected_changed(self) -> None:
        plan = self.list.selected()
        self.flags = []
        if plan is not None:
            plans, actor = self.state.container.plans, self.state.actor
            self.flags = self.call(lambda: plans.flags(actor, plan.workspace)) or []
        self.detail.show_plan(plan, self.flags)
        self._update_actions()

    # --- flags ----------------------------------------------------------------------------------
    def set_flag(self, enabled: bool | None) -> FlagInfo | None:
        """Turn the selected flag on or off for the selected workspace; None: its plan decides."""
        plan, flag = self.list.selected(), self.detail.flags.selected()
        if plan is None or flag is None or not self.state.can(Permission.FLAG_SET):
            return None
        plans, actor = self.state.container.plans, self.state.actor
        done = self.call(lambda: plans.set_flag(actor, plan.workspace, flag.flag, enabled))
        if done is not None:
            state = "on" if done.enabled else "off"
            how = "by hand" if done.source == "override" else "as its plan says"
            text = f"{done.flag} is {state} for {plan.workspace} ({how})"
            self.message.show_success(text)
            self.state.notify(text)
            self._selected_changed()
        return done

    def _update_actions(self) -> None:
        may = self.state.can(Permission.FLAG_SET)
        flag = self.detail.flags.selected()
        refused = f"Only {roles_words(Permission.FLAG_SET)} set a workspace's features"
        for button, ready, tip in (
            (
                self.on_button,
                flag is not None and not flag.enabled,
                "Turn it on for this workspace",
            ),
            (self.off_button, flag is not None and flag.enabled, "Turn it off for this workspace"),
            (
                self.plan_button,
                flag is not None and flag.source == "override",
                "Forget the setting by hand: the workspace's plan decides again",
            ),
        ):
            button.setVisible(may)
            button.setEnabled(may and ready)
            button.setToolTip(
                refused if not may else "Select a feature first" if flag is None else tip
            )
