"""One workspace's share of a send pass: the planned sends gated, reserved in the ledger,
written over SMTP and recorded; what the limits held, and what the rules blocked, kept on the
leads and counted.

A mailbox that refuses the login, or fails five times running, is paused with the reason and
left alone for the rest of the pass; the auto-pause is audited like a person's."""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import ledger, planner, render
from penguin_desktop.core.campaigns import suppression as supp
from penguin_desktop.core.campaigns.gatekeeper import Rules, lead_of, pick_variant, values_of
from penguin_desktop.core.campaigns.loading import CampaignSpec
from penguin_desktop.core.campaigns.message import Compliance, build, gate, new_message_id
from penguin_desktop.core.campaigns.models import SuppressionKind, SuppressionReason
from penguin_desktop.core.campaigns.outbox import Outbox, SendFailure
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    HoldTallyRow,
    SendRow,
)
from penguin_desktop.core.campaigns.tables import LeadRow
from penguin_desktop.core.campaigns.unsubscribe import mailto_link, sign_token, unsubscribe_link
from penguin_desktop.core.mailboxes import SendingAccount
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.store.database import Database

FAILURES_TO_PAUSE = 5
MARK_EVERY = 50
QUEUE = 2  # messages reserved ahead of the wire: a crash leaves at most this many unclear


@dataclass
class Tally:
    sent: int = 0
    failed: int = 0
    held_by: Counter[str] = field(default_factory=Counter)
    blocked_by: Counter[str] = field(default_factory=Counter)
    paused: dict[str, str] = field(default_factory=dict)


@dataclass
class Pass:
    """What a workspace's pass needs besides the plan."""

    db: Database
    workspace: str
    workspace_id: int
    engine: str
    rules: Rules
    specs: Mapping[int, CampaignSpec]
    accounts: Mapping[str, SendingAccount]
    password: Callable[[SendingAccount], str]
    pause: Callable[[str, str], object]
    key: bytes
    outbox: Outbox
    now: Callable[[], datetime]
    tally: Tally
    failures: Counter[str] = field(default_factory=Counter)
    sent_ids: list[int] = field(default_factory=list)


def _hold_tallies(
    session: Session, counts: Counter[tuple[int, int, str, str]], now: datetime
) -> None:
    for (cid, step, kind, reason), n in counts.items():
        key = (cid, step, kind, reason[:64])
        row = session.get(HoldTallyRow, key)
        if row is None:
            session.add(HoldTallyRow(campaign_id=cid, step=step, kind=kind, reason=key[3],
                                     count=n, last_at=now))  # fmt: skip
        else:
            row.count += n
            row.last_at = now


def record_holds(
    p: Pass, held: Sequence[planner.Held], before: Mapping[tuple[int, int], str | None]
) -> None:
    """Each held lead keeps the limit that held it; a change of limit is counted once, so a
    lead waiting for tomorrow's cap is one deferral, not one per pass."""
    changed = [h for h in held if before.get((h.lead.campaign_id, h.lead.lead_id)) != h.reason]
    for h in held:
        p.tally.held_by[h.reason] += 1
    if not changed:
        return
    counts: Counter[tuple[int, int, str, str]] = Counter(
        (h.lead.campaign_id, h.lead.step, "deferred", h.reason) for h in changed
    )
    groups: dict[tuple[int, str], list[int]] = {}
    for h in changed:
        groups.setdefault((h.lead.campaign_id, h.reason), []).append(h.lead.lead_id)
    with p.db.write() as session:
        for (campaign_id, reason), ids in groups.items():
            for start in range(0, len(ids), 500):
                session.execute(
                    update(CampaignLeadRow)
                    .where(
                        CampaignLeadRow.campaign_id == campaign_id,
                        CampaignLeadRow.lead_id.in_(ids[start : start + 500]),
                    )
                    .values(held_by=reason)
                )
        _hold_tallies(session, counts, p.now())


def _block(p: Pass, due: planner.DueLead, reason: str, lasting: bool, before: str | None) -> None:
    p.tally.blocked_by[reason] += 1
    shown = f"blocked: {reason}"[:200]
    if not lasting and before == shown:
        return
    with p.db.write() as session:
        row = session.get(CampaignLeadRow, (due.campaign_id, due.lead_id))
        if row is not None:
            if lasting:
                row.state, row.stop_reason = "blocked", reason[:200]
            row.held_by = shown
        _hold_tallies(
            session, Counter({(due.campaign_id, due.step, "blocked", reason): 1}), p.now()
        )


def _previous_message(p: Pass, spec: CampaignSpec, due: planner.DueLead) -> str | None:
    if due.step == 0:
        return None
    with p.db.read() as session:
        return session.execute(
            select(SendRow.message_id).where(
                SendRow.campaign_id == spec.id,
                SendRow.step_id == spec.steps[due.step - 1].id,
                SendRow.lead_id == due.lead_id,
            )
        ).scalar_one_or_none()


def _caps(
    p: Pass, spec: CampaignSpec, sender: planner.Sender, domain_caps: Mapping[str, int]
) -> ledger.Caps:
    domain = sender.domain
    return ledger.Caps(
        sender.cap, sender.ramped, sender.gap, domain_caps.get(domain),
        [e for e in p.accounts if e.rpartition("@")[2] == domain], spec.daily_limit,
        spec.recipient_domain_limit,
    )  # fmt: skip


@dataclass(frozen=True)
class _Ready:
    """A message reserved in the ledger, for the courier to write over SMTP."""

    spec: CampaignSpec
    due: planner.DueLead
    sender: str
    address: str
    reserved: ledger.Reservation
    message: EmailMessage


class _Courier(threading.Thread):
    """SMTP in its own thread, so the next message is gated, built and reserved while this
    one is on the wire. Whatever it is handed is already reserved: on Cancel, or for a
    mailbox paused meanwhile, it releases instead of sending."""

    def __init__(self, p: Pass, ctx: JobContext | None) -> None:
        super().__init__(name="campaign-courier", daemon=True)
        self.p, self.ctx = p, ctx
        self.queue: queue.Queue[_Ready | None] = queue.Queue(maxsize=QUEUE)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while (item := self.queue.get()) is not None:
                self._deliver(item)
        except BaseException as exc:  # handed to the pass's thread, which raises it
            self.error = exc
            while self.queue.get() is not None:
                pass

    def _deliver(self, item: _Ready) -> None:
        p = self.p
        if (self.ctx is not None and self.ctx.cancelled) or item.sender in p.tally.paused:
            with p.db.write() as session:
                ledger.release(session, item.reserved.id, item.spec.id, item.due.lead_id)
            return
        account = p.accounts[item.sender]
        try:
            p.outbox.send(account.smtp, p.password(account), item.sender, item.address,
                          item.message)  # fmt: skip
        except SendFailure as failure:
            _failed(p, item.spec, item.due, item.sender, item.address, item.reserved, failure)
            return
        p.failures[item.sender] = 0
        p.sent_ids.append(item.reserved.id)
        p.tally.sent += 1
        if len(p.sent_ids) >= MARK_EVERY:
            flush(p)

    def hand(self, item: _Ready | None) -> None:
        while self.is_alive():
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue


def send_planned(
    p: Pass,
    planned: Sequence[planner.Planned],
    senders: Mapping[str, planner.Sender],
    domain_caps: Mapping[str, int],
    held_before: Mapping[tuple[int, int], str | None],
    ctx: JobContext | None,
    done_before: int,
    total: int,
) -> bool:
    """Send what the plan says, in its order; False when cancelled."""
    leads = _leads(p, [s.lead.lead_id for s in planned])
    courier = _Courier(p, ctx)
    courier.start()
    finished = True
    try:
        for index, item in enumerate(planned):
            if (ctx is not None and ctx.cancelled) or not courier.is_alive():
                finished = False
                break
            row = leads.get(item.lead.lead_id)
            if item.sender in p.tally.paused or row is None:
                continue
            spec = p.specs[item.lead.campaign_id]
            ready = _prepare(p, spec, item.lead, row, senders[item.sender], domain_caps,
                             held_before)  # fmt: skip
            if ready is not None:
                courier.hand(ready)
            if ctx is not None:
                ctx.progress((done_before + index + 1) / max(total, 1), f"sent {p.tally.sent}")
    finally:
        courier.hand(None)
        courier.join()
    if courier.error is not None:
        raise courier.error
    flush(p)
    return finished and not (ctx is not None and ctx.cancelled)


def _leads(p: Pass, ids: Sequence[int]) -> dict[int, LeadRow]:
    found: dict[int, LeadRow] = {}
    with p.db.read() as session:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in session.execute(select(LeadRow).where(LeadRow.id.in_(chunk))).scalars():
                session.expunge(row)
                found[row.id] = row
    return found


def _prepare(
    p: Pass,
    spec: CampaignSpec,
    due: planner.DueLead,
    row: LeadRow,
    sender: planner.Sender,
    domain_caps: Mapping[str, int],
    held_before: Mapping[tuple[int, int], str | None],
) -> _Ready | None:
    """Gate, render, build and reserve one send; None when a rule or a limit holds it."""
    lead = lead_of(row, p.workspace)
    before = held_before.get((due.campaign_id, due.lead_id))
    verdict = p.rules.verdict(lead, sender.email)
    if verdict is not None:
        _block(p, due, verdict.reason, verdict.lasting, before)
        return None
    step = spec.steps[due.step]
    variant = pick_variant(step, due.lead_id)
    seed = f"{due.lead_id}:{step.id}:{variant.name}"
    rendered = render.render_message(
        variant.subject, variant.text, variant.html, values_of(lead), seed
    )
    if isinstance(rendered, render.MissingToken):
        _block(p, due, rendered.reason(), True, before)
        return None
    token, message_id = ledger.new_token(), new_message_id(sender.email)
    signed = sign_token(p.key, token)
    assert p.rules.postal_address and p.rules.unsubscribe_url
    rules = Compliance(p.rules.postal_address, unsubscribe_link(p.rules.unsubscribe_url, signed),
                       mailto_link(sender.email, signed))  # fmt: skip
    message = build(
        sender=sender.email, recipient=lead.email, subject=rendered.subject, text=rendered.text,
        html=rendered.html, message_id=message_id, rules=rules, when=p.now(),
        in_reply_to=_previous_message(p, spec, due),
    )  # fmt: skip
    broken = gate(message, rules)
    if broken is not None:
        _block(p, due, broken, False, before)
        return None
    with p.db.write() as session:
        reserved = ledger.reserve(
            session, workspace_id=p.workspace_id, campaign_id=spec.id, step_id=step.id,
            lead_id=due.lead_id, variant=variant.name, sender=sender.email,
            recipient_domain=due.recipient_domain, caps=_caps(p, spec, sender, domain_caps),
            engine=p.engine, now=p.now(), next_delay=spec.next_delay(due.step),
            message_id=message_id, token=token,
        )  # fmt: skip
    if isinstance(reserved, str):
        if reserved != ledger.ALREADY:
            record_holds(p, [planner.Held(due, reserved)], held_before)
        return None
    return _Ready(spec, due, sender.email, lead.email, reserved, message)


def _failed(
    p: Pass,
    spec: CampaignSpec,
    due: planner.DueLead,
    email: str,
    address: str,
    reserved: ledger.Reservation,
    failure: SendFailure,
) -> None:
    """Record what the refusal means: a hard bounce suppresses the address, a lost DATA is
    `unknown`, a refusal before DATA gives the lead back its turn."""
    with p.db.write() as session:
        if failure.kind == "permanent":
            ledger.bounce(session, reserved.id, p.now(), failure.detail)
            supp.record(session, p.workspace_id, SuppressionKind.ADDRESS, address,
                        SuppressionReason.BOUNCE, "send engine")  # fmt: skip
            row = session.get(CampaignLeadRow, (spec.id, due.lead_id))
            if row is not None:
                row.state, row.stop_reason = "stopped", "bounced"
        elif failure.kind == "unclear":
            ledger.finish(session, [reserved.id], "unknown", p.now(), failure.detail)
        elif failure.kind == "rejected":
            ledger.finish(session, [reserved.id], "failed", p.now(), failure.detail)
        else:
            ledger.release(session, reserved.id, spec.id, due.lead_id)
    p.tally.failed += failure.kind in ("permanent", "rejected", "unclear")
    if failure.kind == "login":
        _auto_pause(p, email, failure.detail)
        return
    if failure.kind != "permanent":
        p.failures[email] += 1
        if p.failures[email] >= FAILURES_TO_PAUSE:
            _auto_pause(
                p, email, f"{FAILURES_TO_PAUSE} SMTP failures in a row, the last: {failure.detail}"
            )


def _auto_pause(p: Pass, email: str, reason: str) -> None:
    p.tally.paused[email] = reason
    p.pause(email, reason)


def flush(p: Pass) -> None:
    """Record the sends that went; until then a crash leaves them `sending`, for the
    reconciliation to find in the Sent folder."""
    if p.sent_ids:
        with p.db.write() as session:
            ledger.finish(session, p.sent_ids, "sent", p.now())
        p.sent_ids = []
