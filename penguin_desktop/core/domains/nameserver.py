"""The organization's choice of DNS server for checks, kept in the settings table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from penguin_desktop.core.platform.store.tables import MetaRow

NAMESERVER_KEY = "dns.nameserver"


@dataclass(frozen=True)
class NameserverChoice:
    """The saved setting and what checks really ask: PENGUIN_DNS_NAMESERVER wins over it."""

    saved: str | None
    effective: str
    overridden_by_env: bool


def stored(session: Session) -> str | None:
    row = session.get(MetaRow, NAMESERVER_KEY)
    return row.value if row else None


def store(session: Session, value: str | None) -> str | None:
    """Save `value` (None clears it) and return what was saved before, for the audit record."""
    row = session.get(MetaRow, NAMESERVER_KEY)
    before = row.value if row else None
    if value is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(MetaRow(key=NAMESERVER_KEY, value=value))
    else:
        row.value = value
    return before
