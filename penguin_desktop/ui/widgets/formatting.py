"""How times and roles read in tables: local time, minutes precision, no microseconds."""

from __future__ import annotations

from datetime import UTC, datetime

from penguin_desktop.core.platform.models import Role


def local_time(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def audit_time(stamp: str) -> str:
    """Audit timestamps are ISO-8601 UTC text; show them in local time to the second."""
    try:
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return local_time(parsed, seconds=True)


def role_name(role: Role | None) -> str:
    return role.value.capitalize() if role is not None else ""


def outcome_text(outcome: str) -> str:
    return {"ok": "OK", "denied": "Denied"}.get(outcome, outcome)
