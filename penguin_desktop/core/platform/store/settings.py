"""Small agency-wide settings kept as rows of `penguin_meta` (the DNS server checks ask, the
monitor's CA bundle and PagerDuty URL): read one, or save and clear one while keeping what it
was for the audit record."""

from __future__ import annotations

from sqlalchemy.orm import Session

from penguin_desktop.core.platform.store.tables import MetaRow


def stored(session: Session, key: str) -> str | None:
    row = session.get(MetaRow, key)
    return row.value if row else None


def store(session: Session, key: str, value: str | None) -> str | None:
    """Save `value` (None clears it) and return what was saved before."""
    row = session.get(MetaRow, key)
    before = row.value if row else None
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(MetaRow(key=key, value=value))
    else:
        row.value = value
    return before
