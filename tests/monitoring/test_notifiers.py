"""Notifiers over real HTTP on loopback: PagerDuty's Events API v2 (a stand-in following the
published contract) and signed webhooks, plus the backoff between tries."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from penguin_desktop.core.monitoring.events import iso_utc
from penguin_desktop.core.monitoring.models import (
    AlertEvent,
    AlertEventKind,
    AlertInfo,
    AlertState,
    CheckKind,
    DeliveryAttempt,
    Status,
)
from penguin_desktop.core.monitoring.notifiers import backoff, webhook
from penguin_desktop.core.monitoring.notifiers import pagerduty as events_api
from tests.servers.pagerduty import PagerDutyServer
from tests.servers.webhook_receiver import WebhookReceiver

SECRET = "whsec-Lantern-fjord-0123456789"
OPENED = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
STATES = {
    AlertEventKind.TRIGGERED: AlertState.OPEN,
    AlertEventKind.ACKNOWLEDGED: AlertState.ACKNOWLEDGED,
    AlertEventKind.RESOLVED: AlertState.RESOLVED,
}


def alert_event(
    kind: AlertEventKind = AlertEventKind.TRIGGERED,
    severity: Status = Status.CRITICAL,
    message: str = "SMTP on mx1.client-a.test:25 refused the connection",
) -> AlertEvent:
    alert = AlertInfo(
        id=7,
        workspace="client-a",
        check_id=3,
        check_kind=CheckKind.SMTP,
        target="mx1.client-a.test",
        condition="down",
        severity=severity,
        state=STATES[kind],
        message=message,
        dedup_key="penguin-client-a-check-3-down",
        opened_at=OPENED,
        acknowledged_by="anna@agency.test" if kind is AlertEventKind.ACKNOWLEDGED else None,
        acknowledged_at=OPENED + timedelta(minutes=5)
        if kind is AlertEventKind.ACKNOWLEDGED
        else None,
        resolved_at=OPENED + timedelta(hours=1) if kind is AlertEventKind.RESOLVED else None,
    )
    return AlertEvent(kind=kind, alert=alert, at=OPENED + timedelta(seconds=1))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as http:
        yield http


def send_pd(
    client: httpx.Client, pagerduty: PagerDutyServer, event: AlertEvent, key: str = ""
) -> DeliveryAttempt:
    return events_api.send_pagerduty(
        client, pagerduty.url, key or pagerduty.routing_key, event, "mx1.example"
    )


# PagerDuty


def test_trigger_is_accepted_with_the_full_payload(
    client: httpx.Client, pagerduty: PagerDutyServer
) -> None:
    attempt = send_pd(client, pagerduty, alert_event())

    assert (attempt.ok, attempt.status_code, attempt.error) == (True, 202, None)
    [sent] = pagerduty.state.events
    assert sent["routing_key"] == pagerduty.routing_key
    assert sent["event_action"] == "trigger"
    assert sent["dedup_key"] == "penguin-client-a-check-3-down"
    payload = sent["payload"]
    assert (
        payload["summary"]
        == "mx1.client-a.test: SMTP on mx1.client-a.test:25 refused the connection"
    )
    assert payload["source"] == "mx1.example"
    assert payload["severity"] == "critical"
    assert payload["timestamp"] == "2026-03-01T12:00:06Z"
    assert (payload["component"], payload["group"], payload["class"]) == (
        "smtp",
        "client-a",
        "down",
    )
    assert payload["custom_details"]["id"] == 7
    assert payload["custom_details"]["opened_at"] == "2026-03-01T12:00:05Z"


@pytest.mark.parametrize(
    ("kind", "action"),
    [(AlertEventKind.ACKNOWLEDGED, "acknowledge"), (AlertEventKind.RESOLVED, "resolve")],
)
def test_acknowledge_and_resolve_carry_only_the_dedup_key(
    client: httpx.Client, pagerduty: PagerDutyServer, kind: AlertEventKind, action: str
) -> None:
    attempt = send_pd(client, pagerduty, alert_event(kind))

    assert attempt.ok
    [sent] = pagerduty.state.events
    assert sent["event_action"] == action
    assert sent["dedup_key"] == "penguin-client-a-check-3-down"
    assert "payload" not in sent


@pytest.mark.parametrize(
    ("status", "severity"),
    [
        (Status.CRITICAL, "critical"),
        (Status.WARNING, "warning"),
        (Status.UNKNOWN, "error"),
    ],
)
def test_severity_maps_to_one_pagerduty_accepts(
    client: httpx.Client, pagerduty: PagerDutyServer, status: Status, severity: str
) -> None:
    assert send_pd(client, pagerduty, alert_event(severity=status)).ok
    assert pagerduty.state.events[0]["payload"]["severity"] == severity


def test_long_message_is_cut_to_pagerdutys_summary_limit(
    client: httpx.Client, pagerduty: PagerDutyServer
) -> None:
    assert send_pd(client, pagerduty, alert_event(message="x" * 5000)).ok
    summary = pagerduty.state.events[0]["payload"]["summary"]
    assert len(summary) == 1024
    assert summary.endswith("…")


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("0123456789abcdef0123456789abcdef", "Invalid routing key"),
        ("R0-too-short-key", "32 character"),
    ],
)
def test_refused_routing_key_shows_pagerdutys_error_and_not_the_key(
    client: httpx.Client, pagerduty: PagerDutyServer, key: str, words: str
) -> None:
    attempt = send_pd(client, pagerduty, alert_event(), key=key)

    assert (attempt.ok, attempt.status_code, attempt.retryable) == (False, 400, False)
    assert attempt.error is not None
    assert "Event object is invalid" in attempt.error
    assert words in attempt.error
    assert key not in attempt.error
    assert "\n" not in attempt.error
    assert pagerduty.state.events == []


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limit_and_server_errors_are_retryable(
    client: httpx.Client, pagerduty: PagerDutyServer, status: int
) -> None:
    pagerduty.state.answer_next(status)

    attempt = send_pd(client, pagerduty, alert_event())
    assert (attempt.ok, attempt.status_code, attempt.retryable) == (False, status, True)
    assert attempt.error is not None and pagerduty.routing_key not in attempt.error
    assert send_pd(client, pagerduty, alert_event()).ok, "only the next request was scripted"


def test_pagerduty_down_is_a_retryable_attempt_not_an_exception(
    client: httpx.Client, pagerduty: PagerDutyServer
) -> None:
    pagerduty.server.down()
    attempt = send_pd(client, pagerduty, alert_event())
    pagerduty.server.up()

    assert (attempt.ok, attempt.status_code, attempt.retryable) == (False, None, True)
    assert attempt.error is not None
    assert attempt.error.startswith(f"Could not reach PagerDuty at {pagerduty.url}")
    assert pagerduty.routing_key not in attempt.error
    assert send_pd(client, pagerduty, alert_event()).ok


def test_wrong_path_and_unusable_url_are_not_retryable(
    client: httpx.Client, pagerduty: PagerDutyServer
) -> None:
    wrong_path = pagerduty.url.replace("/v2/enqueue", "/v1/enqueue")
    missing = events_api.send_pagerduty(
        client, wrong_path, pagerduty.routing_key, alert_event(), "mx1"
    )
    assert (missing.status_code, missing.retryable) == (404, False)

    ftp = events_api.send_pagerduty(
        client, "ftp://127.0.0.1/x", pagerduty.routing_key, alert_event(), "m"
    )
    assert (ftp.ok, ftp.status_code, ftp.retryable) == (False, None, False)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"payload": None}, "'payload' is missing"),
        ({"payload": {"source": "mx1", "severity": "critical"}}, "'payload.summary' is missing"),
        ({"payload": {"summary": "s", "severity": "critical"}}, "'payload.source' is missing"),
        ({"payload": {"summary": "s", "source": "mx1", "severity": "fatal"}}, "'payload.severity'"),
        ({"event_action": "snooze"}, "'event_action' must be one of"),
        ({"event_action": "resolve", "dedup_key": None}, "'dedup_key' is required"),
        ({"routing_key": None}, "'routing_key' is missing"),
    ],
)
def test_the_stand_in_refuses_what_pagerduty_refuses(
    client: httpx.Client, pagerduty: PagerDutyServer, change: dict[str, object], error: str
) -> None:
    """Guards the tests above: an event the adapter got wrong would not pass unnoticed."""
    document = events_api.enqueue_body(pagerduty.routing_key, alert_event(), "mx1") | change
    response = client.post(pagerduty.url, json=document)

    assert response.status_code == 400
    answer = response.json()
    assert (answer["status"], answer["message"]) == ("invalid event", "Event object is invalid")
    assert any(error in e for e in answer["errors"])


# Webhooks


@pytest.mark.parametrize("kind", list(AlertEventKind))
def test_webhook_is_signed_over_the_raw_bytes_received(
    client: httpx.Client, receiver: WebhookReceiver, kind: AlertEventKind
) -> None:
    now = time.time()
    attempt = webhook.send_webhook(client, receiver.url, SECRET, alert_event(kind), now)

    assert (attempt.ok, attempt.status_code, attempt.error) == (True, 200, None)
    [request] = receiver.state.received
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "PenguinMails-Desktop"
    assert request.headers["x-penguin-event"] == kind.value
    header = request.headers["x-penguin-signature"]
    assert header.startswith(f"t={int(now)},v1=")
    assert webhook.verify_signature(SECRET, header, request.body, now=time.time())
    document = request.json()
    assert document["event"] == kind.value
    assert document["alert"]["state"] == STATES[kind].value
    assert document["sent_at"] == iso_utc(datetime.fromtimestamp(int(now), UTC))


def test_webhook_body_is_sorted_compact_json_in_utc() -> None:
    event = alert_event(AlertEventKind.ACKNOWLEDGED)
    local = timezone(timedelta(hours=2))
    event = replace(
        event, alert=replace(event.alert, opened_at=datetime(2026, 3, 1, 14, 0, tzinfo=local))
    )
    raw = webhook.body(event, now=1_772_366_400.9)

    document = json.loads(raw)
    assert raw == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert list(document) == ["alert", "event", "sent_at"]
    assert document["sent_at"] == "2026-03-01T12:00:00Z"
    assert document["alert"] == {
        "id": 7,
        "workspace": "client-a",
        "check_id": 3,
        "check": "smtp",
        "target": "mx1.client-a.test",
        "condition": "down",
        "severity": "critical",
        "state": "acknowledged",
        "message": "SMTP on mx1.client-a.test:25 refused the connection",
        "dedup_key": "penguin-client-a-check-3-down",
        "opened_at": "2026-03-01T12:00:00Z",
        "acknowledged_by": "anna@agency.test",
        "acknowledged_at": "2026-03-01T12:05:05Z",
        "resolved_at": None,
    }


def test_naive_datetimes_are_taken_as_utc() -> None:
    assert iso_utc(datetime(2026, 3, 1, 12, 0)) == "2026-03-01T12:00:00Z"
    assert iso_utc(None) is None


def test_signature_fails_on_wrong_secret_altered_body_or_stale_time() -> None:
    raw = webhook.body(alert_event(), now=1_000_000)
    header = webhook.signature(SECRET, 1_000_000, raw)

    assert webhook.verify_signature(SECRET, header, raw, now=1_000_299)
    assert not webhook.verify_signature("another-secret", header, raw, now=1_000_000)
    assert not webhook.verify_signature(SECRET, header, raw + b" ", now=1_000_000)
    assert not webhook.verify_signature(SECRET, header, raw.replace(b"7", b"8"), now=1_000_000)
    assert not webhook.verify_signature(SECRET, header, raw, now=1_000_301)
    assert not webhook.verify_signature(SECRET, header, raw, now=999_000)
    assert not webhook.verify_signature(SECRET, header, raw, now=1_000_400, tolerance=60)
    replayed = header.replace("t=1000000", "t=1000400")
    assert not webhook.verify_signature(SECRET, replayed, raw, now=1_000_400)


@pytest.mark.parametrize(
    "header", ["", "v1=abc", "t=x,v1=abc", "t=1000000", "t=1000000,t=1000000,v1=00", "garbage"]
)
def test_malformed_signature_headers_do_not_verify(header: str) -> None:
    assert not webhook.verify_signature(SECRET, header, b"{}", now=1_000_000)


def test_a_second_v1_lets_receivers_rotate_secrets() -> None:
    raw = b'{"event":"alert.triggered"}'
    new = webhook.signature("new-secret", 1_000_000, raw)
    old = webhook.signature("old-secret", 1_000_000, raw)
    both = f"{new},v1={old.split('v1=')[1]}"
    assert webhook.verify_signature("old-secret", both, raw, now=1_000_000)
    assert webhook.verify_signature("new-secret", both, raw, now=1_000_000)


@given(
    secret=st.text(min_size=1, max_size=64),
    raw=st.binary(max_size=2048),
    timestamp=st.integers(min_value=0, max_value=2**40),
    extra=st.binary(min_size=1, max_size=8),
)
def test_signature_round_trips_over_any_body_and_secret(
    secret: str, raw: bytes, timestamp: int, extra: bytes
) -> None:
    header = webhook.signature(secret, timestamp, raw)
    assert webhook.verify_signature(secret, header, raw, now=timestamp)
    assert not webhook.verify_signature(secret, header, raw + extra, now=timestamp)
    assert not webhook.verify_signature(secret + "x", header, raw, now=timestamp)


def test_an_empty_secret_cannot_sign() -> None:
    with pytest.raises(ValueError):
        webhook.signature("", 1, b"{}")


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(408, True), (429, True), (500, True), (503, True), (400, False), (401, False), (410, False)],
)
def test_webhook_answers_sort_into_retryable_or_not(
    client: httpx.Client, receiver: WebhookReceiver, status: int, retryable: bool
) -> None:
    receiver.state.answer_next(status)
    attempt = webhook.send_webhook(client, receiver.url, SECRET, alert_event(), time.time())

    assert (attempt.ok, attempt.status_code, attempt.retryable) == (False, status, retryable)
    assert attempt.error is not None
    assert f"HTTP {status}" in attempt.error
    assert SECRET not in attempt.error


def test_webhook_receiver_down_is_a_retryable_attempt(
    client: httpx.Client, receiver: WebhookReceiver
) -> None:
    receiver.server.down()
    attempt = webhook.send_webhook(client, receiver.url, SECRET, alert_event(), time.time())
    receiver.server.up()

    assert (attempt.ok, attempt.status_code, attempt.retryable) == (False, None, True)
    assert attempt.error is not None and "Could not reach the webhook" in attempt.error
    assert SECRET not in attempt.error
    assert webhook.send_webhook(client, receiver.url, SECRET, alert_event(), time.time()).ok


def test_error_lines_drop_the_secret_before_cutting() -> None:
    text = "receiver said:\n" + "y" * 260 + f" expected {SECRET} got something else"
    attempt = webhook.failure(500, text, SECRET, retryable=True)

    assert attempt.error is not None
    assert "\n" not in attempt.error
    assert len(attempt.error) <= 300
    assert SECRET[:10] not in attempt.error


# Backoff


def test_backoff_doubles_from_the_base_and_stops_at_the_cap() -> None:
    delays = [backoff.next_delay(n) for n in range(1, 11)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert backoff.next_delay(10_000) == 3600
    assert backoff.next_delay(3, base=1, cap=10) == 4
    assert backoff.MAX_ATTEMPTS >= 2


def test_backoff_equal_jitter_keeps_at_least_half_the_wait() -> None:
    rng = random.Random(2026)
    for attempt in range(1, backoff.MAX_ATTEMPTS + 1):
        exact = backoff.next_delay(attempt)
        drawn = [backoff.next_delay(attempt, jitter=rng) for _ in range(50)]
        assert all(exact / 2 <= d <= exact for d in drawn)
        assert len(set(drawn)) > 1


def test_backoff_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        backoff.next_delay(0)
