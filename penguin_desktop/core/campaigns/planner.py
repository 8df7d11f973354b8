"""Which due lead goes out through which mailbox and when, within every limit at once; the
limit that held each other lead, in one word.

Pure: the send engine plans for "now" (a send is planned only if it may go at once), the
day's forecast plans up to a horizon, advancing each mailbox's clock by its minimum gap (with
jitter). Both read the same counts of the last 24 hours, so what the forecast promises is
what the engine will do. Limits, in the order they are asked: the campaign's window (in the
campaign's or the lead's zone), the campaign's daily cap, the per-recipient-domain cap, then
the mailboxes: paused, their daily cap or warm-up ramp (shared by every campaign), their
domain's daily cap, the minimum gap. Inbox rotation: a first step goes to the next mailbox of
the campaign in turn that may send; a follow-up keeps the mailbox that wrote first."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from penguin_desktop.core.campaigns.schedule import LEAD_ZONE, Window, lead_zone, zone

WINDOW = "window"
CAMPAIGN_CAP = "campaign daily cap"
RECIPIENT_DOMAIN_CAP = "recipient domain cap"
PAUSED = "mailbox paused"
MAILBOX_CAP = "mailbox daily cap"
WARMUP = "warm-up ramp"
DOMAIN_CAP = "domain daily cap"
MIN_GAP = "minimum gap"
NO_MAILBOX = "no usable mailbox"
# When several mailboxes are held for different reasons, the one that clears first is named.
_SOONEST_FIRST = (MIN_GAP, DOMAIN_CAP, WARMUP, MAILBOX_CAP, PAUSED, NO_MAILBOX)
JITTER = 0.2


@dataclass
class Sender:
    """A mailbox's budget for the plan. `cap` is today's cap after the warm-up ramp;
    `ramped` says the ramp, not the daily limit, set it."""

    email: str
    domain: str
    cap: int
    sent: int
    gap: float
    next_free: datetime
    ramped: bool = False
    paused: str | None = None

    def lasting_refusal(self, domains: dict[str, list[int]]) -> str | None:
        """A limit that will not clear within the plan (sending only adds to the counts)."""
        if self.paused:
            return PAUSED
        if self.sent >= self.cap:
            return WARMUP if self.ramped else MAILBOX_CAP
        budget = domains.get(self.domain)
        if budget is not None and budget[1] >= budget[0]:
            return DOMAIN_CAP
        return None


@dataclass
class CampaignPlan:
    id: int
    window: Window
    timezone: str
    mailboxes: Sequence[str]
    daily_limit: int | None = None
    sent: int = 0
    recipient_domain_limit: int | None = None
    recipient_domains: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DueLead:
    campaign_id: int
    lead_id: int
    step: int
    due_at: datetime
    recipient_domain: str
    country: str | None = None
    sender: str | None = None


@dataclass(frozen=True)
class Planned:
    lead: DueLead
    sender: str
    at: datetime


@dataclass(frozen=True)
class Held:
    lead: DueLead
    reason: str


@dataclass
class Plan:
    sends: list[Planned] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)

    def held_by(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for hold in self.held:
            counts[hold.reason] = counts.get(hold.reason, 0) + 1
        return counts


class _Windows:
    """Each zone's open stretches of a campaign's window between now and the horizon, in UTC,
    computed once: a slot is then a search in a handful of intervals, not a zone conversion
    per lead."""

    def __init__(self, campaign: CampaignPlan, now: datetime, horizon: datetime) -> None:
        self.campaign, self.now, self.horizon = campaign, now, horizon
        self.by_zone: dict[str, list[tuple[datetime, datetime]]] = {}

    def slot(self, lead: DueLead, at: datetime) -> datetime | None:
        """The first open moment at or after `at`, None when the window stays shut."""
        if self.campaign.timezone == LEAD_ZONE:
            where = lead_zone(lead.country, "UTC")
        else:
            where = zone(self.campaign.timezone)
        spans = self.by_zone.get(where.key)
        if spans is None:
            spans = self.by_zone[where.key] = self._spans(where)
        for start, end in spans:
            if at < end:
                return max(at, start)
        return None

    def _spans(self, where: ZoneInfo) -> list[tuple[datetime, datetime]]:
        window, utc = self.campaign.window, self.now.tzinfo
        day = self.now.astimezone(where).replace(hour=0, minute=0, second=0, microsecond=0)
        spans = []
        while day.astimezone(utc) <= self.horizon:
            if window.days & (1 << day.weekday()):
                start = (day + timedelta(minutes=window.start)).astimezone(utc)
                end = (day + timedelta(minutes=window.end)).astimezone(utc)
                span = _trimmed(window, where, start, end)
                if span is not None and span[1] > self.now and span[0] <= self.horizon:
                    spans.append(span)
            day = (day + timedelta(days=1, hours=2)).replace(hour=0)
        return spans


def _trimmed(
    window: Window, where: ZoneInfo, start: datetime, end: datetime
) -> tuple[datetime, datetime] | None:
    """The span cut to the minutes whose local time really is in the window: on the day the
    clocks go forward a boundary in the missing hour lands an hour off (a window wholly
    inside that hour does not happen that day). Other days pass both checks at once."""
    minute = timedelta(minutes=1)
    while start < end and not window.is_open(start.astimezone(where)):
        start += minute
    while end > start and not window.is_open((end - minute).astimezone(where)):
        end -= minute
    return (start, end) if start < end else None


class _Rotation:
    """A campaign's mailboxes still usable in this plan, taken in turn. A mailbox that hits a
    lasting limit leaves the rotation, so a campaign whose mailboxes are all spent holds each
    further lead at once instead of asking every mailbox again."""

    def __init__(self, mailboxes: Sequence[str]) -> None:
        self.usable = list(mailboxes)
        self.turn = 0
        self.spent: str | None = None
        self.free_from: datetime | None = None

    def pick(
        self, senders: dict[str, Sender], domains: dict[str, list[int]], before: datetime
    ) -> Sender | str:
        """The next mailbox in turn free by `before`, or the limit that held them all."""
        if self.free_from is not None and before < self.free_from:
            return MIN_GAP
        reasons: set[str] = set()
        tried, soonest = 0, None
        while self.usable and tried < len(self.usable):
            self.turn %= len(self.usable)
            email = self.usable[self.turn]
            sender = senders.get(email)
            refused = NO_MAILBOX if sender is None else sender.lasting_refusal(domains)
            if refused is not None:
                reasons.add(refused)
                del self.usable[self.turn]
                continue
            assert sender is not None
            if sender.next_free <= before:
                self.turn += 1
                return sender
            reasons.add(MIN_GAP)
            soonest = min(soonest or sender.next_free, sender.next_free)
            self.turn += 1
            tried += 1
        if not self.usable:
            self.spent = self.spent or _soonest(reasons)
            return self.spent
        self.free_from = soonest
        return MIN_GAP


def _soonest(reasons: set[str]) -> str:
    return next((r for r in _SOONEST_FIRST if r in reasons), NO_MAILBOX)


def _own(sender: Sender | None, domains: dict[str, list[int]], before: datetime) -> Sender | str:
    """A follow-up's mailbox (the one that wrote first), or why it cannot send now."""
    if sender is None:
        return NO_MAILBOX
    refused = sender.lasting_refusal(domains)
    if refused is not None:
        return refused
    return sender if sender.next_free <= before else MIN_GAP


def plan(
    now: datetime,
    campaigns: Iterable[CampaignPlan],
    senders: Iterable[Sender],
    domain_caps: dict[str, tuple[int, int]],
    leads: Iterable[DueLead],
    horizon: datetime | None = None,
    seed: int = 0,
) -> Plan:
    """`domain_caps`: sending domain -> (cap, sent in the last 24 h). With no horizon, only
    what may go at `now`."""
    end = horizon or now
    by_id = {c.id: c for c in campaigns}
    pool = {s.email: s for s in senders}
    domains = {d: [cap, sent] for d, (cap, sent) in domain_caps.items()}
    windows = {c.id: _Windows(c, now, end) for c in by_id.values()}
    rotations = {c.id: _Rotation(c.mailboxes) for c in by_id.values()}
    jitter = random.Random(seed)
    result = Plan()
    for lead in leads:
        campaign = by_id.get(lead.campaign_id)
        if campaign is None:
            continue
        opened = windows[campaign.id].slot(lead, max(now, lead.due_at))
        if opened is None or opened > end:
            result.held.append(Held(lead, WINDOW))
            continue
        if campaign.daily_limit is not None and campaign.sent >= campaign.daily_limit:
            result.held.append(Held(lead, CAMPAIGN_CAP))
            continue
        limit = campaign.recipient_domain_limit
        if limit is not None and campaign.recipient_domains.get(lead.recipient_domain, 0) >= limit:
            result.held.append(Held(lead, RECIPIENT_DOMAIN_CAP))
            continue
        if lead.sender is not None:
            picked = _own(pool.get(lead.sender), domains, end)
        else:
            picked = rotations[campaign.id].pick(pool, domains, end)
        at = None
        if not isinstance(picked, str):
            at = windows[campaign.id].slot(lead, max(opened, picked.next_free))
            if at is None or at > end:
                picked = MIN_GAP
        if isinstance(picked, str) or at is None:
            result.held.append(Held(lead, picked if isinstance(picked, str) else MIN_GAP))
            continue
        result.sends.append(Planned(lead, picked.email, at))
        picked.sent += 1
        spread = 1 + jitter.uniform(-JITTER, JITTER) if picked.gap else 1
        picked.next_free = at + timedelta(seconds=picked.gap * spread)
        if picked.domain in domains:
            domains[picked.domain][1] += 1
        campaign.sent += 1
        campaign.recipient_domains[lead.recipient_domain] = (
            campaign.recipient_domains.get(lead.recipient_domain, 0) + 1
        )
    return result


def warmup_cap(
    daily_limit: int,
    start: int | None,
    step: int,
    since: datetime | None,
    now: datetime,
    bad_rate: float,
    threshold: float,
) -> tuple[int, bool]:
    """Today's cap of a mailbox and whether the ramp set it. The ramp adds `step` a day from
    `start`; while the bounce or complaint rate is past the threshold it is cut back by half
    (never under `start`), so a struggling mailbox slows down instead of burning."""
    if start is None or since is None:
        return daily_limit, False
    days = max(0, (now - since).days)
    cap = min(daily_limit, start + step * days)
    if bad_rate > threshold:
        cap = max(start, cap // 2)
    return cap, cap < daily_limit
