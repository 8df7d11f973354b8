"""Mailboxes on MailU servers: create, quota, aliases, client settings, password rotation;
mailboxes hosted elsewhere; and how fast each may send."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .mailconn import (
        MailLoginRefused,
        MailServer,
        Tls,
        check_imap,
        check_smtp,
        find_in_sent,
        imap_errors,
        open_imap,
        tls_context,
    )
    from .models import MailboxInfo, OutsideMailboxInfo, SendingAccount, SendingLimits
    from .outside import OutsideMailboxService
    from .sending import SendingService
    from .service import MailboxService

__all__ = [
    "MailLoginRefused",
    "MailServer",
    "MailboxInfo",
    "MailboxService",
    "OutsideMailboxInfo",
    "OutsideMailboxService",
    "SendingAccount",
    "SendingLimits",
    "SendingService",
    "Tls",
    "check_imap",
    "check_smtp",
    "find_in_sent",
    "imap_errors",
    "open_imap",
    "tls_context",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            (
                "MailLoginRefused",
                "MailServer",
                "Tls",
                "check_imap",
                "check_smtp",
                "find_in_sent",
                "imap_errors",
                "open_imap",
                "tls_context",
            ),
            ".mailconn",
        ),
        "MailboxService": ".service",
        "MailboxInfo": ".models",
        "OutsideMailboxInfo": ".models",
        "SendingAccount": ".models",
        "SendingLimits": ".models",
        "OutsideMailboxService": ".outside",
        "SendingService": ".sending",
    },
)
