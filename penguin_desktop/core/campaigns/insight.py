"""Looking at a campaign without sending: its results with the A/B verdicts, the message one
lead would get (or the rule that blocks it), and the forecast of the next day's sends."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import loading, planner, render, results
from penguin_desktop.core.campaigns.gatekeeper import Rules, lead_of, pick_variant, values_of
from penguin_desktop.core.campaigns.models import CampaignStats, DayPlan, MessagePreview
from penguin_desktop.core.campaigns.sending_tables import CampaignMailboxRow, CampaignRow
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.mailboxes import SendingService
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow


class CampaignInsight(Service):
    def __init__(self, db: Database, sending: SendingService) -> None:
        super().__init__(db)
        self.sending = sending

    def _campaign(
        self, session: Session, actor: Actor, workspace: str, name: str
    ) -> tuple[WorkspaceRow, CampaignRow]:
        ws, _ = self._workspace(session, actor, workspace, Permission.CAMPAIGN_READ)
        row = session.execute(
            select(CampaignRow).where(
                CampaignRow.workspace_id == ws.id, CampaignRow.name_key == name_key(name)
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(
                f"no campaign named {name.strip()!r} in {ws.name!r}", field="campaign"
            )
        return ws, row

    def stats(self, actor: Actor, workspace: str, campaign: str) -> CampaignStats:
        with self._reading(actor) as session:
            ws, row = self._campaign(session, actor, workspace, campaign)
            variants = results.variant_results(session, row.id)
            states, stopped = results.lead_states(session, row.id)
            deferred, blocked = results.holds(session, row.id)
            verdicts = []
            for step in sorted({v.step for v in variants}):
                found = results.verdict(step, [v for v in variants if v.step == step])
                if found is not None:
                    verdicts.append(found)
            return CampaignStats(
                ws.name, row.name, row.status, sum(states.values()), states.get("active", 0),
                states.get("done", 0), stopped, tuple(variants), deferred, blocked,
                tuple(verdicts),
            )  # fmt: skip

    def preview(
        self, actor: Actor, workspace: str, campaign: str, lead_email: str, step: int = 1
    ) -> MessagePreview:
        """Exactly what the lead would get for the step (1-based): the same variant, spins and
        fallbacks as the engine; or the rule that would block it."""
        with self._reading(actor) as session:
            ws, row = self._campaign(session, actor, workspace, campaign)
            spec = loading.campaigns_by_id(session, [row.id]).get(row.id)
            if spec is None:
                raise ValidationError(f"campaign {row.name!r} has no steps yet", field="campaign")
            if not 1 <= step <= len(spec.steps):
                raise NotFoundError(f"campaign {row.name!r} has no step {step}", field="step")
            found = session.execute(
                select(LeadRow).where(
                    LeadRow.workspace_id == ws.id, LeadRow.email == lead_email.strip().lower()
                )
            ).scalar_one_or_none()
            if found is None:
                raise NotFoundError(f"no lead {lead_email.strip()!r} in {ws.name!r}", field="lead")
            lead = lead_of(found, ws.name)
            rules = Rules.read(session, ws.id)
            first = (
                session.execute(
                    select(CampaignMailboxRow.email)
                    .where(CampaignMailboxRow.campaign_id == row.id)
                    .order_by(CampaignMailboxRow.position)
                )
                .scalars()
                .first()
            )
        chosen = spec.steps[step - 1]
        variant = pick_variant(chosen, lead.id)
        seed = f"{lead.id}:{chosen.id}:{variant.name}"
        verdict = rules.verdict(lead, first or "")
        out = render.render_message(
            variant.subject, variant.text, variant.html, values_of(lead), seed
        )
        if isinstance(out, render.MissingToken):
            return MessagePreview(lead.email, step, variant.name, first, "", "", None, out.reason())
        blocked = verdict.reason if verdict is not None else None
        return MessagePreview(lead.email, step, variant.name, first, out.subject, out.text,
                              out.html, blocked)  # fmt: skip

    def plan_day(self, actor: Actor, workspace: str) -> DayPlan:
        """The next 24 hours as the engine would send them if nothing changed: per mailbox,
        and the leads held, by limit."""
        now = utcnow()
        accounts = {a.email: a for a in self.sending.accounts(actor, workspace)}
        domain_limits = self.sending.domain_limits(actor, workspace)
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.CAMPAIGN_READ)
            specs = loading.campaigns(session, [ws.id])
            horizon = now + timedelta(hours=24)
            due, _ = loading.due_leads(session, specs, horizon)
            senders = loading.senders(session, accounts, now, 0.0)
            caps = loading.domain_caps(session, domain_limits, accounts, now)
            plans = loading.campaign_plans(session, specs, now)
        plan = planner.plan(now, plans, senders, caps, due, horizon=horizon)
        per_box = Counter(s.sender for s in plan.sends)
        return DayPlan(ws.name, len(due), len(plan.sends), dict(per_box), plan.held_by())
