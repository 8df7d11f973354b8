"""PagerDuty Events API v2: alert events (trigger, acknowledge, resolve) to one integration.

The contract (developer.pagerduty.com, "Send an Alert Event"): POST JSON to /v2/enqueue with the
integration's 32-character `routing_key`, an `event_action` and a `dedup_key`; a trigger also
carries `payload` (summary up to 1024 characters, source, severity, optional timestamp,
component, group, class and custom details). PagerDuty answers 202 when it accepted the event,
400 "invalid event" with a list of `errors`, 429 when rate limited, 5xx on its own trouble; the
last two and network errors are worth retrying, a 400 is not.
"""

from __future__ import annotations

from typing import Any

import httpx

from penguin_desktop.core.monitoring.events import alert_document, iso_utc
from penguin_desktop.core.monitoring.models import (
    AlertEvent,
    AlertEventKind,
    DeliveryAttempt,
    Status,
)
from penguin_desktop.core.monitoring.notifiers.webhook import (
    USER_AGENT,
    answered,
    failure,
    reason,
)

SUMMARY_LIMIT = 1024
CLIENT = "PenguinMails Desktop"

ACTIONS = {
    AlertEventKind.TRIGGERED: "trigger",
    AlertEventKind.ACKNOWLEDGED: "acknowledge",
    AlertEventKind.RESOLVED: "resolve",
}

SEVERITIES = {
    Status.CRITICAL: "critical",
    Status.WARNING: "warning",
    # PagerDuty has no "unknown". An alert on an unknown status means the check could not tell
    # whether the service works, so nothing is watching it: that needs a person, as "error"
    # says (PagerDuty's high urgency by default), without claiming an outage as "critical" would.
    Status.UNKNOWN: "error",
    # Alerts are raised on warnings and worse; should an OK one ever be sent, it is news only.
    Status.OK: "info",
}


def summary(event: AlertEvent) -> str:
    """The alert's title in PagerDuty, cut to the length PagerDuty accepts."""
    text = f"{event.alert.target}: {event.alert.message}"
    if len(text) <= SUMMARY_LIMIT:
        return text
    return text[: SUMMARY_LIMIT - 1] + "…"


def enqueue_body(routing_key: str, event: AlertEvent, source: str) -> dict[str, Any]:
    """The JSON PagerDuty expects. `source` is the affected system as PagerDuty shows it,
    preferably a host name, which the caller knows and the alert does not. The payload goes
    only with a trigger: PagerDuty ignores it on acknowledge and resolve."""
    alert = event.alert
    document: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": ACTIONS[event.kind],
        "dedup_key": alert.dedup_key,
        "client": CLIENT,
    }
    if event.kind is AlertEventKind.TRIGGERED:
        document["payload"] = {
            "summary": summary(event),
            "source": source,
            "severity": SEVERITIES[alert.severity],
            "timestamp": iso_utc(event.at),
            "component": alert.check_kind.value,
            "group": alert.workspace,
            "class": alert.condition,
            "custom_details": alert_document(alert),
        }
    return document


def send_pagerduty(
    client: httpx.Client, url: str, routing_key: str, event: AlertEvent, source: str
) -> DeliveryAttempt:
    """Send one alert event. Never raises for PagerDuty's sake: every outcome, including no
    answer at all, comes back as a `DeliveryAttempt` whose error never holds the routing key,
    which is a secret (anyone holding it can open incidents on the service)."""
    headers = {"User-Agent": USER_AGENT}
    try:
        response = client.post(url, json=enqueue_body(routing_key, event, source), headers=headers)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        text = f"The PagerDuty events URL {url} is not usable: {exc}"
        return failure(None, text, routing_key, retryable=False)
    except httpx.HTTPError as exc:
        text = f"Could not reach PagerDuty at {url}: {reason(exc)}"
        return failure(None, text, routing_key, retryable=True)
    return _outcome(response, routing_key)


def _outcome(response: httpx.Response, routing_key: str) -> DeliveryAttempt:
    code = response.status_code
    if response.is_success:
        return DeliveryAttempt(ok=True, status_code=code, error=None, retryable=False)
    if code == 400:
        text = f"PagerDuty refused the event: {_refusal(response)}"
    elif code == 429:
        text = "PagerDuty is rate limiting this integration (HTTP 429)"
    elif code >= 500:
        text = f"PagerDuty had a server error (HTTP {code})"
    else:
        text = f"PagerDuty answered {answered(response)}"
    return failure(code, text, routing_key, retryable=code in (408, 429) or code >= 500)


def _refusal(response: httpx.Response) -> str:
    """PagerDuty's own words for a 400: its message and the list of what was wrong."""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return answered(response)
    message = str(answer.get("message") or answer.get("status") or "invalid event")
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        return f"{message}: " + "; ".join(str(e) for e in errors)
    return message
