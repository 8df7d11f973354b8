"""Revenue: today's MRR, ARR, active subscriptions and ARPA per currency, and per calendar month
(UTC) the MRR movements, payments, refunds and net revenue retention.

Every figure is read from the synced rows and nothing else, so a finance lead can redo it by
hand: today's figures sum `stripe_subscriptions.mrr` (worked out at ingest by
`mrr.subscription_mrr`), the movements replay `billing_mrr_log`, and the payment figures are one
GROUP BY month, currency over the charges and refunds (money collected is what the charges say;
invoices are not read). No figure adds two currencies together: every row carries one currency.

The arithmetic is in pure functions (`month_labels`, `movements`, `month_figures`,
`currency_revenue`, `assemble`) that take plain values, so they can be tested without a database;
`RevenueService` only reads the rows and hands them over.

Movements are per (customer, currency): the customer's MRR at the start of a month (the end of
the one before) is compared with its MRR at the month's end. 0 -> >0 is `new` the first time the
customer ends a month paying in that currency and `reactivation` after that; >0 -> 0 is `churn`;
>0 -> more is `expansion`, >0 -> less is `contraction`. A change that is undone within the same
month moves nothing. Hence start + new + expansion + reactivation - contraction - churn == end
for every month and currency, in whole minor units.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.billing.models import CurrencyRevenue, MonthFigures, Revenue
from penguin_desktop.core.billing.tables import ChargeRow, MrrLogRow, RefundRow, SubscriptionRow
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service

MAX_MONTHS = 120
COUNTED_CHARGES = ("succeeded", "failed")
COUNTED_REFUNDS = ("succeeded", "pending")  # money gone or going; failed and canceled are not

# subscription, customer, currency, at (Unix seconds), mrr from `at` on
LogEntry = tuple[str, str, str, int, int]


@dataclass(frozen=True)
class Movements:
    """The MRR part of one month in one currency."""

    start_mrr: int = 0
    new: int = 0
    expansion: int = 0
    contraction: int = 0
    churn: int = 0
    reactivation: int = 0
    end_mrr: int = 0


@dataclass(frozen=True)
class Payments:
    """The money part of one month in one currency, as summed by the database: how many
    charges succeeded and failed, what the succeeded ones collected, and what was refunded."""

    succeeded: int = 0
    failed: int = 0
    collected: int = 0
    refunds: int = 0


# --- months ----------------------------------------------------------------------------------


def _index(label: str) -> int:
    """A label such as 2026-11 as a month number that counts up by one a month."""
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def _label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _start(index: int) -> int:
    """The Unix second the month begins, UTC."""
    return calendar.timegm((index // 12, index % 12 + 1, 1, 0, 0, 0))


def _index_at(at: int) -> int:
    moment = datetime.fromtimestamp(at, UTC)
    return moment.year * 12 + moment.month - 1


def month_labels(as_of: datetime, months: int) -> list[str]:
    """The `months` calendar months (UTC) ending with as_of's, oldest first."""
    last = _index_at(int(as_of.timestamp()))
    return [_label(i) for i in range(last - months + 1, last + 1)]


# --- MRR movements ---------------------------------------------------------------------------


def _apply(
    rows: Sequence[LogEntry], subs: dict[str, int], totals: dict[str, int]
) -> dict[str, int]:
    """Apply one month's rows to each subscription's and each customer's MRR; return the MRR
    each customer they touch had at the month's start (the only customers that can move).
    A customer in a currency is keyed "currency customer" (a currency has no space): one
    string hashes once, where a (customer, currency) pair would hash on every lookup, and
    this loop runs once per log row."""
    starts: dict[str, int] = {}
    for sub, customer, currency, _, mrr in rows:
        key = f"{currency} {customer}"
        total = totals.get(key, 0)
        if key not in starts:
            starts[key] = total
        totals[key] = total + mrr - subs.get(sub, 0)
        subs[sub] = mrr
    return starts


def _book(
    starts: Mapping[str, int], totals: Mapping[str, int], ever: set[str]
) -> dict[str, list[int]]:
    """Classify each touched customer's month (start -> end); return per currency
    [new, expansion, contraction, churn, reactivation]. `ever` holds the customers that have
    ended a month paying, which tells a reactivation from a new customer."""
    month: dict[str, list[int]] = {}
    for key, start in starts.items():
        end = totals[key]
        if start == end:
            continue
        currency = key.partition(" ")[0]
        acc = month.get(currency)
        if acc is None:
            acc = month[currency] = [0, 0, 0, 0, 0]
        if start == 0:
            acc[4 if key in ever else 0] += end
        elif end == 0:
            acc[3] += start
        elif end > start:
            acc[1] += end - start
        else:
            acc[2] += start - end
        if end > 0:
            ever.add(key)
    return month


def movements(log: Iterable[LogEntry], months: Sequence[str]) -> dict[tuple[str, str], Movements]:
    """Replay the MRR log and return, for every currency with a movement, one `Movements` per
    month of `months` (consecutive labels, oldest first). Rows after the last month are
    ignored; rows at the same second keep their order (the log's id order), so the later row
    wins. The whole history before the window is replayed too: it gives the first month's
    start and tells `new` from `reactivation`; only its net change is kept, as `first - 1`."""
    first, last = _index(months[0]), _index(months[-1])
    rows = sorted(log, key=itemgetter(3))  # stable: ties keep the caller's (id) order
    ats = [row[3] for row in rows]
    subs: dict[str, int] = {}
    totals: dict[str, int] = {}
    ever: set[str] = set()
    moved: dict[tuple[int, str], list[int]] = {}
    lo = 0
    for index in range(min(_index_at(ats[0]), first) if ats else first, last + 1):
        hi = bisect_left(ats, _start(index + 1), lo)
        if hi > lo:
            booked = _book(_apply(rows[lo:hi], subs, totals), totals, ever)
            for currency, five in booked.items():
                acc = moved.setdefault((max(index, first - 1), currency), [0, 0, 0, 0, 0])
                acc[:] = [a + b for a, b in zip(acc, five, strict=True)]
        lo = hi
    return _running(moved, first, last)


def _running(
    moved: Mapping[tuple[int, str], list[int]], first: int, last: int
) -> dict[tuple[str, str], Movements]:
    """Chain the months: each month starts where the one before ended."""
    out: dict[tuple[str, str], Movements] = {}
    for currency in sorted({c for _, c in moved}):
        before = moved.get((first - 1, currency), [0, 0, 0, 0, 0])
        running = before[0] + before[1] + before[4] - before[2] - before[3]
        for index in range(first, last + 1):
            new, up, down, churn, back = moved.get((index, currency), [0, 0, 0, 0, 0])
            end = running + new + up + back - down - churn
            out[_label(index), currency] = Movements(running, new, up, down, churn, back, end)
            running = end
    return out


# --- putting the figures together ------------------------------------------------------------


def currency_revenue(
    currency: str, mrr: int, subscriptions: int, customers: int
) -> CurrencyRevenue:
    """Today's figures in one currency. ARPA (average revenue per paying account) is MRR over
    paying customers rounded down to a whole minor unit, so ARPA x customers never exceeds
    MRR; 0 with no paying customer."""
    arpa = mrr // customers if customers else 0
    return CurrencyRevenue(currency, mrr, 12 * mrr, subscriptions, customers, arpa)


def month_figures(month: str, currency: str, moves: Movements, pay: Payments) -> MonthFigures:
    """One month's row. The failed-payment rate counts attempts that ended (pending ones are
    left out); net revenue retention keeps only customers already paying at the month's start,
    so new and reactivated revenue cannot hide churn."""
    attempts = pay.succeeded + pay.failed
    start = moves.start_mrr
    kept = start + moves.expansion - moves.contraction - moves.churn
    return MonthFigures(
        month=month,
        currency=currency,
        start_mrr=start,
        new=moves.new,
        expansion=moves.expansion,
        contraction=moves.contraction,
        churn=moves.churn,
        reactivation=moves.reactivation,
        end_mrr=moves.end_mrr,
        payments=attempts,
        failed_payments=pay.failed,
        failed_payment_rate=pay.failed / attempts if attempts else None,
        collected=pay.collected,
        refunds=pay.refunds,
        net_revenue=pay.collected - pay.refunds,
        net_revenue_retention=kept / start if start else None,
    )


def assemble(
    as_of: datetime,
    months: Sequence[str],
    today: Iterable[CurrencyRevenue],
    moves: Mapping[tuple[str, str], Movements],
    payments: Mapping[tuple[str, str], Payments],
) -> Revenue:
    """The `Revenue` for the currencies that appear: paying today, or with any MRR, movement,
    payment or refund in the window. Each such currency gets a row for today (zeros when it is
    no longer paying) and one for every month, so a chart's months line up."""
    current = {c.currency: c for c in today}
    empty_moves, empty_pay = Movements(), Payments()
    shown = set(current)
    shown |= {c for (_, c), m in moves.items() if m != empty_moves}
    shown |= {c for (_, c), p in payments.items() if p != empty_pay}
    currencies = tuple(current.get(c) or currency_revenue(c, 0, 0, 0) for c in sorted(shown))
    rows = tuple(
        month_figures(
            month,
            currency,
            moves.get((month, currency), empty_moves),
            payments.get((month, currency), empty_pay),
        )
        for month in months
        for currency in sorted(shown)
    )
    return Revenue(as_of, currencies, rows)


# --- reading ---------------------------------------------------------------------------------


def _read_today(session: Session) -> list[CurrencyRevenue]:
    s = SubscriptionRow
    rows = session.execute(
        select(s.currency, func.sum(s.mrr), func.count(), func.count(s.customer.distinct()))
        .where(s.mrr > 0)
        .group_by(s.currency)
    )
    return [currency_revenue(c, int(mrr), int(n), int(people)) for c, mrr, n, people in rows]


def _read_log(session: Session, until: int) -> list[LogEntry]:
    """The MRR log up to `until` in id order (`movements` sorts it by time, keeping that order
    for rows at the same second), as plain tuples straight off the DB-API cursor: SQLAlchemy's
    per-row result handling costs more than the database on 50,000 rows, and these columns
    (text and integers) need none. Same connection, so same transaction. A table scan in id
    order is also cheaper than walking the `at` index and looking each row up."""
    m = MrrLogRow.__table__.c
    stmt = (
        select(m.subscription, m.customer, m.currency, m.at, m.mrr)
        .where(m.at <= until)
        .order_by(m.id)
    )
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect)
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    dbapi: Any = conn.connection.dbapi_connection
    cursor = dbapi.cursor()
    try:
        cursor.execute(str(compiled), params)
        rows: list[LogEntry] = cursor.fetchall()
    finally:
        cursor.close()
    return rows


def _read_payments(session: Session, months: Sequence[str]) -> dict[tuple[str, str], Payments]:
    c, r = ChargeRow, RefundRow
    charges = session.execute(
        select(c.month, c.currency, c.status, func.count(), func.sum(c.amount))
        .where(c.month.between(months[0], months[-1]), c.status.in_(COUNTED_CHARGES))
        .group_by(c.month, c.currency, c.status)
    )
    found: dict[tuple[str, str], list[int]] = {}
    for month, currency, status, count, amount in charges:
        acc = found.setdefault((month, currency), [0, 0, 0, 0])
        if status == "succeeded":
            acc[0], acc[2] = int(count), int(amount or 0)
        else:
            acc[1] = int(count)
    refunds = session.execute(
        select(r.month, r.currency, func.sum(r.amount))
        .where(r.month.between(months[0], months[-1]), r.status.in_(COUNTED_REFUNDS))
        .group_by(r.month, r.currency)
    )
    for month, currency, amount in refunds:
        found.setdefault((month, currency), [0, 0, 0, 0])[3] = int(amount or 0)
    return {key: Payments(*acc) for key, acc in found.items()}


class RevenueService(Service):
    def revenue(self, actor: Actor, months: int = 12, as_of: datetime | None = None) -> Revenue:
        """Today's figures per currency and the last `months` calendar months (UTC) up to and
        including as_of's, per month and currency. `as_of` (default now; a naive time is taken
        as UTC) cuts the MRR log, so an earlier as_of shows the movements as they stood; the
        payment figures are whole months, and today's figures are the mirror as it is now
        (`stripe_subscriptions` keeps no history), whatever as_of says."""
        with self._reading(actor) as session:
            self._require_org(actor, Permission.BILLING_READ, "billing:revenue")
            if not 1 <= months <= MAX_MONTHS:
                raise ValidationError(
                    f"months must be between 1 and {MAX_MONTHS}", field="months", value=months
                )
            when = as_of or datetime.now(UTC)
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
            labels = month_labels(when, months)
            today = _read_today(session)
            log = _read_log(session, int(when.timestamp()))
            payments = _read_payments(session, labels)
        return assemble(when, labels, today, movements(log, labels), payments)
