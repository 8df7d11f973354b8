"""How billing's figures read in the console: money through core's `money` (amounts stay whole
minor units until they are words), days and times in local time, rates as percentages, and
Stripe's statuses in words. Kept apart so every tab and the Home panel say them alike."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from penguin_desktop.core.billing.models import CurrencyRevenue, Payment
from penguin_desktop.core.billing.money import money
from penguin_desktop.ui.widgets.formatting import local_time

# What the filters offer; core checks them again (payments.CHARGE_STATUSES and
# INVOICE_STATUSES, not imported here: that would load billing's tables at start-up).
CHARGE_STATUSES = ("succeeded", "failed", "pending", "refunded")
INVOICE_STATUSES = ("draft", "open", "paid", "uncollectible", "void")

LINK_WORDS = {"metadata": "By metadata", "manual": "By hand"}
FLAG_SOURCES = {
    "plan": "Its plan",
    "override": "Set by hand",
    "none": "Not in its plan",
}
RESOURCE_WORDS = {
    "domains": "Sending domains",
    "mailboxes": "Mailboxes",
    "emails_month": "Emails this month",
}
SUBSCRIPTION_WORDS = {
    "active": "Active",
    "past_due": "Past due (retrying)",
    "trialing": "Trial",
    "canceled": "Canceled",
    "incomplete": "Incomplete",
    "incomplete_expired": "Expired",
    "unpaid": "Unpaid",
    "paused": "Paused",
}


def main_first(currencies: Iterable[CurrencyRevenue]) -> list[CurrencyRevenue]:
    """The agency's currencies, the one with most paying subscriptions first (amounts of two
    currencies cannot be compared), then by code."""
    return sorted(currencies, key=lambda c: (-c.active_subscriptions, c.currency))


def amount(minor: int, currency: str) -> str:
    """ "49.00 USD": core's words for an amount."""
    return money(minor, currency)


def bare(minor: int, currency: str) -> str:
    """ "49.00": an amount in a table whose header names the currency."""
    return money(minor, currency).rsplit(" ", 1)[0]


def when(value: datetime | None) -> str:
    return local_time(value) if value is not None else ""


def day(value: datetime | None) -> str:
    return local_time(value)[:10] if value is not None else ""


def percent(rate: float | None, places: int = 1) -> str:
    """0.3333 -> "33.3%"; None (nothing to divide) -> "—"."""
    if rate is None:
        return "—"
    text = f"{rate * 100:.{places}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def month_words(label: str) -> str:
    """ "2026-06" -> "Jun 2026"."""
    moment = datetime.strptime(label, "%Y-%m").replace(tzinfo=UTC)
    return moment.strftime("%b %Y")


def short_month(label: str) -> str:
    """ "2026-06" -> "Jun 26", for a chart's axis."""
    moment = datetime.strptime(label, "%Y-%m").replace(tzinfo=UTC)
    return moment.strftime("%b %y")


def customer_words(name: str | None, customer: str | None) -> str:
    return name or customer or "—"


def payment_status(payment: Payment) -> str:
    """A charge's status, saying when it was refunded; a refund says it is one."""
    if payment.kind == "refund":
        return "Refund" if payment.status == "succeeded" else f"Refund {payment.status}"
    if payment.status == "succeeded" and payment.refunded:
        return "Refunded" if payment.refunded >= payment.amount else "Partly refunded"
    return payment.status.replace("_", " ").capitalize()


def decline_text(payment: Payment) -> str:
    """Why a charge failed, as Stripe says it to the person who paid."""
    failed = payment.kind == "charge" and payment.status == "failed"
    return (payment.failure or "Declined") if failed else ""


def decline(payment: Payment) -> str:
    """Why a charge failed: Stripe's sentence and the issuer's code (for a tooltip)."""
    text = decline_text(payment)
    if not text:
        return ""
    if payment.decline_code and payment.decline_code not in text:
        text += f" [{payment.decline_code}]"
    return text


def refundable(payment: Payment) -> int:
    """What is left to refund of a payment (0: nothing, or not a charge that succeeded)."""
    if payment.kind != "charge" or payment.status != "succeeded":
        return 0
    return max(payment.amount - payment.refunded, 0)


def mode_words(livemode: bool) -> str:
    return "live mode" if livemode else "test mode"


def list_words(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(n.replace("_", " ") for n in names) or "nothing"
