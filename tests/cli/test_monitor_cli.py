"""`penguin monitor`, `penguin alert` and `penguin notifier` as a consultant scripts them: the
checks' round trip, a round against loopback servers, notifiers against a real receiver, and
the one-line errors. No server process beyond loopback Python ones: DNS goes to a closed port
(fast answers of "no DNS"), and the mail server is a row pointing at 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from penguin_desktop.cli.commands.monitor import parse_since
from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.monitoring.notifiers.webhook import SIGNATURE_HEADER, verify_signature
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.servers import ServerRow
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD
from tests.servers.common import free_port
from tests.servers.mail_tls import SERVER_NAME, MailPki, TlsIdentity, make_pki, running_smtp
from tests.servers.webhook_receiver import WebhookReceiver, running_webhook_receiver

SECRET = "whsec-Lantern-fjord-0123456789"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets go to the encrypted file; DNS questions to a closed port (answered at once)."""
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", f"127.0.0.1:{free_port()}")
    for name in ("PENGUIN_CA_BUNDLE", "PENGUIN_PAGERDUTY_EVENTS_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> MailPki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with running_webhook_receiver() as server:
        yield server


@pytest.fixture
def acme(initialized: Penguin) -> Penguin:
    """Workspace Acme with the domain shop.test."""
    penguin = initialized
    assert penguin("workspace", "create", "Acme").exit_code == 0
    added = penguin("domain", "add", "shop.test", "-w", "Acme", "--lab", "--ip", "192.0.2.10")
    assert added.exit_code == 0, added.stderr
    return penguin


def add_loopback_server(penguin: Penguin, name: str = "mx1") -> None:
    """A server row at 127.0.0.1 as adoption would leave it (nothing needs SSH here), its
    SSH port closed."""
    container = Container(
        Settings(data_dir=penguin.data_dir, db_url=penguin.db_url), lambda _c: MASTER_PASSWORD
    )
    try:
        with container.db.write() as session:
            ws = session.query(WorkspaceRow).filter_by(name="Acme").one()
            session.add(
                ServerRow(
                    workspace_id=ws.id,
                    name=name,
                    ip="127.0.0.1",
                    ssh_port=free_port(),
                    ssh_key_secret=f"server/{name}/ssh-key",
                    status="adopted",
                )
            )
    finally:
        container.close()


def one_line_error(result: Any, code: int = 1) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return str(lines[0])


def test_checks_round_trip_with_json(acme: Penguin) -> None:
    penguin = acme
    add_loopback_server(penguin)
    defaults = penguin.json("monitor", "check", "list", "-w", "Acme")
    kinds = sorted((c["target"], c["kind"]) for c in defaults)
    assert ("shop.test", "dns") in kinds and ("mx1", "smtp") in kinds
    assert all(c["is_default"] and c["enabled"] for c in defaults)

    added = penguin.json(
        "monitor", "check", "add", "SMTP", "--workspace", "Acme", "--server", "mx1",
        "--port", "2525", "--tls", "starttls", "--tls-name", SERVER_NAME, "--interval", "120",
    )  # fmt: skip
    assert (added["kind"], added["port"], added["tls"], added["tls_name"]) == (
        "smtp", 2525, "starttls", SERVER_NAME,
    )  # fmt: skip
    assert added["interval"] == 120 and not added["is_default"]
    check_id = str(added["id"])
    listed = penguin("monitor", "check", "list")
    line = next(row for row in listed.stdout.splitlines() if row.startswith(check_id + " "))
    assert "mx1" in line and "2525" in line and "2m" in line

    changed = penguin.json(
        "monitor", "check", "set", check_id, "--port", "2526", "--interval", "60", "--disable",
        "--threshold", "cert_expiry=20:5",
    )  # fmt: skip
    assert (changed["port"], changed["interval"], changed["enabled"]) == (2526, 60, False)
    wrong = penguin("monitor", "check", "set", check_id, "--threshold", "disk=90")
    assert "cannot raise disk" in one_line_error(wrong) and "(--threshold)" in wrong.stderr
    bad_figure = penguin("monitor", "check", "set", check_id, "--threshold", "cert_expiry=x")
    assert "'x' is not a number" in one_line_error(bad_figure)
    nothing = penguin("monitor", "check", "set", check_id)
    assert "nothing to change" in one_line_error(nothing)

    status = penguin("monitor", "status", "-w", "Acme")
    assert "not run (disabled)" in status.stdout
    assert penguin("monitor", "check", "remove", check_id).exit_code == 0
    assert int(check_id) not in [c["id"] for c in penguin.json("monitor", "check", "list")]
    gone = penguin("monitor", "check", "remove", check_id)
    assert one_line_error(gone) == f"error: no check #{check_id} among yours"
    default = next(c for c in defaults if c["kind"] == "dns")
    kept = penguin("monitor", "check", "remove", str(default["id"]))
    assert "disable it instead" in one_line_error(kept)


def test_bad_input_is_one_line_with_the_flag(acme: Penguin) -> None:
    penguin = acme
    kind = penguin("monitor", "check", "add", "ftp", "-w", "Acme", "--domain", "shop.test")
    line = one_line_error(kind)
    assert "'ftp' is not a kind of check (choose one of smtp," in line
    assert "(--kind)" not in line
    port = penguin(
        "monitor", "check", "add", "smtp", "-w", "Acme", "--server", "mx1", "--port", "70000"
    )
    assert one_line_error(port) == "error: port 70000 is not between 1 and 65535 (--port)"
    both = penguin(
        "monitor", "check", "add", "blacklist", "-w", "Acme", "--server", "mx1",
        "--domain", "shop.test",
    )  # fmt: skip
    assert one_line_error(both) == "error: name either a server or a domain to check (--server)"
    interval = penguin(
        "monitor", "check", "add", "dns", "-w", "Acme", "--domain", "shop.test",
        "--interval", "1",
    )  # fmt: skip
    assert "(--interval)" in one_line_error(interval)
    since = penguin("monitor", "history", "1", "--since", "yesterday")
    assert "'yesterday' is neither a duration" in one_line_error(since)
    assert since.stderr.rstrip().endswith("(--since)")
    rule = penguin("alert", "rule", "set", "uptime")
    assert "'uptime' is not an alert condition" in one_line_error(rule)
    order = penguin("alert", "rule", "set", "disk", "--warning", "95", "--critical", "80")
    assert "(--critical)" in one_line_error(order)
    ack = penguin("alert", "ack", "999")
    assert one_line_error(ack) == "error: no alert #999 among yours"


def test_since_takes_durations_and_iso_dates() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2026-02-01") == datetime(2026, 2, 1, tzinfo=UTC)
    assert parse_since("2026-02-01T10:00+01:00") == datetime(2026, 2, 1, 9, tzinfo=UTC)


def test_run_once_summarises_a_round_and_history_shows_it(acme: Penguin) -> None:
    penguin = acme
    started = time.monotonic()
    once = penguin("monitor", "run", "--once", "-w", "Acme")
    assert once.exit_code == 0, once.stderr
    assert time.monotonic() - started < 15
    out = once.stdout
    assert out.startswith("Ran 2 checks in ")
    assert "Alerts: " in out and "Notifications: 0 delivered, 0 failed." in out
    report = penguin.json("monitor", "run", "--once")
    assert report["checks"] == 2 and sum(report["statuses"].values()) == 2

    rows = penguin.json("monitor", "status")
    dns = next(r for r in rows if r["kind"] == "dns")
    assert dns["last_run_at"] and dns["last_status"] == "unknown"
    assert "Not checked: dmarc, mta-sts, mx, ptr, spf, tls-rpt." in dns["last_message"]
    history = penguin.json("monitor", "history", str(dns["id"]), "--since", "90m")
    assert len(history) == 2 and history[0]["message"]
    (hourly,) = penguin.json("monitor", "history", str(dns["id"]), "--since", "2000-01-01")
    assert hourly["message"] == "0 of 2 runs ok, 2 answered"
    assert penguin.json("monitor", "history", str(dns["id"]), "--since", "2999-01-01Z") == []
    table = penguin("monitor", "history", str(dns["id"]))
    assert table.stdout.startswith("AT") and "STATUS" in table.stdout


def test_a_network_check_with_the_agency_ca_bundle(acme: Penguin, pki: MailPki) -> None:
    penguin = acme
    add_loopback_server(penguin)
    shown = penguin("monitor", "settings")
    assert "(not set: the system's trusted CAs)" in shown.stdout
    assert "https://events.pagerduty.com/v2/enqueue (default)" in shown.stdout
    saved = penguin.json("monitor", "settings", "--ca-bundle", str(pki.ca_file))
    assert (saved["ca_bundle"], saved["ca_bundle_from"]) == (str(pki.ca_file), "setting")
    env = penguin(
        "monitor", "settings", env={"PENGUIN_PAGERDUTY_EVENTS_URL": "http://127.0.0.1:9/x"}
    )
    assert "http://127.0.0.1:9/x (from the environment, PENGUIN_PAGERDUTY_EVENTS_URL)" in (
        env.stdout
    )
    for check in penguin.json("monitor", "check", "list"):
        assert penguin("monitor", "check", "set", str(check["id"]), "--disable").exit_code == 0

    with running_smtp(TlsIdentity(pki.valid)) as smtp:
        added = penguin.json(
            "monitor", "check", "add", "smtp", "-w", "Acme", "--server", "mx1",
            "--port", str(smtp.port), "--tls-name", SERVER_NAME,
        )  # fmt: skip
        once = penguin("monitor", "run", "--once")
    assert once.exit_code == 0, once.stderr
    assert once.stdout.startswith("Ran 1 check in") and "  ok        1" in once.stdout
    status = penguin.json("monitor", "status")
    (mine,) = [c for c in status if c["id"] == added["id"]]
    assert mine["last_status"] == "ok"
    history = penguin.json("monitor", "history", str(added["id"]))
    assert history[0]["metrics"]["cert_days"] > 80


def test_an_alert_is_told_acknowledged_resolved_and_logged(
    acme: Penguin, pki: MailPki, receiver: WebhookReceiver
) -> None:
    """A certificate 2 days from expiry opens a critical alert; the webhook hears of it."""
    penguin = acme
    add_loopback_server(penguin)
    for check in penguin.json("monitor", "check", "list"):
        assert penguin("monitor", "check", "set", str(check["id"]), "--disable").exit_code == 0
    assert penguin("monitor", "settings", "--ca-bundle", str(pki.ca_file)).exit_code == 0
    hook = penguin(
        "notifier", "add", "webhook", "ops", "-w", "Acme", "--url", receiver.url,
        "--secret-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert hook.exit_code == 0, hook.stderr
    with running_smtp(TlsIdentity(pki.expiring)) as smtp:
        penguin.json(
            "monitor", "check", "add", "smtp", "-w", "Acme", "--server", "mx1",
            "--port", str(smtp.port), "--tls-name", SERVER_NAME,
        )  # fmt: skip
        once = penguin("monitor", "run", "--once")
    assert once.exit_code == 0, once.stderr
    assert "  critical  1" in once.stdout and "Alerts: 1 opened, 0 resolved." in once.stdout
    assert "Notifications: 1 delivered, 0 failed." in once.stdout

    (alert,) = penguin.json("alert", "list")
    assert (alert["condition"], alert["severity"], alert["state"]) == (
        "cert_expiry", "critical", "open",
    )  # fmt: skip
    alert_id = str(alert["id"])
    acked = penguin("alert", "ack", alert_id)
    assert acked.stdout.startswith(f"Alert #{alert_id} acknowledged: critical cert_expiry")
    again = penguin("alert", "ack", alert_id)
    assert "already acknowledged by owner@agency.test" in one_line_error(again)
    assert penguin("alert", "resolve", alert_id).exit_code == 0
    assert penguin("alert", "list").stdout.strip() == "No open alerts."
    assert penguin.json("alert", "list", "--all")[0]["state"] == "resolved"

    log = penguin.json("notifier", "log", "ops")
    assert [(d["event"], d["delivered"]) for d in log] == [
        ("alert.resolved", False), ("alert.acknowledged", False), ("alert.triggered", True),
    ]  # fmt: skip
    assert log[2]["status_code"] == 200 and log[0]["next_attempt_at"]
    table = penguin("notifier", "log").stdout.splitlines()
    assert table[0].split()[:4] == ["WHEN", "NOTIFIER", "ALERT", "EVENT"] and len(table) == 4
    assert receiver.state.received[0].json()["event"] == "alert.triggered"


def test_run_on_schedule_stops_quietly_on_sigterm(acme: Penguin) -> None:
    """The service's loop: a line per round, then SIGTERM ends it with exit 0."""
    penguin = acme
    ours = signal.getsignal(signal.SIGTERM)

    def stop_when_listening() -> None:
        deadline = time.monotonic() + 20
        while signal.getsignal(signal.SIGTERM) is ours and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # the first round runs meanwhile
        os.kill(os.getpid(), signal.SIGTERM)

    killer = threading.Thread(target=stop_when_listening, daemon=True)
    killer.start()
    result = penguin("monitor", "run", "--json")
    killer.join()
    assert result.exit_code == 0, result.stderr
    assert signal.getsignal(signal.SIGTERM) is ours
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["checks"] == 2
    assert "Ctrl-C stops" in result.stderr


def test_webhook_notifier_secret_stays_secret_and_test_is_signed(
    acme: Penguin, receiver: WebhookReceiver
) -> None:
    penguin = acme
    missing = penguin("notifier", "add", "webhook", "ops", "-w", "Acme", "--url", receiver.url)
    assert "--secret-stdin" in one_line_error(missing)
    added = penguin(
        "notifier", "add", "webhook", "ops", "-w", "Acme", "--url", receiver.url,
        "--secret-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "Added webhook notifier ops" in added.stdout and SECRET not in added.stdout
    listed = penguin("notifier", "list")
    assert "ops" in listed.stdout and receiver.url in listed.stdout
    assert SECRET not in listed.stdout
    assert SECRET not in json.dumps(penguin.json("notifier", "list"))
    bad_url = penguin(
        "notifier", "add", "webhook", "other", "-w", "Acme", "--url", "ftp://x",
        "--secret-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert one_line_error(bad_url).endswith("(--url)")
    short = penguin(
        "notifier", "add", "pagerduty", "pd", "-w", "Acme", "--routing-key-stdin", stdin="abc\n"
    )
    assert one_line_error(short).endswith("(--routing-key-stdin)")

    tested = penguin("notifier", "test", "ops")
    assert tested.exit_code == 0, tested.stderr
    assert tested.stdout.strip() == "Test alert delivered to ops (HTTP 200)."
    first, second = receiver.state.received
    for request in (first, second):
        header = request.headers[SIGNATURE_HEADER.lower()]
        assert verify_signature(SECRET, header, request.body, time.time())
    assert [r.json()["event"] for r in (first, second)] == ["alert.triggered", "alert.resolved"]
    unknown = penguin("notifier", "test", "nope")
    assert one_line_error(unknown) == "error: no notifier named 'nope'"

    receiver.state.answer_next(500)
    failed = penguin("notifier", "test", "ops")
    assert "did not reach ops (HTTP 500)" in one_line_error(failed, 5)
    assert penguin("notifier", "log").stdout.strip() == "Nothing delivered yet."
    assert penguin.json("notifier", "log", "ops") == []
    assert penguin("notifier", "remove", "ops").exit_code == 0
    assert "No notifiers yet" in penguin("notifier", "list").stdout


def test_alert_rules_and_alerts(acme: Penguin) -> None:
    penguin = acme
    set_ = penguin("alert", "rule", "set", "cert_expiry", "--warning", "20", "--critical", "5")
    assert set_.exit_code == 0, set_.stderr
    assert "warning 20 days, critical 5 days" in set_.stdout
    rules = {r["condition"]: r for r in penguin.json("alert", "rule", "list")}
    assert (rules["cert_expiry"]["warning"], rules["cert_expiry"]["critical"]) == (20, 5)
    assert rules["cert_expiry"]["source"] == "agency" and rules["disk"]["source"] == "default"
    off = penguin("alert", "rule", "set", "blacklisted", "--off", "-w", "Acme")
    assert off.stdout.strip() == "Rule blacklisted is off for workspace 'Acme'."
    mine = {r["condition"]: r for r in penguin.json("alert", "rule", "list", "-w", "Acme")}
    assert (mine["blacklisted"]["enabled"], mine["blacklisted"]["source"]) == (False, "Acme")
    assert "cert_expiry" in penguin("alert", "rule", "list").stdout

    assert penguin("alert", "list").stdout.strip() == "No open alerts."
    assert penguin.json("alert", "list", "--all", "-w", "Acme") == []
