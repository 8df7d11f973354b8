"""The planner under random campaigns, mailboxes and leads: every layered limit holds at once,
every due lead is accounted for (planned, or held under one named limit), and rotation spreads
first steps evenly. Pure: no database, no server, so Hypothesis can try hundreds of mixes."""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from penguin_desktop.core.campaigns import planner
from penguin_desktop.core.campaigns.planner import CampaignPlan, DueLead, Sender
from penguin_desktop.core.campaigns.schedule import EVERY_DAY, LEAD_ZONE, Window, lead_zone

REASONS = {
    planner.WINDOW, planner.CAMPAIGN_CAP, planner.RECIPIENT_DOMAIN_CAP, planner.PAUSED,
    planner.MAILBOX_CAP, planner.WARMUP, planner.DOMAIN_CAP, planner.MIN_GAP, planner.NO_MAILBOX,
}  # fmt: skip
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", LEAD_ZONE)
SENDING_DOMAINS = ("acme-mail.test", "acme-send.test")
RECIPIENT_DOMAINS = ("example.com", "example.org", "example.net")
# Summer only: no DST change inside a 24 h horizon, so `is_open` after a zone conversion is
# the same question the planner's UTC spans answer.
SUMMER = datetime(2026, 5, 4, tzinfo=UTC)
ALL_DAY = Window(EVERY_DAY, 0, 24 * 60)


@dataclass
class Case:
    """A planner input, kept as it was before `plan` spends the budgets in place."""

    now: datetime
    horizon: datetime | None
    campaigns: list[CampaignPlan]
    senders: list[Sender]
    domain_caps: dict[str, tuple[int, int]]
    leads: list[DueLead]

    def run(self) -> planner.Plan:
        return planner.plan(
            self.now, copy.deepcopy(self.campaigns), copy.deepcopy(self.senders),
            dict(self.domain_caps), list(self.leads), horizon=self.horizon,
        )  # fmt: skip


@st.composite
def windows(draw: st.DrawFn) -> Window:
    start = draw(st.integers(0, 24 * 60 - 1))
    return Window(draw(st.integers(1, EVERY_DAY)), start, draw(st.integers(start + 1, 24 * 60)))


@st.composite
def senders(draw: st.DrawFn, now: datetime) -> list[Sender]:
    found = []
    for i in range(draw(st.integers(1, 5))):
        domain = draw(st.sampled_from(SENDING_DOMAINS))
        cap = draw(st.integers(0, 12))
        found.append(
            Sender(
                f"box{i}@{domain}", domain, cap, draw(st.integers(0, cap + 2)),
                float(draw(st.sampled_from([0, 30, 60, 600, 3600]))),
                now + timedelta(minutes=draw(st.integers(-120, 120))),
                draw(st.booleans()), draw(st.sampled_from([None, None, None, "bounces"])),
            )
        )  # fmt: skip
    return found


@st.composite
def cases(draw: st.DrawFn, horizon: bool | None = None) -> Case:
    now = SUMMER + timedelta(minutes=draw(st.integers(0, 90 * 24 * 60)))
    with_horizon = draw(st.booleans()) if horizon is None else horizon
    boxes = draw(senders(now))
    emails = [s.email for s in boxes]
    caps = {
        d: (cap, draw(st.integers(0, cap + 1)))
        for d in SENDING_DOMAINS
        if draw(st.booleans())
        for cap in [draw(st.integers(0, 15))]
    }
    campaigns = []
    for cid in range(1, draw(st.integers(1, 3)) + 1):
        limit = draw(st.none() | st.integers(0, 15))
        per_domain = draw(st.none() | st.integers(0, 6))
        mailboxes = draw(st.lists(st.sampled_from([*emails, "gone@acme-mail.test"]), min_size=1,
                                  max_size=4, unique=True))  # fmt: skip
        campaigns.append(
            CampaignPlan(
                cid, draw(windows()), draw(st.sampled_from(ZONES)), mailboxes, limit,
                draw(st.integers(0, 5)), per_domain,
                {d: draw(st.integers(0, 3)) for d in RECIPIENT_DOMAINS if draw(st.booleans())},
            )
        )  # fmt: skip
    leads = []
    for lid in range(draw(st.integers(0, 40))):
        campaign = draw(st.sampled_from(campaigns))
        step = draw(st.integers(0, 2))
        leads.append(
            DueLead(
                campaign.id, lid, step, now + timedelta(minutes=draw(st.integers(-600, 600))),
                draw(st.sampled_from(RECIPIENT_DOMAINS)),
                draw(st.sampled_from(["DE", "US", "IN", "ZZ", None])),
                draw(st.sampled_from(campaign.mailboxes)) if step else None,
            )
        )  # fmt: skip
    end = now + timedelta(hours=24) if with_horizon else None
    return Case(now, end, campaigns, boxes, caps, leads)


@given(cases())
@settings(max_examples=200, deadline=None)
def test_no_cap_is_ever_exceeded(case: Case) -> None:
    result = case.run()
    per_box = Counter(s.sender for s in result.sends)
    for box in case.senders:
        assert per_box[box.email] <= max(0, box.cap - box.sent), box
    per_domain = Counter(s.sender.rpartition("@")[2] for s in result.sends)
    for domain, (cap, sent) in case.domain_caps.items():
        assert per_domain[domain] <= max(0, cap - sent), domain
    per_campaign = Counter(s.lead.campaign_id for s in result.sends)
    per_recipient = Counter((s.lead.campaign_id, s.lead.recipient_domain) for s in result.sends)
    for c in case.campaigns:
        if c.daily_limit is not None:
            assert per_campaign[c.id] <= max(0, c.daily_limit - c.sent), c
        if c.recipient_domain_limit is not None:
            for domain in RECIPIENT_DOMAINS:
                room = c.recipient_domain_limit - c.recipient_domains.get(domain, 0)
                assert per_recipient[(c.id, domain)] <= max(0, room), (c, domain)


@given(cases(horizon=True))
@settings(max_examples=200, deadline=None)
def test_a_mailboxs_planned_sends_keep_its_minimum_gap(case: Case) -> None:
    result = case.run()
    gaps = {s.email: s.gap for s in case.senders}
    times: dict[str, list[datetime]] = {}
    for send in result.sends:
        times.setdefault(send.sender, []).append(send.at)
    for email, moments in times.items():
        moments.sort()
        # timedelta keeps microseconds: the jittered gap may round down by one
        floor = timedelta(seconds=gaps[email] * (1 - planner.JITTER)) - timedelta(microseconds=1)
        for earlier, later in pairwise(moments):
            assert later - earlier >= floor, (email, earlier, later)


@given(cases())
@settings(max_examples=200, deadline=None)
def test_every_send_is_inside_the_window_and_the_plans_span(case: Case) -> None:
    result = case.run()
    by_id = {c.id: c for c in case.campaigns}
    for send in result.sends:
        campaign = by_id[send.lead.campaign_id]
        where = (
            lead_zone(send.lead.country, "UTC")
            if campaign.timezone == LEAD_ZONE
            else ZoneInfo(campaign.timezone)
        )
        assert campaign.window.is_open(send.at.astimezone(where)), (send, campaign.window)
        assert max(case.now, send.lead.due_at) <= send.at <= (case.horizon or case.now)


@given(cases())
@settings(max_examples=200, deadline=None)
def test_a_follow_up_goes_only_through_the_mailbox_that_wrote_first(case: Case) -> None:
    for send in case.run().sends:
        if send.lead.sender is not None:
            assert send.sender == send.lead.sender, send
        else:
            assert send.sender in {s.email for s in case.senders}


@given(cases())
@settings(max_examples=200, deadline=None)
def test_every_due_lead_is_planned_or_held_under_a_named_limit(case: Case) -> None:
    result = case.run()
    accounted = [s.lead for s in result.sends] + [h.lead for h in result.held]
    assert sorted(accounted, key=lambda d: d.lead_id) == case.leads
    assert {h.reason for h in result.held} <= REASONS


@given(st.integers(1, 8), st.integers(0, 200), st.integers(1, 60), st.booleans(), st.booleans())
@settings(max_examples=200, deadline=None)
def test_rotation_spreads_first_steps_evenly_over_equal_mailboxes(
    boxes: int, leads: int, cap: int, with_horizon: bool, gap: bool
) -> None:
    now = SUMMER
    seconds = 60.0 if gap and with_horizon else 0.0
    pool = [Sender(f"b{i}@acme-mail.test", "acme-mail.test", cap, 0, seconds, now)
            for i in range(boxes)]  # fmt: skip
    campaign = CampaignPlan(1, ALL_DAY, "UTC", [s.email for s in pool])
    due = [DueLead(1, i, 0, now, "example.com") for i in range(leads)]
    end = now + timedelta(hours=24) if with_horizon else None
    result = planner.plan(now, [campaign], pool, {}, due, horizon=end)
    counts = Counter(s.sender for s in result.sends)
    spread = [counts[s.email] for s in pool]
    assert max(spread) - min(spread) <= 1, spread
    assert sum(spread) == min(leads, boxes * cap)


def _one(sender: Sender, window: Window = ALL_DAY) -> planner.Plan:
    lead = DueLead(1, 1, 0, SUMMER, "example.com")
    return planner.plan(SUMMER, [CampaignPlan(1, window, "UTC", [sender.email])], [sender], {},
                        [lead])  # fmt: skip


def test_a_paused_mailbox_holds_and_says_so() -> None:
    box = Sender("a@acme-mail.test", "acme-mail.test", 10, 0, 0.0, SUMMER, paused="bounces")
    assert _one(box).held_by() == {planner.PAUSED: 1}


def test_a_cap_the_ramp_set_is_named_as_the_ramp() -> None:
    ramped = Sender("a@acme-mail.test", "acme-mail.test", 5, 5, 0.0, SUMMER, ramped=True)
    assert _one(ramped).held_by() == {planner.WARMUP: 1}
    plain = Sender("a@acme-mail.test", "acme-mail.test", 5, 5, 0.0, SUMMER)
    assert _one(plain).held_by() == {planner.MAILBOX_CAP: 1}


def test_a_closed_window_holds_and_says_so() -> None:
    box = Sender("a@acme-mail.test", "acme-mail.test", 10, 0, 0.0, SUMMER)
    monday_night = Window(1, 22 * 60, 23 * 60)  # SUMMER is a Monday at midnight UTC
    assert _one(box, monday_night).held_by() == {planner.WINDOW: 1}


def test_the_warm_up_ramp_grows_a_step_a_day_up_to_the_daily_limit() -> None:
    since = SUMMER - timedelta(days=3)
    assert planner.warmup_cap(50, 10, 5, since, SUMMER, 0.0, 0.05) == (25, True)
    assert planner.warmup_cap(50, 10, 5, since - timedelta(days=30), SUMMER, 0.0, 0.05) == (
        50, False,
    )  # fmt: skip
    assert planner.warmup_cap(50, None, 5, since, SUMMER, 0.0, 0.05) == (50, False)


def test_a_bad_rate_over_the_threshold_halves_the_cap_but_never_under_the_start() -> None:
    since = SUMMER - timedelta(days=6)  # 10 + 5 * 6 = 40
    assert planner.warmup_cap(50, 10, 5, since, SUMMER, 0.06, 0.05) == (20, True)
    assert planner.warmup_cap(50, 10, 5, since, SUMMER, 0.05, 0.05) == (40, True)  # at, not over
    assert planner.warmup_cap(50, 10, 5, SUMMER, SUMMER, 0.5, 0.05) == (10, True)  # 10 // 2 < 10
    old = SUMMER - timedelta(days=100)
    assert planner.warmup_cap(50, 10, 5, old, SUMMER, 0.5, 0.05) == (25, True)


def test_a_window_inside_the_hour_dst_skips_plans_nothing_that_day() -> None:
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)
    box = Sender("a@acme-mail.test", "acme-mail.test", 10, 0, 0.0, now)
    night = Window(EVERY_DAY, 120, 165)
    campaign = CampaignPlan(1, night, "Europe/Berlin", [box.email])
    lead = DueLead(1, 1, 0, now, "example.com")
    result = planner.plan(now, [campaign], [box], {}, [lead], horizon=now + timedelta(hours=24))
    berlin = ZoneInfo("Europe/Berlin")
    assert all(night.is_open(s.at.astimezone(berlin)) for s in result.sends), result.sends


def test_a_window_ending_inside_the_hour_dst_skips_closes_when_the_clocks_jump() -> None:
    now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 in Berlin, the night of the change
    boxes = [Sender(f"m{i}@acme-mail.test", "acme-mail.test", 50, 0, 600.0, now) for i in range(2)]
    early = Window(EVERY_DAY, 60, 150)  # 01:00-02:30, whose last half hour does not exist
    campaign = CampaignPlan(1, early, "Europe/Berlin", [b.email for b in boxes])
    leads = [DueLead(1, i, 0, now, "example.com") for i in range(40)]
    result = planner.plan(now, [campaign], boxes, {}, leads, horizon=now + timedelta(hours=3))
    berlin = ZoneInfo("Europe/Berlin")
    assert result.sends, result.held_by()
    assert all(early.is_open(s.at.astimezone(berlin)) for s in result.sends)
    assert max(s.at for s in result.sends) < datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 CEST
