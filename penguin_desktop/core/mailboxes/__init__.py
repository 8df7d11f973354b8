"""Mailboxes on MailU servers: create, quota, aliases, client settings, password rotation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .models import MailboxInfo
    from .service import MailboxService

__all__ = ["MailboxInfo", "MailboxService"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {"MailboxService": ".service", "MailboxInfo": ".models"},
)
