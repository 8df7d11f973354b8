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
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
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


def _count(*where: ColumnElement[bool]) -> Any:
    return select(func.count()).select_from(SendRow).where(*where).scalar_subquery()


@cache
def _limits_query(gap: bool, domain: bool, campaign: bool, recipient: bool) -> Select[Any]:
    """One statement for everything a reservation asks, per shape of caps: built once, so a
    reservation costs one round trip and no statement building."""
    since = SendRow.reserved_at > bindparam("since", type_=SendRow.reserved_at.type)
    live = SendRow.status.in_(LIVE)
    in_campaign = SendRow.campaign_id == bindparam("campaign_id")
    columns: list[Any] = [
        select(SendRow.id)
        .where(in_campaign, SendRow.step_id == bindparam("step_id"),
               SendRow.lead_id == bindparam("lead_id"))
        .scalar_subquery().label("taken"),
        _count(SendRow.sender == bindparam("sender"), since, live).label("sender_sent"),
    ]  # fmt: skip
    if gap:
        last = select(func.max(SendRow.reserved_at)).where(SendRow.sender == bindparam("sender"))
        columns.append(last.scalar_subquery().label("last"))
    if domain:
        near = SendRow.sender.in_(bindparam("domain_senders", expanding=True))
        columns.append(_count(near, since, live).label("domain_sent"))
    if campaign:
        columns.append(_count(in_campaign, since, live).label("campaign_sent"))
    if recipient:
        same = SendRow.recipient_domain == bindparam("recipient_domain")
        columns.append(_count(in_campaign, same, since, live).label("recipient_sent"))
    return select(*columns)


def _refusal(found: Any, caps: Caps, now: datetime) -> str | None:
    if found.sender_sent >= caps.sender_cap:
        return planner.WARMUP if caps.ramped else planner.MAILBOX_CAP
    floor = caps.min_gap * (1 - planner.JITTER)
    if caps.min_gap and found.last is not None and (now - found.last).total_seconds() < floor:
        return planner.MIN_GAP
    if caps.domain_cap is not None and found.domain_sent >= caps.domain_cap:
        return planner.DOMAIN_CAP
    if caps.campaign_cap is not None and found.campaign_sent >= caps.campaign_cap:
        return planner.CAMPAIGN_CAP
    if caps.recipient_cap is not None and found.recipient_sent >= caps.recipient_cap:
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
    query = _limits_query(
        bool(caps.min_gap), caps.domain_cap is not None, caps.campaign_cap is not None,
        caps.recipient_cap is not None,
    )  # fmt: skip
    found = session.execute(
        query,
        {
            "campaign_id": campaign_id, "step_id": step_id, "lead_id": lead_id,
            "sender": sender, "since": now - DAY, "domain_senders": list(caps.domain_senders),
            "recipient_domain": recipient_domain,
        },
    ).one()  # fmt: skip
    if found.taken is not None:
        return ALREADY
    refused = _refusal(found, caps, now)
    if refused is not None:
        return refused
    added = session.execute(
        insert(SendRow).values(
            workspace_id=workspace_id, campaign_id=campaign_id, step_id=step_id,
            lead_id=lead_id, variant=variant, sender=sender, recipient_domain=recipient_domain,
            message_id=message_id, token=token, status="sending", engine=engine,
            reserved_at=now,
        )
    )  # fmt: skip
    key = cast(CursorResult[Any], added).inserted_primary_key
    assert key is not None
    new_id = key[0]
    moved: dict[str, Any] = {
        "step": CampaignLeadRow.step + 1,
        "sender": func.coalesce(CampaignLeadRow.sender, sender),
        "held_by": None,
    }
    if next_delay is None:
        moved["state"] = "done"
    else:
        moved["due_at"] = add_business_days(now, next_delay)
    session.execute(
        update(CampaignLeadRow)
        .where(CampaignLeadRow.campaign_id == campaign_id, CampaignLeadRow.lead_id == lead_id)
        .values(**moved)
    )
    return Reservation(int(new_id), message_id, token)


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
