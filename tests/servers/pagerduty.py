"""A loopback stand-in for PagerDuty's Events API v2 enqueue endpoint.

What it keeps from the published contract (developer.pagerduty.com, "Send an Alert Event" and
"Response Codes & Retry Logic"): POST /v2/enqueue with a JSON body; `routing_key` is the
32-character integration key of an existing integration; `event_action` is trigger, acknowledge
or resolve; `dedup_key` is at most 255 characters and needed to acknowledge or resolve; a trigger
needs `payload.summary` (at most 1024 characters), `payload.source` and `payload.severity` (one
of critical, error, warning, info), and an optional ISO 8601 `payload.timestamp`. It answers 202
`{"status": "success", "message": "Event processed", "dedup_key": ...}` or 400 `{"status":
"invalid event", "message": "Event object is invalid", "errors": [...]}`. PagerDuty documents
that shape but not the wording of each error, so the wording here is ours.

Like the webhook receiver it records every request, can answer 429 or 5xx to the next N, and
can go down; accepted events are kept apart in `state.events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.servers.webhook_receiver import (
    Received,
    ReceiverState,
    RecordingHandler,
    SwitchableServer,
    serving,
)

ENQUEUE_PATH = "/v2/enqueue"
ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")


@dataclass
class PagerDutyState(ReceiverState):
    routing_keys: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)


def _blank(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip()


def _payload_problems(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    problems = [
        f"'payload.{name}' is missing or blank"
        for name in ("summary", "source", "severity")
        if _blank(payload.get(name))
    ]
    if not _blank(payload.get("summary")) and len(payload["summary"]) > 1024:
        problems.append("'payload.summary' is longer than 1024 characters")
    if not _blank(payload.get("severity")) and payload["severity"] not in SEVERITIES:
        problems.append("'payload.severity' must be one of " + ", ".join(SEVERITIES))
    if "timestamp" in payload:
        try:
            datetime.fromisoformat(str(payload["timestamp"]))
        except ValueError:
            problems.append("'payload.timestamp' is not an ISO 8601 timestamp")
    return problems


def problems(event: Any, routing_keys: set[str]) -> list[str]:
    """What PagerDuty would find wrong with `event`; empty when it would accept it."""
    if not isinstance(event, dict):
        return ["Event must be a JSON object"]
    found: list[str] = []
    key = event.get("routing_key")
    if not isinstance(key, str) or not key.strip():
        found.append("'routing_key' is missing or blank")
    elif len(key) != 32:
        found.append("'routing_key' must be a 32 character integration key")
    elif key not in routing_keys:
        found.append("Invalid routing key")
    action = event.get("event_action")
    if action not in ACTIONS:
        found.append("'event_action' must be one of " + ", ".join(ACTIONS))
    dedup = event.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
        found.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and _blank(dedup):
        found.append(f"'dedup_key' is required to {action} an alert")
    if action == "trigger":
        found.extend(_payload_problems(event.get("payload")))
    return found


class _Handler(RecordingHandler):
    state: PagerDutyState

    def accept(self, request: Received) -> None:
        if request.path != ENQUEUE_PATH:
            self.reply(404, {"status": "not found", "message": "Not Found"})
            return
        try:
            event = request.json()
        except ValueError:
            event, errors = None, ["Event is not valid JSON"]
        else:
            errors = problems(event, self.state.routing_keys)
        if errors:
            self.reply(
                400,
                {"status": "invalid event", "message": "Event object is invalid", "errors": errors},
            )
            return
        dedup_key = event.get("dedup_key") or uuid.uuid4().hex
        with self.state.lock:
            self.state.events.append(event)
        self.reply(202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key})


@dataclass(frozen=True)
class PagerDutyServer:
    server: SwitchableServer
    state: PagerDutyState
    routing_key: str  # a valid integration key; others get "Invalid routing key"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}{ENQUEUE_PATH}"


@contextmanager
def running_pagerduty() -> Iterator[PagerDutyServer]:
    routing_key = uuid.uuid4().hex  # 32 characters, like PagerDuty's integration keys
    state = PagerDutyState(routing_keys={routing_key})
    handler = type("Handler", (_Handler,), {"state": state})
    with serving(handler) as server:
        yield PagerDutyServer(server, state, routing_key)
