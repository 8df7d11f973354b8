"""Email address validation at the edge, by email-validator (RFC 5321/5322 syntax and IDN)."""

from __future__ import annotations

from penguin_desktop.core.platform.errors import ValidationError


def normalize_email(raw: str) -> str:
    """Lower-cased address, or a ValidationError saying why it is not one.

    Special-use domains (.test, .internal) are accepted: agencies run private lab setups.
    """
    from email_validator import EmailNotValidError, validate_email  # ~40 ms: on first use

    if not raw.strip():
        raise ValidationError("an email address is required", field="email")
    try:
        result = validate_email(
            raw.strip(),
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
        )
    except EmailNotValidError as exc:
        raise ValidationError(f"not a valid email address {raw!r}: {exc}", field="email") from None
    if "." not in result.ascii_domain:
        raise ValidationError(
            f"not a valid email address {raw!r}: its domain needs a dot (name@example.com)",
            field="email",
        )
    return result.normalized.lower()
