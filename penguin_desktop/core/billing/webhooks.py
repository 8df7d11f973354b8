"""Stripe's webhooks for a console run headless: a small HTTP server that checks each
delivery's `Stripe-Signature` with the library (signature and a timestamp at most 5 minutes
old) and applies the event once, through the same path as the sync's events.

Stripe retries a delivery that did not get a 2xx, so a refused delivery answers 400 with the
reason, and an event seen before answers 200 without applying it again."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe

from penguin_desktop.core.billing.client import as_dict
from penguin_desktop.core.billing.sync import apply_event
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.store.database import Database

TOLERANCE_S = 300
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class Delivery:
    event_id: str
    type: str
    applied: bool  # False: seen before, nothing done


class WebhookReceiver:
    """Verifies and applies deliveries; holds the signing secret for the server's life."""

    def __init__(self, db: Database, secret: str) -> None:
        self.db, self._secret = db, secret

    def receive(self, payload: bytes, signature: str | None) -> Delivery:
        try:
            event = stripe.Webhook.construct_event(
                payload, signature or "", self._secret, tolerance=TOLERANCE_S
            )
        except stripe.SignatureVerificationError as exc:
            raise ValidationError(
                f"refused: {exc.user_message or exc}", field="signature"
            ) from None
        except ValueError:
            raise ValidationError("refused: the body is not a Stripe event", field="body") from None
        data = as_dict(event)
        if not isinstance(data.get("id"), str):
            raise ValidationError("refused: the event has no id", field="body")
        applied = apply_event(self.db, data, "webhook", lambda _written: None)
        return Delivery(data["id"], str(data.get("type", "")), applied)


def make_server(
    receiver: WebhookReceiver,
    host: str,
    port: int,
    on_delivery: Callable[[Delivery | None, str], None],
) -> ThreadingHTTPServer:
    """A server answering POSTs on any path; `on_delivery(delivery, error)` reports each."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, {"error": "the body is too large"})
                return
            body = self.rfile.read(length)
            try:
                delivery = receiver.receive(body, self.headers.get("Stripe-Signature"))
            except ValidationError as exc:
                on_delivery(None, exc.message)
                self._answer(400, {"error": exc.message})
                return
            on_delivery(delivery, "")
            self._answer(200, {"received": True, "applied": delivery.applied})

        def do_GET(self) -> None:
            self._answer(405, {"error": "Stripe delivers events with POST"})

        def _answer(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            return None

    return ThreadingHTTPServer((host, port), Handler)
