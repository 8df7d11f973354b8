"""A campaign's results per step and variant, from the ledger, and the A/B verdict on reply
rate: a winner is named only past a minimum sample per variant and when a two-proportion
z-test puts the difference past chance (p < 0.05); otherwise it says what is missing."""

from __future__ import annotations

import math
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns.models import AbVerdict, VariantResult
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    CampaignStepRow,
    HoldTallyRow,
    SendRow,
)

MIN_SAMPLE = 100
ALPHA = 0.05


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> tuple[float, float] | None:
    """z and the two-sided p-value of "A's rate differs from B's", None when undefined (an
    empty sample, or both rates 0 or 1)."""
    if n_a == 0 or n_b == 0:
        return None
    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return None
    z = (hits_a / n_a - hits_b / n_b) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


def verdict(
    step: int, results: Sequence[VariantResult], min_sample: int = MIN_SAMPLE
) -> AbVerdict | None:
    """The step's leader against its runner-up on reply rate; None for a single variant."""
    if len(results) < 2:
        return None
    ranked = sorted(results, key=lambda r: (-r.reply_rate, r.variant))
    lead, second = ranked[0], ranked[1]
    test = two_proportion_z(lead.replied, lead.sent, second.replied, second.sent)
    z, p = test if test is not None else (None, None)
    smallest = min(r.sent for r in results)
    if smallest < min_sample:
        note = f"too early: {smallest} sends in the smallest variant, {min_sample} needed"
        return AbVerdict(step, lead.variant, second.variant, z, p, None, note)
    if p is None or p >= ALPHA:
        shown = "n/a" if p is None else f"{p:.3f}"
        note = f"no significant difference yet (p = {shown})"
        return AbVerdict(step, lead.variant, second.variant, z, p, None, note)
    note = f"{lead.variant} replies more than {second.variant} (p = {p:.4f})"
    return AbVerdict(step, lead.variant, second.variant, z, p, lead.variant, note)


def variant_results(session: Session, campaign_id: int) -> list[VariantResult]:
    positions = dict(
        iter(
            session.execute(
                select(CampaignStepRow.id, CampaignStepRow.position).where(
                    CampaignStepRow.campaign_id == campaign_id
                )
            )
        )
    )
    status = SendRow.status
    rows = session.execute(
        select(
            SendRow.step_id,
            SendRow.variant,
            func.count().filter(status == "sent"),
            func.count().filter(status == "failed"),
            func.count().filter(status == "unknown"),
            func.count(SendRow.bounced_at),
            func.count(SendRow.replied_at),
            func.count(SendRow.unsubscribed_at),
            func.count(SendRow.complained_at),
        )
        .where(SendRow.campaign_id == campaign_id)
        .group_by(SendRow.step_id, SendRow.variant)
    )
    found = [
        VariantResult(positions.get(step, 0) + 1, variant, *(int(n) for n in counts))
        for step, variant, *counts in rows
    ]
    return sorted(found, key=lambda r: (r.step, r.variant))


def lead_states(session: Session, campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Leads by state, and the stopped and blocked ones by reason."""
    states: dict[str, int] = {}
    reasons: dict[str, int] = {}
    for state, reason, n in session.execute(
        select(CampaignLeadRow.state, CampaignLeadRow.stop_reason, func.count())
        .where(CampaignLeadRow.campaign_id == campaign_id)
        .group_by(CampaignLeadRow.state, CampaignLeadRow.stop_reason)
    ):
        states[state] = states.get(state, 0) + int(n)
        if state in ("stopped", "blocked") and reason:
            reasons[reason] = reasons.get(reason, 0) + int(n)
    return states, reasons


def holds(session: Session, campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """Deferrals by limit and blocks by rule, counted once per change of what held a lead."""
    deferred: dict[str, int] = {}
    blocked: dict[str, int] = {}
    for kind, reason, n in session.execute(
        select(HoldTallyRow.kind, HoldTallyRow.reason, func.sum(HoldTallyRow.count))
        .where(HoldTallyRow.campaign_id == campaign_id)
        .group_by(HoldTallyRow.kind, HoldTallyRow.reason)
    ):
        (deferred if kind == "deferred" else blocked)[reason] = int(n)
    return deferred, blocked
