"""`penguin billing ...` as the finance lead and a headless box use it, against localstripe:
connect, test, sync, status, payments and invoices with filters and CSV, links, refunds (once
per idempotency key), revenue as JSON, the webhook server as a real process, and the errors."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.billing.seed import SECRET_KEY, Seeded, client, seed_agency
from tests.cli.conftest import Penguin
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD
from tests.servers.common import free_port
from tests.servers.stripe import StripeServer

WEBHOOK_SECRET = "whsec_test_Lantern_fjord_2026"


@pytest.fixture
def finance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Penguin:
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)
    monkeypatch.delenv("PENGUIN_STRIPE_API_BASE", raising=False)
    penguin = Penguin(f"sqlite:///{tmp_path / 'w.db'}", tmp_path)
    made = penguin(
        "init",
        "--org",
        "Agency CLI",
        "--owner-email",
        OWNER_EMAIL,
        env={"PENGUIN_PASSWORD": OWNER_PASSWORD},
        user=None,
    )
    assert made.exit_code == 0, made.stderr
    for name in ("Acme", "Globex", "Initech", "Hooli"):
        assert penguin("workspace", "create", name).exit_code == 0
    return penguin


@pytest.fixture
def synced(finance: Penguin, stripe_server: StripeServer) -> tuple[Penguin, Seeded]:
    seeded = seed_agency(stripe_server.url)
    connected = finance(
        "billing",
        "connect",
        "--key-stdin",
        "--api-base",
        stripe_server.url,
        stdin=SECRET_KEY + "\n",
    )
    assert connected.exit_code == 0, connected.stderr
    assert "Connected to Penguin Test Agency (test mode)" in connected.stdout
    assert SECRET_KEY not in connected.stdout
    result = finance("billing", "sync")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Full sync:")
    return finance, seeded


def test_sync_status_and_a_second_sync_that_costs_one_request(
    synced: tuple[Penguin, Seeded], stripe_server: StripeServer
) -> None:
    penguin, _ = synced
    status = penguin("billing", "status")
    assert "Account: Penguin Test Agency" in status.stdout
    assert "5 customers" in status.stdout and "1 customers belong to no workspace" in status.stdout

    again = penguin.json("billing", "sync")

    assert again["kind"] == "incremental" and again["requests"] <= 2


def test_payments_show_the_decline_and_export_to_csv(
    synced: tuple[Penguin, Seeded], tmp_path: Path
) -> None:
    penguin, seeded = synced
    failed = penguin("billing", "payments", "--failed")
    assert failed.exit_code == 0, failed.stderr
    assert seeded.hooli_charge in failed.stdout
    assert "Your card was declined. [card_declined]" in failed.stdout
    assert "next retry" in failed.stdout and seeded.acme_charge not in failed.stdout

    acme = penguin.json("billing", "payments", "--workspace", "acme")
    assert {p["workspace"] for p in acme} == {"Acme"} and acme[0]["amount"] > 0

    out = tmp_path / "payments.csv"
    exported = penguin("billing", "payments", "--csv", str(out))
    assert exported.exit_code == 0, exported.stderr
    rows = list(csv.DictReader(out.open()))
    assert {r["kind"] for r in rows} == {"charge", "refund"}
    assert any(r["amount"] == "-1000" for r in rows)

    invoices = penguin.json("billing", "invoices", "--status", "open")
    assert [i["customer"] for i in invoices] == [seeded.hooli]


def test_link_by_hand_and_back_to_the_metadata(synced: tuple[Penguin, Seeded]) -> None:
    penguin, seeded = synced
    linked = penguin("billing", "link", seeded.umbrella, "--workspace", "Globex")
    assert linked.exit_code == 0, linked.stderr
    assert "belongs to workspace 'Globex' (manual)" in linked.stdout
    assert penguin("billing", "sync").exit_code == 0
    customers = {c["id"]: c for c in penguin.json("billing", "customers")}
    assert customers[seeded.umbrella]["workspace"] == "Globex"

    back = penguin("billing", "link", seeded.umbrella, "--by-metadata")
    assert "belongs to no workspace (unlinked)" in back.stdout
    missing = penguin("billing", "link", "cus_nobody", "--workspace", "Acme")
    assert missing.exit_code == 1
    assert "no Stripe customer 'cus_nobody' in the synced customers" in missing.stderr


def test_a_refund_is_made_once_per_idempotency_key(
    synced: tuple[Penguin, Seeded], stripe_server: StripeServer
) -> None:
    penguin, seeded = synced
    args = (
        "billing",
        "refund",
        seeded.acme_charge,
        "--amount",
        "500",
        "--reason",
        "double billed in March",
        "--idempotency-key",
        "refund-acme-0001",
        "--yes",
    )
    first = penguin.json(*args)
    second = penguin.json(*args)

    assert first["refund_id"] == second["refund_id"] and second["repeated"] is True
    api = client(stripe_server.url)
    refunds = [
        r for r in api.v1.refunds.list(params={"limit": 100}).data if r.charge == seeded.acme_charge
    ]
    assert len(refunds) == 1 and refunds[0].amount == 500
    too_much = penguin(
        "billing", "refund", seeded.acme_charge, "--amount", "999999", "--reason", "x", "--yes"
    )
    assert too_much.exit_code == 1 and "left to refund (--amount)" in too_much.stderr
    failed = penguin("billing", "refund", seeded.hooli_charge, "--reason", "x", "--yes")
    assert "did not succeed (failed): there is nothing to refund" in failed.stderr


def test_revenue_json_has_one_figure_per_currency(synced: tuple[Penguin, Seeded]) -> None:
    penguin, _ = synced
    revenue = penguin.json("billing", "revenue")
    assert revenue["mrr"] == {"eur": 1900, "usd": 9900 + 2900}
    assert revenue["arr"] == {"eur": 1900 * 12, "usd": 12800 * 12}
    assert {c["currency"] for c in revenue["currencies"]} == {"eur", "usd"}
    month = revenue["months"][-1]
    assert set(month) >= {
        "month",
        "currency",
        "start_mrr",
        "new",
        "expansion",
        "contraction",
        "churn",
        "reactivation",
        "end_mrr",
        "failed_payment_rate",
    }


def test_bad_keys_and_unreachable_stripe_are_one_line(
    finance: Penguin, stripe_server: StripeServer
) -> None:
    no_stdin = finance("billing", "connect")
    assert no_stdin.exit_code == 1 and "--key-stdin" in no_stdin.stderr
    wrong = finance("billing", "connect", "--key-stdin", stdin="pk_test_public\n")
    assert wrong.exit_code == 1 and "starts with sk_" in wrong.stderr
    refused = finance(
        "billing",
        "connect",
        "--key-stdin",
        "--api-base",
        stripe_server.url,
        stdin="rk_test_unknown_key\n",
    )
    assert refused.exit_code == 5 and "Stripe refused the API key" in refused.stderr
    assert "rk_test_unknown_key" not in refused.stderr
    closed = f"http://127.0.0.1:{free_port()}"
    down = finance(
        "billing", "connect", "--key-stdin", "--api-base", closed, stdin=SECRET_KEY + "\n"
    )
    assert down.exit_code == 5 and f"cannot reach Stripe at {closed}" in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1
    not_yet = finance("billing", "sync")
    assert not_yet.exit_code == 1
    assert "not connected to Stripe yet: run `penguin billing connect`" in not_yet.stderr


def test_a_restricted_key_says_what_it_may_read(
    finance: Penguin, stripe_server: StripeServer
) -> None:
    key = "rk_test_finance_readonly"
    stripe_server.restricted_key(key, ["customers", "invoices", "charges", "events"])
    assert (
        finance(
            "billing", "connect", "--key-stdin", "--api-base", stripe_server.url, stdin=key + "\n"
        ).exit_code
        == 0
    )
    tested = finance.json("billing", "test")
    assert set(tested["readable"]) == {"customers", "invoices", "charges", "events"}
    assert "refunds" in tested["unreadable"] and tested["account_name"] == "Penguin Test Agency"


def _signed(payload: bytes, at: int, secret: str = WEBHOOK_SECRET) -> str:
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def _serve(penguin: Penguin, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PENGUIN_DATA_DIR": str(penguin.data_dir),
        "PENGUIN_DB_URL": penguin.db_url,
        "PENGUIN_USER": OWNER_EMAIL,
        "PENGUIN_PASSWORD": OWNER_PASSWORD,
        "PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "penguin_desktop.cli.main",
            "billing",
            "webhook-serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.TransportError:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("webhook-serve did not start")


def test_webhook_serve_applies_each_signed_event_once(
    synced: tuple[Penguin, Seeded], stripe_server: StripeServer
) -> None:
    penguin, seeded = synced
    assert (
        penguin(
            "billing", "webhook-secret", "--secret-stdin", stdin=WEBHOOK_SECRET + "\n"
        ).exit_code
        == 0
    )
    api = client(stripe_server.url)
    api.v1.customers.update(seeded.umbrella, params={"metadata": {"penguin_workspace": "Acme"}})
    event: dict[str, Any] = next(
        e.to_dict()
        for e in api.v1.events.list(params={"limit": 100}).data
        if e.type == "customer.updated"
    )
    payload = json.dumps(event).encode()
    port = free_port()
    proc = _serve(penguin, port)
    url = f"http://127.0.0.1:{port}/stripe"
    try:
        now = int(time.time())
        first = httpx.post(
            url, content=payload, headers={"Stripe-Signature": _signed(payload, now)}
        )
        again = httpx.post(
            url, content=payload, headers={"Stripe-Signature": _signed(payload, now)}
        )
        tampered = httpx.post(
            url,
            content=payload.replace(b"Acme", b"Hooli"),
            headers={"Stripe-Signature": _signed(payload, now)},
        )
        stale = httpx.post(
            url, content=payload, headers={"Stripe-Signature": _signed(payload, now - 301)}
        )
        unsigned = httpx.post(url, content=payload)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)

    assert (first.status_code, first.json()) == (200, {"received": True, "applied": True})
    assert (again.status_code, again.json()["applied"]) == (200, False)
    assert tampered.status_code == 400 and "refused" in tampered.json()["error"]
    assert stale.status_code == 400 and "tolerance" in stale.json()["error"].lower()
    assert unsigned.status_code == 400
    assert proc.returncode == 0, err
    assert f"customer.updated {event['id']}: applied" in out
    assert f"customer.updated {event['id']}: seen before, skipped" in out
    customers = {c["id"]: c for c in penguin.json("billing", "customers")}
    assert customers[seeded.umbrella]["workspace"] == "Acme"


def test_the_api_base_from_the_environment_wins(
    finance: Penguin, stripe_server: StripeServer
) -> None:
    env = {"PENGUIN_STRIPE_API_BASE": stripe_server.url}
    connected = finance("billing", "connect", "--key-stdin", stdin=SECRET_KEY + "\n", env=env)
    assert connected.exit_code == 0, connected.stderr
    assert f"at {stripe_server.url} (environment)" in connected.stdout
    assert finance("billing", "sync", env=env).exit_code == 0
    bad = finance("billing", "test", env={"PENGUIN_STRIPE_API_BASE": "ftp://stripe"})
    assert bad.exit_code == 1 and "is not an http(s) address" in bad.stderr


def test_an_empty_invoice_export_still_has_the_invoice_columns(
    synced: tuple[Penguin, Seeded],
) -> None:
    penguin, _ = synced
    result = penguin("billing", "invoices", "--status", "void", "--csv", "-")
    assert result.exit_code == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    assert (
        "hosted_invoice_url" in header
        and "invoice_pdf" in header
        and len(result.stdout.splitlines()) == 1
    )
