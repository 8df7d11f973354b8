"""Stripe through the official library, and Stripe's errors as ours.

The library does the HTTP, the auto-pagination and the retries with exponential backoff and
jitter; two things are added around its HTTP client: every attempt is counted (a sync reports
how many requests it cost), and 429 is retried as well as what the library retries on its own
(network errors, 409, 5xx), since a rate-limited sync should slow down, not stop. The API key
never appears in an error: Stripe masks it in its messages and `_scrub` removes it anyway."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe

from penguin_desktop.core.platform.errors import (
    CredentialRefused,
    ExternalServiceError,
    NotFoundError,
    PenguinError,
    ValidationError,
)

RETRIES = 5
TIMEOUT = 30.0


class CountingHttpClient(stripe.HTTPXClient):
    """The library's httpx client, counting attempts and retrying 429."""

    def __init__(self) -> None:
        super().__init__(timeout=TIMEOUT, allow_sync_methods=True)
        self.requests = 0

    # The library's own classes disagree on this signature (bytes or str); this is httpx's.
    def request(  # type: ignore[override]
        self, method: str, url: str, headers: Mapping[str, str], post_data: Any = None
    ) -> tuple[bytes, int, Mapping[str, str]]:
        self.requests += 1
        return super().request(method, url, headers, post_data)

    def _should_retry(
        self,
        response: tuple[Any, int, Mapping[str, str] | None] | None,
        api_connection_error: stripe.APIConnectionError | None,
        num_retries: int,
        max_network_retries: int | None,
    ) -> bool:
        if response is not None and response[1] == 429:
            return num_retries < (max_network_retries or 0)
        return bool(
            super()._should_retry(response, api_connection_error, num_retries, max_network_retries)
        )


@dataclass
class Stripe:
    """One connection: the library's client and the attempts it made."""

    client: stripe.StripeClient
    http: CountingHttpClient
    api_base: str

    @property
    def requests(self) -> int:
        return self.http.requests


def connect(key: str, base: str, retries: int = RETRIES) -> Stripe:
    """A client for `key` at `base`; a person waiting on "Test connection" gets `retries` 1,
    a sync the patient default."""
    http = CountingHttpClient()
    client = stripe.StripeClient(
        key, base_addresses={"api": base}, http_client=http, max_network_retries=retries
    )
    return Stripe(client, http, base)


def as_dict(obj: Any) -> dict[str, Any]:
    """A library object as plain JSON-like data (what the parsers read)."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict()
    if isinstance(obj, dict):
        return obj
    raise ValidationError(f"Stripe answered {type(obj).__name__} where an object was expected")


def _scrub(text: str, key: str | None) -> str:
    return text.replace(key, "***") if key else text


def translate(exc: stripe.StripeError, base: str, key: str | None = None) -> PenguinError:
    """One clear line for a Stripe error, typed the way the faces expect."""
    message = " ".join(_scrub(str(exc.user_message or exc) or type(exc).__name__, key).split())
    if isinstance(exc, stripe.AuthenticationError):
        return CredentialRefused(f"Stripe refused the API key: {message}", field="key")
    if isinstance(exc, stripe.PermissionError):
        return CredentialRefused(f"the API key may not do this: {message}", field="key")
    if isinstance(exc, stripe.RateLimitError):
        return ExternalServiceError(
            f"Stripe kept answering 'too many requests' after {RETRIES} retries; try again later"
        )
    if isinstance(exc, stripe.APIConnectionError):
        return ExternalServiceError(
            f"cannot reach Stripe at {base}: no answer (connection refused, timed out or "
            "dropped); check the address and the network"
        )
    if isinstance(exc, stripe.InvalidRequestError) and exc.code == "resource_missing":
        return NotFoundError(f"Stripe has no such object: {message}")
    if isinstance(exc, (stripe.InvalidRequestError, stripe.CardError)):
        return ValidationError(f"Stripe refused the request: {message}")
    status = f" (HTTP {exc.http_status})" if exc.http_status else ""
    return ExternalServiceError(f"Stripe failed{status}: {message}")
