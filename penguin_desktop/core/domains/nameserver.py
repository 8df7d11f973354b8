"""The organization's choice of DNS server for checks, kept in the settings table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from penguin_desktop.core.platform.store import settings

NAMESERVER_KEY = "dns.nameserver"


@dataclass(frozen=True)
class NameserverChoice:
    """The saved setting and what checks really ask: PENGUIN_DNS_NAMESERVER wins over it."""

    saved: str | None
    effective: str
    overridden_by_env: bool


def stored(session: Session) -> str | None:
    return settings.stored(session, NAMESERVER_KEY)


def store(session: Session, value: str | None) -> str | None:
    """Save `value` (None clears it) and return what was saved before, for the audit record."""
    return settings.store(session, NAMESERVER_KEY, value)
