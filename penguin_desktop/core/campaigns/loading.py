"""What a send pass or a forecast reads from the database, in a handful of queries whatever
the number of leads: the active campaigns with their steps, the due leads, and the counts of
the last 24 hours the limits are measured against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import planner
from penguin_desktop.core.campaigns.ledger import DAY, LIVE
from penguin_desktop.core.campaigns.schedule import Window
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    CampaignMailboxRow,
    CampaignRow,
    CampaignStepRow,
    SendRow,
    StepVariantRow,
)
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.mailboxes import SendingAccount

BOUNCE_WINDOW = timedelta(days=7)
MIN_SENDS_FOR_RATE = 20


@dataclass(frozen=True)
class VariantSpec:
    name: str
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class StepSpec:
    id: int
    position: int
    delay_days: int
    variants: tuple[VariantSpec, ...]


@dataclass(frozen=True)
class CampaignSpec:
    id: int
    workspace_id: int
    name: str
    window: Window
    timezone: str
    daily_limit: int | None
    recipient_domain_limit: int | None
    stop_on_reply: bool
    mailboxes: tuple[str, ...]
    steps: tuple[StepSpec, ...]

    def next_delay(self, position: int) -> int | None:
        """The delay before the step after `position`, None when it was the last."""
        later = position + 1
        return self.steps[later].delay_days if later < len(self.steps) else None


def campaigns(session: Session, workspace_ids: Iterable[int]) -> dict[int, CampaignSpec]:
    """The active campaigns that have steps."""
    return _specs(
        session,
        select(CampaignRow).where(
            CampaignRow.workspace_id.in_(list(workspace_ids)), CampaignRow.status == "active"
        ),
    )


def campaigns_by_id(session: Session, ids: Iterable[int]) -> dict[int, CampaignSpec]:
    """These campaigns, whatever their status, when they have steps."""
    return _specs(session, select(CampaignRow).where(CampaignRow.id.in_(list(ids))))


def _specs(session: Session, query: Select[Any]) -> dict[int, CampaignSpec]:
    rows: list[CampaignRow] = list(session.execute(query).scalars())
    ids = [r.id for r in rows]
    boxes: dict[int, list[str]] = defaultdict(list)
    for cid, email in session.execute(
        select(CampaignMailboxRow.campaign_id, CampaignMailboxRow.email)
        .where(CampaignMailboxRow.campaign_id.in_(ids))
        .order_by(CampaignMailboxRow.campaign_id, CampaignMailboxRow.position)
    ):
        boxes[cid].append(email)
    variants: dict[int, list[VariantSpec]] = defaultdict(list)
    steps: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for step in session.execute(
        select(CampaignStepRow)
        .where(CampaignStepRow.campaign_id.in_(ids))
        .order_by(CampaignStepRow.position)
    ).scalars():
        steps[step.campaign_id].append((step.id, step.position, step.delay_days))
    step_ids = [s[0] for rows_ in steps.values() for s in rows_]
    for v in session.execute(
        select(StepVariantRow)
        .where(StepVariantRow.step_id.in_(step_ids))
        .order_by(StepVariantRow.id)
    ).scalars():
        variants[v.step_id].append(VariantSpec(v.name, v.subject, v.body_text, v.body_html))
    found = {}
    for r in rows:
        specs = tuple(StepSpec(i, p, d, tuple(variants[i])) for i, p, d in steps[r.id])
        if specs and all(s.variants for s in specs):
            found[r.id] = CampaignSpec(
                r.id, r.workspace_id, r.name, Window(r.window_days, r.window_start, r.window_end),
                r.timezone, r.daily_limit, r.recipient_domain_limit, r.stop_on_reply,
                tuple(boxes[r.id]), specs,
            )  # fmt: skip
    return found


def due_leads(
    session: Session, specs: Mapping[int, CampaignSpec], until: datetime
) -> tuple[list[planner.DueLead], dict[tuple[int, int], str | None]]:
    """Active leads due by `until`, oldest first, and what held each one last time."""
    found: list[planner.DueLead] = []
    held: dict[tuple[int, int], str | None] = {}
    if not specs:
        return found, held
    query = (
        select(
            CampaignLeadRow.campaign_id, CampaignLeadRow.lead_id, CampaignLeadRow.step,
            CampaignLeadRow.due_at, CampaignLeadRow.sender, CampaignLeadRow.held_by,
            LeadRow.email, LeadRow.country,
        )
        .join(LeadRow, LeadRow.id == CampaignLeadRow.lead_id)
        .where(
            CampaignLeadRow.campaign_id.in_(list(specs)),
            CampaignLeadRow.state == "active",
            CampaignLeadRow.due_at <= until,
        )
        .order_by(CampaignLeadRow.due_at, CampaignLeadRow.lead_id)
    )  # fmt: skip
    for cid, lid, step, due, sender, held_by, email, country in session.execute(query):
        if step >= len(specs[cid].steps):
            continue
        domain = email.rpartition("@")[2]
        found.append(planner.DueLead(cid, lid, step, due, domain, country, sender))
        held[(cid, lid)] = held_by
    return found, held


def rates(session: Session, emails: Sequence[str], now: datetime) -> dict[str, tuple[int, int]]:
    """Per mailbox, over the last week: sends, and bounces plus complaints."""
    rows = session.execute(
        select(
            SendRow.sender,
            func.count(),
            func.count(SendRow.bounced_at) + func.count(SendRow.complained_at),
        )
        .where(SendRow.sender.in_(emails), SendRow.reserved_at > now - BOUNCE_WINDOW)
        .where(SendRow.status.in_(LIVE))
        .group_by(SendRow.sender)
    )
    return {s: (int(n), int(b)) for s, n, b in rows}


def bad_rate(sends: int, bad: int) -> float:
    return bad / sends if sends >= MIN_SENDS_FOR_RATE else 0.0


def senders(
    session: Session, accounts: Mapping[str, SendingAccount], now: datetime, jitter: float
) -> list[planner.Sender]:
    """Each mailbox's budget: today's cap after the ramp, sends in the last 24 h, when it is
    free again (its last send plus its gap, with this pass's jitter)."""
    emails = list(accounts)
    counts = dict(
        iter(
            session.execute(
                select(SendRow.sender, func.count())
                .where(SendRow.sender.in_(emails), SendRow.reserved_at > now - DAY)
                .where(SendRow.status.in_(LIVE))
                .group_by(SendRow.sender)
            )
        )
    )
    last = dict(
        iter(
            session.execute(
                select(SendRow.sender, func.max(SendRow.reserved_at))
                .where(SendRow.sender.in_(emails))
                .group_by(SendRow.sender)
            )
        )
    )
    week = rates(session, emails, now)
    budgets = []
    for email, account in accounts.items():
        a = account.limits
        n, b = week.get(email, (0, 0))
        cap, ramped = planner.warmup_cap(
            a.daily_limit, a.warmup_start, a.warmup_step, a.warmup_since, now,
            bad_rate(n, b), a.bounce_threshold,
        )  # fmt: skip
        previous = last.get(email)
        gap = float(a.min_gap_seconds)
        free = previous + timedelta(seconds=gap * (1 + jitter)) if previous else now
        paused = a.pause_reason or "paused" if a.paused_at is not None else None
        if not account.enabled:
            paused = paused or "the mailbox is disabled"
        budgets.append(
            planner.Sender(email, email.rpartition("@")[2], cap, int(counts.get(email, 0)), gap,
                           free, ramped, paused)
        )  # fmt: skip
    return budgets


def domain_caps(
    session: Session, limits: Mapping[str, int], accounts: Iterable[str], now: datetime
) -> dict[str, tuple[int, int]]:
    by_domain: dict[str, list[str]] = defaultdict(list)
    for email in accounts:
        by_domain[email.rpartition("@")[2]].append(email)
    caps = {}
    for domain, cap in limits.items():
        members = by_domain.get(domain, [])
        sent = session.execute(
            select(func.count())
            .select_from(SendRow)
            .where(SendRow.sender.in_(members), SendRow.reserved_at > now - DAY)
            .where(SendRow.status.in_(LIVE))
        ).scalar_one()
        caps[domain] = (cap, int(sent))
    return caps


def campaign_plans(
    session: Session, specs: Mapping[int, CampaignSpec], now: datetime
) -> list[planner.CampaignPlan]:
    """The campaigns with their sends of the last 24 h, in total and per recipient domain."""
    ids = list(specs)
    per_domain: dict[int, dict[str, int]] = defaultdict(dict)
    totals: dict[int, int] = defaultdict(int)
    for cid, domain, n in session.execute(
        select(SendRow.campaign_id, SendRow.recipient_domain, func.count())
        .where(SendRow.campaign_id.in_(ids), SendRow.reserved_at > now - DAY)
        .where(SendRow.status.in_(LIVE))
        .group_by(SendRow.campaign_id, SendRow.recipient_domain)
    ):
        per_domain[cid][domain] = int(n)
        totals[cid] += int(n)
    return [
        planner.CampaignPlan(
            s.id,
            s.window,
            s.timezone,
            s.mailboxes,
            s.daily_limit,
            totals[s.id],
            s.recipient_domain_limit,
            per_domain[s.id],
        )
        for s in specs.values()
    ]
