"""Where alert events go: PagerDuty's Events API v2 and signed webhooks, over an `httpx.Client`
the caller owns, plus the backoff between tries. No database here: each send returns a
`DeliveryAttempt` and the monitoring service keeps the log and the schedule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .backoff import MAX_ATTEMPTS, next_delay
    from .pagerduty import send_pagerduty
    from .webhook import body, send_webhook, signature, verify_signature

__all__ = [
    "MAX_ATTEMPTS",
    "body",
    "next_delay",
    "send_pagerduty",
    "send_webhook",
    "signature",
    "verify_signature",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "MAX_ATTEMPTS": ".backoff",
        "next_delay": ".backoff",
        "send_pagerduty": ".pagerduty",
        "body": ".webhook",
        "send_webhook": ".webhook",
        "signature": ".webhook",
        "verify_signature": ".webhook",
    },
)
