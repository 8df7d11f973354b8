"""A subscription's monthly recurring revenue, from its items, status and discount.

Rules (the usual SaaS-metrics ones, written down so every figure can be checked by hand):
a price is normalized to a month (yearly / 12, weekly x 52 / 12, daily x 365 / 12, each divided
by the interval count); quantity multiplies; a percent discount scales the whole, an amount
discount comes off once per billing period and is normalized the same way; a discount whose end
has passed no longer counts. Trialing, canceled, incomplete, incomplete-expired and unpaid
subscriptions count 0; past-due ones count until they are canceled. Each subscription's MRR is
rounded to a whole minor unit (half to even) once, so that every sum of them is exact. The
arithmetic before that one rounding is done in exact fractions: with 28-digit decimals, 1/12 and
52/12 are rounded, and a total that is exactly x.5 could come out as x.4999... or x.5000...1
and round the wrong way."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

COUNTED = frozenset({"active", "past_due"})

_PER_MONTH = {
    "month": Fraction(1),
    "year": Fraction(1, 12),
    "week": Fraction(52, 12),
    "day": Fraction(365, 12),
}


@dataclass(frozen=True)
class PricedItem:
    amount: int  # per interval_count intervals, minor units
    interval: str
    interval_count: int
    quantity: int


@dataclass(frozen=True)
class Discount:
    percent_off: float | None
    amount_off: int | None
    end: int | None  # Unix seconds; None: forever


def monthly(amount: Decimal, interval: str, interval_count: int) -> Decimal:
    """`amount` charged every `interval_count` `interval`s, as an amount per month (to the
    28 significant digits of a decimal; `subscription_mrr` works with the exact fraction)."""
    exact = _monthly(Fraction(amount), interval, interval_count)
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def _monthly(amount: Fraction, interval: str, interval_count: int) -> Fraction:
    factor = _PER_MONTH.get(interval)
    if factor is None or interval_count < 1:
        return Fraction(0)
    return amount * factor / interval_count


def subscription_mrr(
    status: str, items: list[PricedItem], discount: Discount | None, at: int
) -> int:
    """The subscription's MRR at `at` (Unix seconds), in minor units."""
    if status not in COUNTED or not items:
        return 0
    total = sum(
        (
            _monthly(Fraction(i.amount * max(i.quantity, 0)), i.interval, i.interval_count)
            for i in items
        ),
        Fraction(0),
    )
    if discount is not None and (discount.end is None or discount.end > at):
        if discount.percent_off:
            total *= 1 - Fraction(str(discount.percent_off)) / 100
        if discount.amount_off:
            first = items[0]
            total -= _monthly(Fraction(discount.amount_off), first.interval, first.interval_count)
    if total <= 0:
        return 0
    return round(total)  # a Fraction rounds half to even
