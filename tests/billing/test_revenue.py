"""Revenue figures as a finance lead would check them by hand: MRR normalization, today's figures
per currency, MRR movements over a concrete multi-month story, payments and refunds, NRR, the
permission, and the identity start + movements = end over random MRR logs."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime
from fractions import Fraction
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.orm import Session

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.billing.models import MonthFigures, Revenue
from penguin_desktop.core.billing.mrr import Discount, PricedItem, monthly, subscription_mrr
from penguin_desktop.core.billing.revenue import (
    LogEntry,
    Movements,
    RevenueService,
    month_labels,
    movements,
)
from penguin_desktop.core.billing.tables import ChargeRow, MrrLogRow, RefundRow, SubscriptionRow
from penguin_desktop.core.platform.errors import PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor, Face, Role
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, add_user
from tests.servers.postgres import PostgresServer

AS_OF = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
_ids = count(1)


@pytest.fixture
def container(billing_container: Container) -> Container:
    return billing_container


@pytest.fixture
def service(container: Container) -> RevenueService:
    return RevenueService(container.db)


def ts(day: str) -> int:
    """'2026-01-15' (or '2026-01-15 08:00') as Unix seconds, UTC."""
    fmt = "%Y-%m-%d %H:%M" if " " in day else "%Y-%m-%d"
    return calendar.timegm(datetime.strptime(day, fmt).timetuple())


def log(session: Session, sub: str, customer: str, currency: str, day: str, mrr: int) -> None:
    session.add(
        MrrLogRow(
            subscription=sub, customer=customer, currency=currency, at=ts(day), mrr=mrr, source="t"
        )
    )


def sub_row(
    sub: str,
    customer: str,
    status: str,
    items: list[PricedItem],
    *,
    currency: str = "usd",
    discount: Discount | None = None,
) -> SubscriptionRow:
    """A subscription row as the sync writes it: its MRR worked out by mrr.subscription_mrr."""
    return SubscriptionRow(
        id=sub,
        customer=customer,
        status=status,
        currency=currency,
        mrr=subscription_mrr(status, items, discount, ts("2026-06-15")),
    )


def charge(month: str, status: str, amount: int, currency: str = "usd") -> ChargeRow:
    return ChargeRow(
        id=f"ch_{next(_ids)}", amount=amount, currency=currency, status=status, month=month
    )


def refund(month: str, status: str, amount: int, currency: str = "usd") -> RefundRow:
    return RefundRow(
        id=f"re_{next(_ids)}", amount=amount, currency=currency, status=status, month=month
    )


def row(revenue: Revenue, month: str, currency: str) -> MonthFigures:
    (found,) = [m for m in revenue.months if m.month == month and m.currency == currency]
    return found


# --- mrr.py ----------------------------------------------------------------------------------


def item(amount: int, interval: str = "month", quantity: int = 1, count: int = 1) -> PricedItem:
    return PricedItem(amount=amount, interval=interval, interval_count=count, quantity=quantity)


@pytest.mark.parametrize(
    ("items", "discount", "expected"),
    [
        ([item(4900)], None, 4900),
        ([item(120_000, "year")], None, 10_000),  # yearly / 12
        ([item(1200, "week")], None, 5200),  # weekly x 52 / 12
        ([item(1000, "day")], None, 30_417),  # daily x 365 / 12 = 30,416.67
        ([item(30_000, "month", count=3)], None, 10_000),  # quarterly
        ([item(2500, quantity=4)], None, 10_000),  # quantity multiplies
        ([item(1000, quantity=0)], None, 0),
        ([item(10_000), item(500, "week", count=2)], None, 11_083),  # 10,000 + 1,083.33
        ([item(10_000)], Discount(percent_off=25, amount_off=None, end=None), 7500),
        ([item(10_000)], Discount(percent_off=33.3, amount_off=None, end=None), 6670),
        ([item(10_000)], Discount(percent_off=None, amount_off=1500, end=None), 8500),
        ([item(120_000, "year")], Discount(None, 12_000, None), 9000),  # 12,000 a year off
        ([item(1000)], Discount(None, 5000, None), 0),  # never below zero
        ([item(10_000)], Discount(50, None, end=ts("2026-06-01")), 10_000),  # ended
        ([item(10_000)], Discount(50, None, end=ts("2026-07-01")), 5000),  # still running
        ([item(10_002, "year")], None, 834),  # 833.5 -> even
        ([item(10_014, "year")], None, 834),  # 834.5 -> even
        ([item(67, "day", 4, 2), item(22, "day", 4)], None, 6752),  # exactly 6,752.5 -> even
        ([item(1000, "fortnight")], None, 0),  # an interval we do not know counts nothing
    ],
)
def test_subscription_mrr_by_hand(
    items: list[PricedItem], discount: Discount | None, expected: int
) -> None:
    assert subscription_mrr("active", items, discount, ts("2026-06-15")) == expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", 5000),
        ("past_due", 5000),  # counted until canceled
        ("trialing", 0),
        ("canceled", 0),
        ("incomplete", 0),
        ("incomplete_expired", 0),
        ("unpaid", 0),
        ("paused", 0),
    ],
)
def test_subscription_mrr_by_status(status: str, expected: int) -> None:
    assert subscription_mrr(status, [item(5000)], None, 0) == expected
    assert subscription_mrr(status, [], None, 0) == 0


def test_monthly_is_the_exact_amount_to_28_digits() -> None:
    from decimal import Decimal

    assert monthly(Decimal(120_000), "year", 1) == Decimal(10_000)
    assert monthly(Decimal(10_002), "year", 1) == Decimal("833.5")
    assert monthly(Decimal(3), "week", 1) == Decimal(13)
    assert monthly(Decimal(1), "month", 0) == Decimal(0)


_PER_MONTH = {
    "month": Fraction(1),
    "year": Fraction(1, 12),
    "week": Fraction(13, 3),
    "day": Fraction(365, 12),
}


@settings(max_examples=400, deadline=None)
@given(
    items=st.lists(
        st.builds(
            PricedItem,
            amount=st.integers(0, 10**9),
            interval=st.sampled_from(sorted(_PER_MONTH)),
            interval_count=st.integers(1, 12),
            quantity=st.integers(0, 50),
        ),
        min_size=1,
        max_size=4,
    ),
    percent=st.none() | st.sampled_from([5, 10, 12.5, 20, 25, 33.3, 50, 99.99, 100]),
    amount_off=st.none() | st.integers(1, 10**6),
)
def test_subscription_mrr_matches_exact_arithmetic(
    items: list[PricedItem], percent: float | None, amount_off: int | None
) -> None:
    total = sum(
        (
            Fraction(i.amount * i.quantity) * _PER_MONTH[i.interval] / i.interval_count
            for i in items
        ),
        Fraction(0),
    )
    if percent:
        total *= 1 - Fraction(str(percent)) / 100
    if amount_off:
        total -= Fraction(amount_off) * _PER_MONTH[items[0].interval] / items[0].interval_count
    expected = max(round(total), 0)  # Fraction rounds half to even
    discount = Discount(percent, amount_off, None) if percent or amount_off else None
    assert subscription_mrr("active", items, discount, 0) == expected


# --- today's figures -------------------------------------------------------------------------


def test_todays_figures_per_currency(container: Container, owner: Actor) -> None:
    with container.db.write() as s:
        s.add_all(
            [
                sub_row("s1", "cu1", "active", [item(10_000)]),
                sub_row("s2", "cu2", "active", [item(120_000, "year")]),  # 10,000
                sub_row("s3", "cu3", "active", [item(1001, "week", quantity=3)]),  # 13,013
                sub_row("s4", "cu4", "past_due", [item(5000)], discount=Discount(20, None, None)),
                sub_row("s5", "cu4", "active", [item(5000)], discount=Discount(None, 1000, None)),
                sub_row("s6", "cu5", "trialing", [item(9900)]),
                sub_row("s7", "cu6", "canceled", [item(9900)]),
                sub_row("s8", "cu7", "incomplete", [item(9900)]),
                sub_row("s9", "cu8", "active", [item(2000)], currency="eur"),
                sub_row("s10", "cu9", "canceled", [item(2000)], currency="gbp"),
            ]
        )
    revenue = RevenueService(container.db).revenue(owner, months=3, as_of=AS_OF)
    assert [c.currency for c in revenue.currencies] == ["eur", "usd"]  # gbp: nothing paying
    eur, usd = revenue.currencies
    assert usd.mrr == 10_000 + 10_000 + 13_013 + 4000 + 4000
    assert usd.arr == 12 * 41_013
    assert usd.active_subscriptions == 5  # past_due counted; trial, canceled, incomplete not
    assert usd.paying_customers == 4
    assert usd.arpa == 10_253  # 41,013 / 4 = 10,253.25, rounded down
    assert (eur.mrr, eur.arr, eur.active_subscriptions, eur.paying_customers, eur.arpa) == (
        2000,
        24_000,
        1,
        1,
        2000,
    )
    assert revenue.as_of == AS_OF
    assert [(m.month, m.currency) for m in revenue.months] == [
        (month, currency)
        for month in ("2026-04", "2026-05", "2026-06")
        for currency in ("eur", "usd")
    ]


def test_nothing_synced_is_empty(service: RevenueService, owner: Actor) -> None:
    revenue = service.revenue(owner, as_of=AS_OF)
    assert revenue == Revenue(AS_OF, (), ())


# --- movements over a concrete story ---------------------------------------------------------


def _story(session: Session) -> None:
    # Before the window (Jan-Jun 2026): A pays 10,000 and B 5,000; E paid and left in 2025.
    log(session, "a1", "A", "usd", "2025-11-05", 10_000)
    log(session, "b1", "B", "usd", "2025-12-10", 5000)
    log(session, "e1", "E", "usd", "2025-10-01", 3000)
    log(session, "e1", "E", "usd", "2025-12-01", 0)
    # January: C is new (2,000); A upgrades to 15,000 (expansion 5,000).
    log(session, "c1", "C", "usd", "2026-01-15", 2000)
    log(session, "a1", "A", "usd", "2026-01-20", 15_000)
    # February: B downgrades to 3,000; D subscribes and cancels within the month (no movement).
    log(session, "b1", "B", "usd", "2026-02-11", 3000)
    log(session, "d1", "D", "usd", "2026-02-03", 4000)
    log(session, "d1", "D", "usd", "2026-02-20", 0)
    # March: C churns; E comes back (reactivation); A adds a second subscription (expansion).
    log(session, "c1", "C", "usd", "2026-03-31 23:59", 0)
    log(session, "e2", "E", "usd", "2026-03-05", 3000)
    log(session, "a2", "A", "usd", "2026-03-09", 1000)
    # April: D subscribes for real: new, since it never ended a month paying.
    log(session, "d2", "D", "usd", "2026-04-01", 2500)
    # June: C comes back before as_of; A's cancellation after as_of is not seen yet.
    log(session, "c2", "C", "usd", "2026-06-10", 2000)
    log(session, "a1", "A", "usd", "2026-06-20", 0)
    # A euro customer, kept apart: new in February, upgraded in May.
    log(session, "f1", "F", "eur", "2026-02-01", 9000)
    log(session, "f1", "F", "eur", "2026-05-01", 9500)
    # A customer paying in both currencies is two customers as far as movements go.
    log(session, "b2", "B", "eur", "2026-03-01", 700)


def test_mrr_movements_month_by_month(container: Container, owner: Actor) -> None:
    with container.db.write() as s:
        _story(s)
    revenue = RevenueService(container.db).revenue(owner, months=6, as_of=AS_OF)
    usd = [
        (
            m.month,
            m.start_mrr,
            m.new,
            m.expansion,
            m.contraction,
            m.churn,
            m.reactivation,
            m.end_mrr,
        )
        for m in revenue.months
        if m.currency == "usd"
    ]
    assert usd == [
        ("2026-01", 15_000, 2000, 5000, 0, 0, 0, 22_000),
        ("2026-02", 22_000, 0, 0, 2000, 0, 0, 20_000),
        ("2026-03", 20_000, 0, 1000, 0, 2000, 3000, 22_000),
        ("2026-04", 22_000, 2500, 0, 0, 0, 0, 24_500),
        ("2026-05", 24_500, 0, 0, 0, 0, 0, 24_500),
        ("2026-06", 24_500, 0, 0, 0, 0, 2000, 26_500),
    ]
    eur = [
        (m.month, m.start_mrr, m.new, m.expansion, m.end_mrr)
        for m in revenue.months
        if m.currency == "eur"
    ]
    assert eur == [
        ("2026-01", 0, 0, 0, 0),
        ("2026-02", 0, 9000, 0, 9000),
        ("2026-03", 9000, 700, 0, 9700),
        ("2026-04", 9700, 0, 0, 9700),
        ("2026-05", 9700, 0, 500, 10_200),
        ("2026-06", 10_200, 0, 0, 10_200),
    ]
    # Net revenue retention: only revenue from customers paying at the month's start.
    assert row(revenue, "2026-01", "usd").net_revenue_retention == pytest.approx(20_000 / 15_000)
    assert row(revenue, "2026-03", "usd").net_revenue_retention == pytest.approx(19_000 / 20_000)
    assert row(revenue, "2026-05", "usd").net_revenue_retention == 1.0
    assert row(revenue, "2026-02", "eur").net_revenue_retention is None  # nothing at the start
    for m in revenue.months:
        assert m.start_mrr + m.new + m.expansion + m.reactivation - m.contraction - m.churn == (
            m.end_mrr
        )


@pytest.mark.postgres
def test_the_same_figures_on_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    """The log is read straight off the DB-API cursor; PostgreSQL's driver must agree."""
    url = postgres.create_database()
    c = Container(Settings(data_dir=tmp_path, db_url=url), lambda _creating: MASTER_PASSWORD)
    try:
        owner = c.auth.initialize("Agency Test", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        with c.db.write() as s:
            _story(s)
            s.add_all([charge("2026-03", "succeeded", 900), charge("2026-03", "failed", 100)])
            s.add(refund("2026-03", "succeeded", 300))
            s.add(sub_row("s1", "A", "past_due", [item(120_000, "year")]))
        revenue = RevenueService(c.db).revenue(owner, months=6, as_of=AS_OF)
    finally:
        c.close()
    march = row(revenue, "2026-03", "usd")
    assert (march.start_mrr, march.expansion, march.churn, march.reactivation) == (
        20_000,
        1000,
        2000,
        3000,
    )
    assert (march.payments, march.failed_payment_rate, march.net_revenue) == (2, 0.5, 600)
    assert row(revenue, "2026-06", "usd").end_mrr == 26_500
    assert [(c.currency, c.mrr, c.arpa) for c in revenue.currencies] == [
        ("eur", 0, 0),
        ("usd", 10_000, 10_000),
    ]


def test_an_earlier_as_of_shows_the_months_as_they_stood(
    container: Container, owner: Actor
) -> None:
    with container.db.write() as s:
        _story(s)
    revenue = RevenueService(container.db).revenue(
        owner,
        months=2,
        as_of=datetime(2026, 3, 10),  # naive: taken as UTC
    )
    assert revenue.as_of == datetime(2026, 3, 10, tzinfo=UTC)
    march = row(revenue, "2026-03", "usd")
    # C's churn on March 31 and everything later is not seen yet.
    assert (march.start_mrr, march.expansion, march.churn, march.reactivation, march.end_mrr) == (
        20_000,
        1000,
        0,
        3000,
        24_000,
    )
    assert [m.month for m in revenue.months] == ["2026-02", "2026-02", "2026-03", "2026-03"]


# --- payments, refunds -----------------------------------------------------------------------


def test_payments_refunds_and_net_revenue(container: Container, owner: Actor) -> None:
    with container.db.write() as s:
        s.add_all(
            [charge("2026-03", "succeeded", 1000 * (i + 1)) for i in range(8)]  # 36,000
            + [charge("2026-03", "failed", 5000), charge("2026-03", "failed", 7000)]
            + [charge("2026-03", "pending", 9999)]  # not an attempt that ended
            + [charge("2026-03", "succeeded", 4200, "eur"), charge("2026-03", "failed", 10, "eur")]
            + [charge("2025-12", "succeeded", 77_777)]  # before the window
            + [charge("2026-04", "failed", 100)]
            + [
                refund("2026-03", "succeeded", 500),
                refund("2026-03", "pending", 300),
                refund("2026-03", "failed", 1000),  # no money went back
                refund("2026-03", "canceled", 200),
                refund("2026-03", "succeeded", 1200, "eur"),
            ]
        )
    revenue = RevenueService(container.db).revenue(owner, months=6, as_of=AS_OF)
    march = row(revenue, "2026-03", "usd")
    assert (march.payments, march.failed_payments) == (10, 2)
    assert march.failed_payment_rate == pytest.approx(0.2)
    assert (march.collected, march.refunds, march.net_revenue) == (36_000, 800, 35_200)
    eur = row(revenue, "2026-03", "eur")
    assert (eur.payments, eur.failed_payments, eur.collected, eur.refunds, eur.net_revenue) == (
        2,
        1,
        4200,
        1200,
        3000,
    )
    assert eur.failed_payment_rate == 0.5
    april = row(revenue, "2026-04", "usd")
    assert (april.payments, april.failed_payment_rate, april.collected) == (1, 1.0, 0)
    may = row(revenue, "2026-05", "usd")
    assert (may.payments, may.failed_payment_rate, may.net_revenue) == (0, None, 0)
    assert all(m.month >= "2026-01" for m in revenue.months)
    # Today: nothing subscribed, but both currencies had money in the window.
    assert [(c.currency, c.mrr, c.arpa) for c in revenue.currencies] == [
        ("eur", 0, 0),
        ("usd", 0, 0),
    ]


# --- permission and input --------------------------------------------------------------------


def test_a_member_may_not_see_revenue(container: Container, owner: Actor) -> None:
    member = add_user(container, owner, "member@agency.test", Role.MEMBER)
    with pytest.raises(PermissionDenied):
        RevenueService(container.db).revenue(member, as_of=AS_OF)
    manager = add_user(container, owner, "manager@agency.test", Role.MANAGER)
    assert RevenueService(container.db).revenue(manager, as_of=AS_OF).months == ()


@pytest.mark.parametrize("months", [0, -1, 121])
def test_months_out_of_range(service: RevenueService, owner: Actor, months: int) -> None:
    with pytest.raises(ValidationError) as caught:
        service.revenue(owner, months=months)
    assert caught.value.field == "months"


def test_month_labels_cross_the_year() -> None:
    assert month_labels(datetime(2026, 2, 28, 23, 59, tzinfo=UTC), 4) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]
    assert month_labels(datetime(2026, 1, 1, tzinfo=UTC), 1) == ["2026-01"]


# --- random logs -----------------------------------------------------------------------------

_SUBS = [(f"s{i}", f"c{i % 4}", ("usd", "eur")[i % 3 == 0]) for i in range(8)]
_LOW, _HIGH = ts("2024-10-01"), ts("2026-07-01")

log_entries = st.lists(
    st.tuples(
        st.sampled_from(_SUBS),
        st.integers(_LOW, _HIGH),
        st.sampled_from([0, 0, 100, 250, 999, 1000, 5000]),
    ).map(lambda t: (t[0][0], t[0][1], t[0][2], t[1], t[2])),
    max_size=40,
)
windows = st.tuples(st.integers(2024 * 12 + 9, 2026 * 12 + 6), st.integers(1, 14))


def _at(rows: list[LogEntry], moment: int) -> dict[tuple[str, str], int]:
    """Each customer's MRR just before `moment`: the latest row of each subscription wins."""
    latest: dict[str, LogEntry] = {}
    for r in sorted(rows, key=lambda r: r[3]):  # stable, like the log's id order
        if r[3] < moment:
            latest[r[0]] = r
    totals: dict[tuple[str, str], int] = {}
    for _sub, customer, currency, _, mrr in latest.values():
        totals[customer, currency] = totals.get((customer, currency), 0) + mrr
    return totals


def _brute_force(rows: list[LogEntry], months: list[str]) -> dict[tuple[str, str], Movements]:
    """Movements straight from the definition, month end by month end, from 2024-09 on."""

    def start(label: str) -> int:
        return ts(label + "-01")

    every = month_labels(
        datetime.strptime(months[-1], "%Y-%m").replace(tzinfo=UTC),
        (int(months[-1][:4]) - 2024) * 12 + int(months[-1][5:]) - 8,
    )
    ends = [*every[1:], _next(months[-1])]
    ever: set[tuple[str, str]] = set()
    out: dict[tuple[str, str], list[int]] = {}
    for label, nxt in zip(every, ends, strict=True):
        before, after = _at(rows, start(label)), _at(rows, start(nxt))
        for key in set(before) | set(after):
            s, e = before.get(key, 0), after.get(key, 0)
            acc = out.setdefault((label, key[1]), [0] * 7)
            acc[0] += s
            acc[6] += e
            if s == 0 and e > 0:
                acc[1 if key not in ever else 5] += e
            elif s > 0 and e == 0:
                acc[4] += s
            elif 0 < s < e:
                acc[2] += e - s
            elif 0 < e < s:
                acc[3] += s - e
            if e > 0:
                ever.add(key)
    return {(m, c): Movements(*v) for (m, c), v in out.items() if m in months}


def _next(label: str) -> str:
    year, month = int(label[:4]), int(label[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


@settings(max_examples=300, deadline=None)
@given(rows=log_entries, window=windows)
def test_movements_add_up_for_any_log(rows: list[LogEntry], window: tuple[int, int]) -> None:
    last, size = window
    months = [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(last - size + 1, last + 1)]
    got = movements(rows, months)
    expected = _brute_force(rows, months)
    for (month, currency), m in got.items():
        assert m.start_mrr + m.new + m.expansion + m.reactivation - m.contraction - m.churn == (
            m.end_mrr
        )
        if month != months[0]:
            assert m.start_mrr == got[months[months.index(month) - 1], currency].end_mrr
        assert m == expected.get((month, currency), Movements())
        assert min(m.new, m.expansion, m.contraction, m.churn, m.reactivation) >= 0
    for key, m in expected.items():  # a currency left out had nothing to show
        assert key in got or m == Movements()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=log_entries)
def test_service_reads_the_log_it_was_given(
    container: Container, owner: Actor, rows: list[LogEntry]
) -> None:
    """Through the database: ties at the same second keep insertion (id) order."""
    with container.db.write() as s:
        s.execute(delete(MrrLogRow))
        for sub, customer, currency, at, mrr in rows:
            s.add(
                MrrLogRow(
                    subscription=sub,
                    customer=customer,
                    currency=currency,
                    at=at,
                    mrr=mrr,
                    source="t",
                )
            )
            s.flush()
    revenue = RevenueService(container.db).revenue(owner, months=14, as_of=AS_OF)
    seen = [r for r in rows if r[3] <= ts("2026-06-15 12:00")]  # the log up to as_of
    expected = movements(seen, month_labels(AS_OF, 14))
    for m in revenue.months:
        moves = expected.get((m.month, m.currency), Movements())
        assert (
            m.start_mrr,
            m.new,
            m.expansion,
            m.contraction,
            m.churn,
            m.reactivation,
            m.end_mrr,
        ) == (
            moves.start_mrr,
            moves.new,
            moves.expansion,
            moves.contraction,
            moves.churn,
            moves.reactivation,
            moves.end_mrr,
        )
    end = ts("2026-06-15 12:00") + 1  # the log is read up to as_of, inclusive
    totals = {c: 0 for _, c in _at(rows, end)}
    for (_, currency), mrr in _at(rows, end).items():
        totals[currency] += mrr
    june = {m.currency: m.end_mrr for m in revenue.months if m.month == "2026-06"}
    assert {c: v for c, v in totals.items() if v} == {c: v for c, v in june.items() if v}
