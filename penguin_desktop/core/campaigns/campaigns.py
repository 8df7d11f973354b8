"""The campaigns' door: create a campaign over a lead list and the workspace's mailboxes, add
steps and A/B variants, start and pause it, list and show campaigns.

Starting a campaign enrols its list's leads (each due after the first step's delay); leads
added to the list later are enrolled by the send engine's next pass. A step's templates are
checked when they are added, so a typo fails at the desk rather than at send time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import ledger, render
from penguin_desktop.core.campaigns.models import (
    CampaignInfo,
    CampaignStatus,
    StepInfo,
    VariantInfo,
)
from penguin_desktop.core.campaigns.schedule import (
    Window,
    add_business_days,
    check_timezone,
    parse_window,
)
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    CampaignMailboxRow,
    CampaignRow,
    CampaignStepRow,
    SendRow,
    StepVariantRow,
)
from penguin_desktop.core.campaigns.tables import LeadListMemberRow, LeadListRow
from penguin_desktop.core.mailboxes import SendingService
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

DEFAULT_WINDOW = "Mon-Fri 09:00-17:00"
MAX_LIMIT = 1_000_000
MAX_DELAY_DAYS = 365
MAX_VARIANTS = 5


def _limit(value: int | None, what: str, field: str) -> int | None:
    if value is not None and not 1 <= value <= MAX_LIMIT:
        raise ValidationError(f"{what} must be 1 to {MAX_LIMIT:,}", field=field, value=str(value))
    return value


def _name(raw: str, what: str, field: str, longest: int) -> str:
    label = " ".join(raw.split())
    if not label or len(label) > longest:
        raise ValidationError(f"{what} needs 1 to {longest} characters", field=field)
    return label


def enrol(session: Session, campaign: CampaignRow, first_delay: int, now: datetime) -> int:
    """Add the list's leads the campaign does not have yet, due after the first step's delay."""
    due = add_business_days(now, first_delay)
    known = select(CampaignLeadRow.lead_id).where(CampaignLeadRow.campaign_id == campaign.id)
    members = select(LeadListMemberRow.lead_id).where(
        LeadListMemberRow.list_id == campaign.list_id, LeadListMemberRow.lead_id.not_in(known)
    )
    rows = [
        {"campaign_id": campaign.id, "lead_id": lead, "state": "active", "step": 0, "due_at": due}
        for lead in session.execute(members).scalars()
    ]
    if rows:
        session.execute(insert(CampaignLeadRow), rows)
    return len(rows)


class CampaignService(Service):
    def __init__(self, db: Database, sending: SendingService) -> None:
        super().__init__(db)
        self.sending = sending

    def create(
        self,
        actor: Actor,
        workspace: str,
        name: str,
        list_name: str,
        mailboxes: Sequence[str],
        window: str = DEFAULT_WINDOW,
        timezone: str = "UTC",
        daily_limit: int | None = None,
        recipient_domain_limit: int | None = None,
    ) -> CampaignInfo:
        label = _name(name, "a campaign", "name", 128)
        span = parse_window(window)
        zone_name = check_timezone(timezone)
        _limit(daily_limit, "a campaign's daily limit", "daily_limit")
        _limit(recipient_domain_limit, "the per-recipient-domain cap", "recipient_domain_limit")
        chosen = self._mailboxes(actor, workspace, mailboxes)
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.CAMPAIGN_MANAGE, writable=True
            )
            lst = session.execute(
                select(LeadListRow).where(
                    LeadListRow.workspace_id == ws.id, LeadListRow.name_key == name_key(list_name)
                )
            ).scalar_one_or_none()
            if lst is None:
                raise NotFoundError(f"no lead list named {list_name.strip()!r}", field="list")
            if self._find(session, ws.id, label) is not None:
                raise ConflictError(f"a campaign named {label!r} exists already", field="name")
            row = CampaignRow(
                workspace_id=ws.id, name=label, name_key=name_key(label), list_id=lst.id,
                status=CampaignStatus.DRAFT.value, window_days=span.days,
                window_start=span.start, window_end=span.end, timezone=zone_name,
                daily_limit=daily_limit, recipient_domain_limit=recipient_domain_limit,
                stop_on_reply=True,
            )  # fmt: skip
            session.add(row)
            session.flush()
            for position, email in enumerate(chosen):
                session.add(CampaignMailboxRow(campaign_id=row.id, email=email, position=position))
            self._audit(session, actor, "campaign.create", f"campaign:{label}", ws, list=lst.name,
                        mailboxes=list(chosen), window=str(span), timezone=zone_name,
                        daily_limit=daily_limit)  # fmt: skip
            session.flush()
            return self._info(session, ws, row)

    def _mailboxes(self, actor: Actor, workspace: str, wanted: Sequence[str]) -> list[str]:
        """The campaign's mailboxes, each one of the workspace's (MailU or outside)."""
        if not wanted:
            raise ValidationError("a campaign needs at least one mailbox", field="mailbox")
        known = {a.email for a in self.sending.accounts(actor, workspace)}
        chosen: list[str] = []
        for raw in wanted:
            email = raw.strip().lower()
            if email not in known:
                raise NotFoundError(
                    f"{raw.strip()!r} is not a mailbox of workspace {workspace!r} "
                    "(create it on a MailU server, or connect an outside mailbox)",
                    field="mailbox",
                    value=raw,
                )
            if email not in chosen:
                chosen.append(email)
        return chosen

    def add_step(
        self,
        actor: Actor,
        workspace: str,
        campaign: str,
        subject: str,
        body_text: str,
        body_html: str | None = None,
        delay_days: int | None = None,
        variant: str | None = None,
        step: int | None = None,
        new_step: bool = False,
    ) -> CampaignInfo:
        """A new step (its variant "A"); with `variant`, another A/B variant of the last step
        (or of `step`, 1-based), unless `new_step` says the named variant opens a new step."""
        if not subject.strip():
            raise ValidationError("a step needs a subject", field="subject")
        if not body_text.strip():
            raise ValidationError("a step needs a plain-text body", field="body")
        for text in (subject, body_text, body_html):
            if text is not None:
                render.check_template(text)
        days = 0 if delay_days is None else delay_days
        if not 0 <= days <= MAX_DELAY_DAYS:
            raise ValidationError(f"a delay is 0 to {MAX_DELAY_DAYS} business days", field="delay")
        label = _name(variant or "A", "a variant", "variant", 32)
        with self._writing(actor) as session:
            ws, row = self._campaign(
                session, actor, workspace, campaign, Permission.CAMPAIGN_MANAGE
            )
            steps = list(
                session.execute(
                    select(CampaignStepRow)
                    .where(CampaignStepRow.campaign_id == row.id)
                    .order_by(CampaignStepRow.position)
                ).scalars()
            )
            if step is None and variant is not None and steps and not new_step:
                step = len(steps)  # another variant of the last step, as `--variant B` reads
            if step is not None:
                if not 1 <= step <= len(steps):
                    raise NotFoundError(
                        f"campaign {row.name!r} has no step {step} (it has {len(steps)})",
                        field="step",
                    )
                target = steps[step - 1]
                self._variant_free(session, target, label)
            else:
                target = CampaignStepRow(campaign_id=row.id, position=len(steps), delay_days=days)
                session.add(target)
                session.flush()
            session.add(StepVariantRow(step_id=target.id, name=label, subject=subject.strip(),
                                       body_text=body_text, body_html=body_html))  # fmt: skip
            self._audit(
                session, actor, "campaign.step", f"campaign:{row.name}", ws,
                step=target.position + 1, variant=label, delay_days=target.delay_days,
            )  # fmt: skip
            session.flush()
            return self._info(session, ws, row)

    @staticmethod
    def _variant_free(session: Session, step: CampaignStepRow, label: str) -> None:
        names = list(
            session.execute(
                select(StepVariantRow.name).where(StepVariantRow.step_id == step.id)
            ).scalars()
        )
        if label.lower() in (n.lower() for n in names):
            raise ConflictError(
                f"step {step.position + 1} has a variant {label!r}", field="variant"
            )
        if len(names) >= MAX_VARIANTS:
            raise ValidationError(f"a step has at most {MAX_VARIANTS} variants", field="variant")

    def start(self, actor: Actor, workspace: str, campaign: str) -> CampaignInfo:
        """Active from now: its list's leads are enrolled, each due after the first delay."""
        with self._writing(actor) as session:
            ws, row = self._campaign(session, actor, workspace, campaign, Permission.CAMPAIGN_SEND)
            steps = list(
                session.execute(
                    select(CampaignStepRow)
                    .where(CampaignStepRow.campaign_id == row.id)
                    .order_by(CampaignStepRow.position)
                ).scalars()
            )
            if not steps:
                raise ValidationError(
                    f"campaign {row.name!r} has no steps yet; add one first", field="campaign"
                )
            now = utcnow()
            enrolled = enrol(session, row, steps[0].delay_days, now)
            row.status = CampaignStatus.ACTIVE.value
            row.started_at = row.started_at or now
            self._audit(session, actor, "campaign.start", f"campaign:{row.name}", ws,
                        enrolled=enrolled)  # fmt: skip
            session.flush()
            return self._info(session, ws, row)

    def pause(self, actor: Actor, workspace: str, campaign: str) -> CampaignInfo:
        """Nothing more is sent until it starts again; leads keep their place."""
        with self._writing(actor) as session:
            ws, row = self._campaign(session, actor, workspace, campaign, Permission.CAMPAIGN_SEND)
            row.status = CampaignStatus.PAUSED.value
            self._audit(session, actor, "campaign.pause", f"campaign:{row.name}", ws)
            session.flush()
            return self._info(session, ws, row)

    def settle_unknown(self, actor: Actor, workspace: str, campaign: str, resend: bool) -> int:
        """The user's decision on the sends a crash left unclear: recorded as sent, or handed
        back to their leads for the next pass (only where the lead has not moved further)."""
        with self._writing(actor) as session:
            ws, row = self._campaign(session, actor, workspace, campaign, Permission.CAMPAIGN_SEND)
            unknown = session.execute(
                select(SendRow.id, SendRow.lead_id, CampaignStepRow.position)
                .join(CampaignStepRow, CampaignStepRow.id == SendRow.step_id)
                .where(SendRow.campaign_id == row.id, SendRow.status == "unknown")
            ).all()
            settled = 0
            for send_id, lead_id, position in unknown:
                lead = session.get(CampaignLeadRow, (row.id, lead_id)) if lead_id else None
                if not resend:
                    ledger.finish(session, [send_id], "sent", utcnow(), "marked sent by hand")
                elif lead is not None and lead.step == position + 1:
                    ledger.release(session, send_id, row.id, lead.lead_id)
                    lead.due_at = utcnow()
                else:
                    continue
                settled += 1
            self._audit(session, actor, "campaign.unknown", f"campaign:{row.name}", ws,
                        decision="resend" if resend else "sent", sends=settled)  # fmt: skip
            return settled

    def all(self, actor: Actor, workspace: str | None = None) -> list[CampaignInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.CAMPAIGN_READ)
            rows = session.execute(
                select(CampaignRow)
                .where(CampaignRow.workspace_id.in_(spaces))
                .order_by(CampaignRow.workspace_id, CampaignRow.name_key)
            ).scalars()
            return [self._info(session, spaces[r.workspace_id], r) for r in rows]

    def show(self, actor: Actor, workspace: str, campaign: str) -> CampaignInfo:
        with self._reading(actor) as session:
            ws, row = self._campaign(session, actor, workspace, campaign, Permission.CAMPAIGN_READ)
            return self._info(session, ws, row)

    def _campaign(
        self, session: Session, actor: Actor, workspace: str, name: str, permission: Permission
    ) -> tuple[WorkspaceRow, CampaignRow]:
        writing = permission is not Permission.CAMPAIGN_READ
        ws, _ = self._workspace(session, actor, workspace, permission, writable=writing)
        row = self._find(session, ws.id, name)
        if row is None:
            raise NotFoundError(
                f"no campaign named {name.strip()!r} in {ws.name!r}", field="campaign"
            )
        return ws, row

    @staticmethod
    def _find(session: Session, workspace_id: int, name: str) -> CampaignRow | None:
        return session.execute(
            select(CampaignRow).where(
                CampaignRow.workspace_id == workspace_id, CampaignRow.name_key == name_key(name)
            )
        ).scalar_one_or_none()

    @staticmethod
    def _info(session: Session, ws: WorkspaceRow, row: CampaignRow) -> CampaignInfo:
        steps = session.execute(
            select(CampaignStepRow)
            .where(CampaignStepRow.campaign_id == row.id)
            .order_by(CampaignStepRow.position)
        ).scalars()
        infos = []
        for step in steps:
            variants = session.execute(
                select(StepVariantRow)
                .where(StepVariantRow.step_id == step.id)
                .order_by(StepVariantRow.id)
            ).scalars()
            infos.append(
                StepInfo(
                    step.position + 1,
                    step.delay_days,
                    tuple(
                        VariantInfo(v.name, v.subject, v.body_text, v.body_html) for v in variants
                    ),
                )
            )
        mailboxes = session.execute(
            select(CampaignMailboxRow.email)
            .where(CampaignMailboxRow.campaign_id == row.id)
            .order_by(CampaignMailboxRow.position)
        ).scalars()
        leads = session.execute(
            select(func.count()).where(CampaignLeadRow.campaign_id == row.id)
        ).scalar_one()
        list_name = session.get(LeadListRow, row.list_id)
        return CampaignInfo(
            workspace=ws.name, name=row.name, list=list_name.name if list_name else "",
            status=row.status, mailboxes=tuple(mailboxes),
            window=str(Window(row.window_days, row.window_start, row.window_end)),
            timezone=row.timezone, daily_limit=row.daily_limit,
            recipient_domain_limit=row.recipient_domain_limit, steps=tuple(infos), leads=leads,
            created_at=row.created_at, started_at=row.started_at,
        )  # fmt: skip
