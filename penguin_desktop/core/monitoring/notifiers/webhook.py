"""Signed JSON webhooks: one POST per alert event, verifiable by the receiver.

The signature follows the scheme receivers already know from Stripe and others: the header
`X-Penguin-Signature: t=<unix seconds>,v1=<hex>` where v1 is HMAC-SHA256 of `"<t>." + body`
under the shared secret. Signing the timestamp with the body lets a receiver refuse replays of
an old delivery; signing the raw bytes means a receiver must verify before parsing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx

from penguin_desktop.core.monitoring.events import alert_document, iso_utc
from penguin_desktop.core.monitoring.models import AlertEvent, DeliveryAttempt

USER_AGENT = "PenguinMails-Desktop"
SIGNATURE_HEADER = "X-Penguin-Signature"
EVENT_HEADER = "X-Penguin-Event"
TOLERANCE = 300  # seconds a signature stays acceptable, both ways, to allow for clock drift
_LINE_LIMIT = 300  # characters of an error kept in the delivery log


def body(event: AlertEvent, now: float) -> bytes:
    """The exact bytes sent and signed: sorted keys and no spaces, so the same event sent at the
    same second gives the same bytes. `sent_at` is this try's time, the signature's `t`."""
    document = {
        "event": event.kind.value,
        "alert": alert_document(event.alert),
        "sent_at": iso_utc(datetime.fromtimestamp(int(now), UTC)),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _digest(secret: str, timestamp: int, raw_body: bytes) -> str:
    signed = f"{timestamp}.".encode() + raw_body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """The `X-Penguin-Signature` value for `raw_body` sent at `timestamp` (unix seconds)."""
    if not secret:
        raise ValueError("a webhook signing secret cannot be empty")
    return f"t={timestamp},v1={_digest(secret, timestamp, raw_body)}"


def verify_signature(
    secret: str, header: str, raw_body: bytes, now: float, tolerance: int = TOLERANCE
) -> bool:
    """True when `header` signs `raw_body` with `secret` within `tolerance` seconds of `now`.
    Several v1 values are allowed, so a sender can sign with an old and a new secret while a
    rotation is under way; malformed headers are simply not valid."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    stamps = fields.get("t", [])
    if not secret or len(stamps) != 1 or not stamps[0].isascii() or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, raw_body)
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def send_webhook(
    client: httpx.Client, url: str, secret: str, event: AlertEvent, now: float
) -> DeliveryAttempt:
    """POST the signed event to `url`. Never raises for the receiver's sake: every outcome,
    including no answer at all, comes back as a `DeliveryAttempt` whose error never holds
    the secret."""
    timestamp = int(now)
    raw = body(event, now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event.kind.value,
        SIGNATURE_HEADER: signature(secret, timestamp, raw),
    }
    try:
        response = client.post(url, content=raw, headers=headers)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        text = f"The webhook address {url} is not usable: {exc}"
        return failure(None, text, secret, retryable=False)
    except httpx.HTTPError as exc:
        text = f"Could not reach the webhook at {url}: {reason(exc)}"
        return failure(None, text, secret, retryable=True)
    return _outcome(response, url, secret)


def _outcome(response: httpx.Response, url: str, secret: str) -> DeliveryAttempt:
    code = response.status_code
    if response.is_success:
        return DeliveryAttempt(ok=True, status_code=code, error=None, retryable=False)
    text = f"The webhook at {url} answered {answered(response)}"
    if response.is_redirect:
        text = f"{text} (redirects are not followed: use the final address)"
    return failure(code, text, secret, retryable=code in (408, 429) or code >= 500)


def answered(response: httpx.Response) -> str:
    """The status and what the server said with it, for the delivery log."""
    said = response.text.strip()
    status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    return f"{status}: {said}" if said else status


def reason(exc: Exception) -> str:
    """Why a request got no answer, in the exception's words (some httpx errors have none)."""
    return str(exc) or type(exc).__name__


def failure(code: int | None, text: str, secret: str, retryable: bool) -> DeliveryAttempt:
    """One short plain line without the secret: a receiver may echo what it was sent, or know
    the secret itself, and the delivery log is shown to people who may not read secrets. The
    secret goes before the line is cut, so no piece of it survives at the cut."""
    if secret:
        text = text.replace(secret, "[secret]")
    line = " ".join(text.split())
    if len(line) > _LINE_LIMIT:
        line = line[: _LINE_LIMIT - 1] + "…"
    return DeliveryAttempt(ok=False, status_code=code, error=line, retryable=retryable)
