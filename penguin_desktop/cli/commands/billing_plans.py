"""`penguin plan ...` and `penguin flags ...`: the agency's plans from Stripe with their limits
and features, each workspace's usage against its plan, and feature flags per workspace."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.billing.models import FlagInfo, PlanInfo, UsageLine, WorkspacePlan
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.quotas import NOUNS

logger = logging.getLogger("penguin_desktop.cli")

# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv"}
    | {"xaf", "xof", "xpf"}
)
SETTINGS = {"on": True, "off": False, "default": None}


def price(plan: PlanInfo) -> str:
    """The price in words: 49.00 USD a month, 490.00 USD every 12 months."""
    money = (
        f"{plan.amount}" if plan.currency.lower() in ZERO_DECIMAL else f"{plan.amount / 100:.2f}"
    )
    every = (
        f"a {plan.interval}"
        if plan.interval_count == 1
        else f"every {plan.interval_count} {plan.interval}s"
    )
    return f"{money} {plan.currency.upper()} {every}"


def _limit(value: int | None) -> str:
    return "no limit" if value is None else str(value)


@dataclass(frozen=True)
class PlanView:
    """A plan as `plan list` prints it."""

    id: str
    name: str
    price: str
    domains: str
    mailboxes: str
    emails_month: str
    mode: str
    features: str
    active: bool
    problems: int

    @classmethod
    def of(cls, plan: PlanInfo) -> PlanView:
        limits = plan.limits
        return cls(
            plan.id,
            plan.name,
            price(plan),
            _limit(limits.max_domains),
            _limit(limits.max_mailboxes),
            _limit(limits.max_emails_month),
            limits.mode.value,
            ", ".join(plan.features) or "-",
            plan.active,
            len(plan.problems),
        )


def _state(line: UsageLine, plan: PlanInfo | None) -> str:
    if plan is None or line.limit is None:
        return "-"
    if line.over:
        return f"over ({'blocks' if plan.limits.mode.value == 'block' else 'warns'})"
    return "full" if line.full else "ok"


@dataclass(frozen=True)
class UsageView:
    """One limited resource of one workspace, as `plan usage` prints it."""

    workspace: str
    plan: str
    resource: str
    used: str
    limit: str
    state: str

    @classmethod
    def rows(cls, wp: WorkspacePlan) -> list[UsageView]:
        name = wp.plan.name if wp.plan else "none"
        return [
            cls(
                wp.workspace,
                name,
                NOUNS[line.resource][1],
                "not counted" if line.used is None else str(line.used),
                _limit(line.limit),
                _state(line, wp.plan),
            )
            for line in wp.usage
        ]


def warn_over_plan(state: CliState, workspace: str) -> None:
    """After creating a domain or a mailbox: a line on stderr for each limit of the workspace's
    plan it is now over (a plan that warns lets creation through). Reading the plan must not
    turn a creation that worked into a failure, so its errors are only logged."""
    try:
        sentences = state.container.plans.over_limits(state.actor(), workspace)
    except PenguinError as exc:
        logger.info("could not read the plan of %s: %s", workspace, exc.message)
        return
    for sentence in sentences:
        click.echo(f"warning: {sentence}", err=True)


@click.group("plan")
def plan() -> None:
    """Plans from Stripe: their limits and features, and each workspace's usage against them."""


@plan.command("list")
@shared_options()
@pass_state
def list_(state: CliState) -> None:
    """List the agency's plans (active ones first) with their limits and features."""
    plans = state.container.plans.plans(state.actor())
    if state.json:
        emit_table(state, plans, [], "")
        return
    columns = [
        ("id", "id"),
        ("name", "name"),
        ("price", "price"),
        ("domains", "domains"),
        ("mailboxes", "mailboxes"),
        ("emails_month", "emails/month"),
        ("mode", "over limit"),
        ("features", "features"),
        ("active", "active"),
        ("problems", "problems"),
    ]
    emit_table(
        state,
        [PlanView.of(p) for p in plans],
        columns,
        "No plans yet: sync billing from Stripe first.",
    )


def _plan_text(info: PlanInfo) -> str:
    limits = info.limits
    lines = [
        f"{info.name} ({info.id}): {price(info)}, {'active' if info.active else 'inactive'}",
        f"  sending domains: {_limit(limits.max_domains)}",
        f"  mailboxes: {_limit(limits.max_mailboxes)}",
        f"  emails a month: {_limit(limits.max_emails_month)}",
        f"  going over a limit: {'is refused' if limits.mode.value == 'block' else 'warns'}",
        f"  features: {', '.join(info.features) or 'none'}",
    ]
    lines += [f"  problem: {problem}" for problem in info.problems]
    return "\n".join(lines)


@plan.command("show")
@click.argument("plan_id", metavar="PLAN")
@shared_options()
@pass_state
def show(state: CliState, plan_id: str) -> None:
    """Show PLAN (its Stripe id, or its name): price, limits, features, and any metadata that
    could not be read."""
    with arguments("plan"):
        info = state.container.plans.plan(state.actor(), plan_id)
    emit_object(state, info, _plan_text(info))


@plan.command("usage")
@click.option("--workspace", "-w", help="Only this workspace (default: every one you can see).")
@shared_options()
@pass_state
def usage(state: CliState, workspace: str | None) -> None:
    """Show each workspace's plan and how many domains, mailboxes and emails a month it uses
    against the plan's limits."""
    service = state.container.plans
    actor = state.actor()
    plans = (
        [service.workspace_plan(actor, workspace)] if workspace else service.workspace_plans(actor)
    )
    if state.json:
        emit_table(state, plans, [], "")
        return
    columns = [
        ("workspace", "workspace"),
        ("plan", "plan"),
        ("resource", "resource"),
        ("used", "used"),
        ("limit", "limit"),
        ("state", "state"),
    ]
    rows = [row for wp in plans for row in UsageView.rows(wp)]
    emit_table(state, rows, columns, "No workspaces.")


@click.group("flags")
def flags() -> None:
    """Feature flags: on from a workspace's plan, or overridden for one workspace."""


@flags.command("list")
@click.option("--workspace", "-w", required=True, help="The client workspace.")
@shared_options()
@pass_state
def flags_list(state: CliState, workspace: str) -> None:
    """List every known flag, on or off for the workspace, and whether its plan or an override
    decides."""
    rows = state.container.plans.flags(state.actor(), workspace)
    emit_table(
        state,
        rows,
        [("flag", "flag"), ("enabled", "enabled"), ("source", "source")],
        "No feature flags: no plan names features and no flag is overridden.",
    )


def _flag_text(info: FlagInfo, workspace: str) -> str:
    why = {"override": "overridden", "plan": "from its plan", "none": "its plan does not have it"}
    return (
        f"{info.flag} is {'on' if info.enabled else 'off'} for {workspace!r} ({why[info.source]})"
    )


@flags.command("set")
@click.argument("flag")
@click.argument("setting", type=click.Choice(sorted(SETTINGS)))
@click.option("--workspace", "-w", required=True, help="The client workspace.")
@shared_options()
@pass_state
def flags_set(state: CliState, flag: str, setting: str, workspace: str) -> None:
    """Set FLAG for one workspace: SETTING on or off whatever its plan says, or default to let
    the plan decide again."""
    with arguments("flag"):
        info = state.container.plans.set_flag(state.actor(), workspace, flag, SETTINGS[setting])
    emit_object(state, info, _flag_text(info, workspace))
