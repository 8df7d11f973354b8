"""The send ledger: a row per (campaign, step, lead), committed before SMTP DATA, so nothing is
ever sent twice; the limits asked again at that moment, under a lock, so they hold with
several engines; and the reconciliation of rows a crashed engine left behind.

The lock: SQLite's write transactions already run one at a time (BEGIN IMMEDIATE); on
PostgreSQL a transaction-scoped advisory lock per workspace does the same for reservations,
which are a few indexed counts and two writes long."""

from __future__ import annotations

import os
import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, text, update
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import planner
from penguin_desktop.core.campaigns.schedule import add_business_days
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    SendEngineRow,
    SendRow,
)

LIVE = ("sending", "sent", "unknown")
DAY = timedelta(hours=24)
STALE_BEAT = timedelta(minutes=2)


@dataclass(frozen=True)
class Caps:
    """What a reservation checks again: the mailbox's cap and gap, its domain's cap (with the
    domain's mailboxes), the campaign's and the per-recipient-domain caps."""

    sender_cap: int
    ramped: bool
    min_gap: float
    domain_cap: int | None
    domain_senders: Sequence[str]
    campaign_cap: int | None
    recipient_cap: int | None


@dataclass(frozen=True)
class Reservation:
    id: int
    message_id: str
    token: str


def _lock(session: Session, workspace_id: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"campaign-sends:{workspace_id}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    return int(
        session.execute(select(func.count()).select_from(SendRow).where(*where)).scalar_one()
    )


def _refusal(
    session: Session,
    campaign_id: int,
    sender: str,
    recipient_domain: str,
    caps: Caps,
    now: datetime,
) -> str | None:
    since = now - DAY
    live = SendRow.status.in_(LIVE)
    if (
        _count(session, SendRow.sender == sender, SendRow.reserved_at > since, live)
        >= caps.sender_cap
    ):
        return planner.WARMUP if caps.ramped else planner.MAILBOX_CAP
    if caps.min_gap:
        last = session.execute(
            select(func.max(SendRow.reserved_at)).where(SendRow.sender == sender)
        ).scalar_one()
        floor = caps.min_gap * (1 - planner.JITTER)
        if last is not None and (now - last).total_seconds() < floor:
            return planner.MIN_GAP
    if caps.domain_cap is not None:
        near = SendRow.sender.in_(caps.domain_senders)
        if _count(session, near, SendRow.reserved_at > since, live) >= caps.domain_cap:
            return planner.DOMAIN_CAP
    in_campaign = SendRow.campaign_id == campaign_id
    window = SendRow.reserved_at > since
    if (
        caps.campaign_cap is not None
        and _count(session, in_campaign, window, live) >= caps.campaign_cap
    ):
        return planner.CAMPAIGN_CAP
    if caps.recipient_cap is not None:
        same = SendRow.recipient_domain == recipient_domain
        if (
            _count(session, in_campaign, same, SendRow.reserved_at > since, live)
            >= caps.recipient_cap
        ):
            return planner.RECIPIENT_DOMAIN_CAP
    return None


ALREADY = "sent by another engine"


def reserve(
    session: Session,
    *,
    workspace_id: int,
    campaign_id: int,
    step_id: int,
    lead_id: int,
    variant: str,
    sender: str,
    recipient_domain: str,
    caps: Caps,
    engine: str,
    now: datetime,
    next_delay: int | None,
    message_id: str,
    token: str,
) -> Reservation | str:
    """The ledger row for this send and the lead moved on to its next step (or done), or the
    limit that holds it now. Commit before DATA."""
    _lock(session, workspace_id)
    taken = session.execute(
        select(SendRow.id).where(
            SendRow.campaign_id == campaign_id,
            SendRow.step_id == step_id,
            SendRow.lead_id == lead_id,
        )
    ).first()
    if taken is not None:
        return ALREADY
    refused = _refusal(session, campaign_id, sender, recipient_domain, caps, now)
    if refused is not None:
        return refused
    row = SendRow(
        workspace_id=workspace_id, campaign_id=campaign_id, step_id=step_id, lead_id=lead_id,
        variant=variant, sender=sender, recipient_domain=recipient_domain,
        message_id=message_id, token=token, status="sending",
        engine=engine, reserved_at=now,
    )  # fmt: skip
    session.add(row)
    lead = session.get(CampaignLeadRow, (campaign_id, lead_id))
    if lead is not None:
        lead.step += 1
        lead.sender = lead.sender or sender
        lead.held_by = None
        if next_delay is None:
            lead.state = "done"
        else:
            lead.due_at = add_business_days(now, next_delay)
    session.flush()
    return Reservation(row.id, row.message_id, row.token)


def release(session: Session, reservation_id: int, campaign_id: int, lead_id: int) -> None:
    """Undo a reservation whose message certainly did not go (refused before DATA): the lead
    is due again at the same step."""
    step = session.execute(
        select(SendRow.step_id).where(SendRow.id == reservation_id)
    ).scalar_one_or_none()
    if step is None:
        return
    session.execute(delete(SendRow).where(SendRow.id == reservation_id))
    lead = session.get(CampaignLeadRow, (campaign_id, lead_id))
    if lead is not None and lead.step > 0:
        lead.step -= 1
        lead.state = "active"


def new_token() -> str:
    """The random half of an unsubscribe link: nothing in it says which lead it is."""
    return secrets.token_urlsafe(12)


def bounce(session: Session, reservation_id: int, now: datetime, detail: str) -> None:
    """The server refused the recipient for good: a hard bounce, counted in the mailbox's
    bounce rate."""
    session.execute(
        update(SendRow)
        .where(SendRow.id == reservation_id)
        .values(status="failed", bounced_at=now, detail=detail[:300])
    )


def finish(
    session: Session, ids: Sequence[int], status: str, now: datetime, detail: str = ""
) -> None:
    if ids:
        session.execute(
            update(SendRow)
            .where(SendRow.id.in_(ids))
            .values(status=status, sent_at=now if status == "sent" else None,
                    detail=detail[:300] or None)
        )  # fmt: skip


def engine_token() -> str:
    return f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(4)}"


def register(session: Session, token: str, now: datetime) -> None:
    host, pid, _ = token.split(":")
    session.add(SendEngineRow(token=token, host=host, pid=int(pid), started_at=now, beat_at=now))


def beat(session: Session, token: str, now: datetime) -> None:
    session.execute(update(SendEngineRow).where(SendEngineRow.token == token).values(beat_at=now))


def unregister(session: Session, token: str) -> None:
    session.execute(delete(SendEngineRow).where(SendEngineRow.token == token))


def _alive(row: SendEngineRow | None, now: datetime) -> bool:
    """An engine on this host is alive while its process is; elsewhere while it beats."""
    if row is None:
        return False
    if row.host == os.uname().nodename:
        try:
            os.kill(row.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return row.pid != os.getpid() or now - row.beat_at < STALE_BEAT
    return now - row.beat_at < STALE_BEAT


def orphans(session: Session, me: str, now: datetime) -> list[SendRow]:
    """`sending` rows whose engine is gone: a crash between reservation and the record of
    the outcome. Their engines' rows are removed."""
    rows = list(
        session.execute(
            select(SendRow).where(SendRow.status == "sending", SendRow.engine != me)
        ).scalars()
    )
    engines = {r.engine for r in rows}
    dead = {e for e in engines if not _alive(session.get(SendEngineRow, e), now)}
    for token in dead:
        unregister(session, token)
    return [r for r in rows if r.engine in dead]
