"""Amounts in a currency's minor unit shown as people read them. Stripe counts most currencies
in hundredths, some in whole units (JPY, KRW, ...) and a few in thousandths (BHD, KWD, ...);
its list of each is kept here so a yen is never shown as 0.49."""

from __future__ import annotations

ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
THREE_DECIMAL = frozenset(["bhd", "jod", "kwd", "omr", "tnd"])


def decimals(currency: str) -> int:
    code = currency.lower()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def money(amount: int, currency: str) -> str:
    """`4900, "usd"` -> "49.00 USD"; negative amounts keep their sign."""
    places = decimals(currency)
    sign = "-" if amount < 0 else ""
    whole, part = divmod(abs(amount), 10**places)
    text = f"{whole:,}" + (f".{part:0{places}d}" if places else "")
    return f"{sign}{text} {currency.upper()}"


def parse_amount(text: str, currency: str) -> int:
    """ "12.50" in `currency` -> 1250 minor units; refuses more decimals than it has."""
    from decimal import Decimal, InvalidOperation

    from penguin_desktop.core.platform.errors import ValidationError

    places = decimals(currency)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValidationError(f"{text!r} is not an amount", field="amount", value=text) from None
    minor = value * (10**places)
    if value <= 0 or minor != minor.to_integral_value():
        raise ValidationError(
            f"{text!r} is not a positive amount in {currency.upper()} "
            f"({places} decimal places at most)",
            field="amount",
            value=text,
        )
    return int(minor)
