"""The Stripe sync against localstripe: the first sync, links by metadata, re-syncs that cost
one request, incremental sync from events, kill-and-resume, retries on 429, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.billing import SyncKind
from penguin_desktop.core.billing.tables import (
    BillingAccountRow,
    ChargeRow,
    CustomerRow,
    EventRow,
    InvoiceRow,
    MrrLogRow,
    PlanRow,
    RefundRow,
    SubscriptionRow,
)
from penguin_desktop.core.platform.errors import ExternalServiceError
from penguin_desktop.core.platform.models import Actor, Face
from tests.billing.seed import SECRET_KEY, client, customer, seed_agency, subscribe
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD
from tests.servers.postgres import PostgresServer
from tests.servers.stripe import StripeServer


def connect(c: Container, actor: Actor, server: StripeServer) -> None:
    c.billing.connect(actor, SECRET_KEY, api_base=server.url)


def test_first_sync_mirrors_the_account_and_links_workspaces(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    seeded = seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    report = billing_container.billing.sync(agency)

    assert report.kind is SyncKind.FULL
    status = billing_container.billing.status(agency)
    counts = dict(status.counts)
    assert counts["customers"] == 5 and counts["subscriptions"] == 5
    assert counts["refunds"] == 1 and status.full_sync_done and status.unlinked_customers == 1
    links = {c.id: c.workspace for c in billing_container.billing.customers(agency)}
    assert links == {
        seeded.acme: "Acme",
        seeded.globex: "Globex",
        seeded.initech: "Initech",
        seeded.hooli: "Hooli",
        seeded.umbrella: None,
    }
    with billing_container.db.read() as session:
        subs = {s.customer: s for s in session.scalars(select(SubscriptionRow))}
        assert (subs[seeded.acme].status, subs[seeded.acme].mrr) == ("active", 9900)
        assert subs[seeded.globex].mrr == 2900
        assert (subs[seeded.initech].status, subs[seeded.initech].mrr) == ("canceled", 0)
        assert subs[seeded.hooli].mrr == 0 and subs[seeded.umbrella].currency == "eur"
        failed = session.get(ChargeRow, seeded.hooli_charge)
        assert failed is not None and failed.status == "failed"
        assert failed.failure_code == "card_declined"
        invoice = session.scalars(
            select(InvoiceRow).where(InvoiceRow.customer == seeded.hooli)
        ).one()
        assert invoice.status == "open" and invoice.charge == seeded.hooli_charge
        assert session.scalars(select(RefundRow)).one().amount == 1000


def test_a_sync_with_nothing_new_costs_one_request(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    billing_container.billing.sync(agency)
    before = stripe_server.requests

    report = billing_container.billing.sync(agency)

    assert report.kind is SyncKind.INCREMENTAL
    assert stripe_server.requests - before == report.requests == 1
    assert report.events_applied == 0


def test_a_cursor_stripe_no_longer_keeps_turns_into_a_full_sync(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    """Stripe keeps events 30 days; a console that did not sync for longer starts over."""
    seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    billing_container.billing.sync(agency)
    with billing_container.db.write() as session:
        session.get(BillingAccountRow, 1).event_cursor = "evt_expired_long_ago"  # type: ignore[union-attr]

    report = billing_container.billing.sync(agency)

    assert report.kind is SyncKind.FULL
    assert dict(billing_container.billing.status(agency).counts)["customers"] == 5


def test_an_incremental_sync_applies_new_events_once(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    seeded = seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    billing_container.billing.sync(agency)
    api = client(stripe_server.url)
    newcomer = customer(api, "Wayne", "4242424242424242", "Acme")
    subscribe(api, newcomer, seeded.pro)

    report = billing_container.billing.sync(agency)
    again = billing_container.billing.sync(agency)

    assert report.kind is SyncKind.INCREMENTAL and report.events_applied >= 3
    assert again.events_applied == 0
    with billing_container.db.read() as session:
        sub = session.scalars(
            select(SubscriptionRow).where(SubscriptionRow.customer == newcomer)
        ).one()
        assert sub.mrr == 9900
        linked = session.get(CustomerRow, newcomer)
        assert linked is not None and linked.link == "metadata"
        log = session.scalars(select(MrrLogRow).where(MrrLogRow.subscription == sub.id)).all()
        assert [row.mrr for row in log] == [9900]
        ids = session.scalars(select(EventRow.id)).all()
        assert len(ids) == len(set(ids))


def _rows(c: Container) -> dict[str, list[tuple[object, ...]]]:
    tables = {
        "customers": CustomerRow,
        "plans": PlanRow,
        "subscriptions": SubscriptionRow,
        "invoices": InvoiceRow,
        "charges": ChargeRow,
        "refunds": RefundRow,
    }
    with c.db.read() as session:
        return {
            name: sorted(
                tuple(getattr(row, col.key) for col in table.__table__.columns)
                for row in session.scalars(select(table))
            )
            for name, table in tables.items()
        }


def test_a_sync_cut_halfway_and_run_again_ends_with_the_same_rows(
    billing_container: Container, agency: Actor, stripe_server: StripeServer, tmp_path
) -> None:
    seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    stripe_server.fail_next(1, status=500, after=3)  # events, customers, products, then plans
    with pytest.raises(ExternalServiceError, match=r"Stripe failed \(HTTP 500\)"):
        billing_container.billing.sync(agency)
    status = billing_container.billing.status(agency)
    assert not status.full_sync_done and status.resume_at == "plans"
    assert status.last_sync_error and dict(status.counts)["customers"] == 5

    billing_container.billing.sync(agency)

    assert billing_container.billing.status(agency).full_sync_done
    fresh = Container(
        Settings(data_dir=tmp_path / "b", db_url=f"sqlite:///{tmp_path / 'b.db'}"),
        lambda _c: MASTER_PASSWORD,
    )
    try:
        other = fresh.auth.initialize("Agency Test", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        for name in ("Acme", "Globex", "Initech", "Hooli"):
            fresh.workspaces.create(other, name)
        connect(fresh, other, stripe_server)
        fresh.billing.sync(other)
        assert _rows(fresh) == _rows(billing_container)
    finally:
        fresh.close()


def test_rate_limits_are_retried_with_backoff(
    billing_container: Container, agency: Actor, stripe_server: StripeServer
) -> None:
    seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    stripe_server.fail_next(2, status=429)

    report = billing_container.billing.sync(agency)

    assert report.kind is SyncKind.FULL
    assert billing_container.billing.status(agency).counts[0] == ("customers", 5)


def test_a_sync_killed_mid_list_resumes_there_and_ends_with_the_same_rows(
    billing_container: Container, agency: Actor, stripe_server: StripeServer, tmp_path: Path
) -> None:
    """`penguin billing sync` killed with SIGKILL halfway through a list (no cleanup at all),
    then run again: the same rows as one uninterrupted sync."""
    stripe_server.seed(120)  # 120 subscriptions: two pages of that list
    connect(billing_container, agency, stripe_server)
    stripe_server.delay(40)
    env = {
        **os.environ,
        "PENGUIN_DATA_DIR": str(tmp_path),
        "PENGUIN_DB_URL": billing_container.settings.db_url,
        "PENGUIN_USER": OWNER_EMAIL,
        "PENGUIN_PASSWORD": OWNER_PASSWORD,
        "PENGUIN_MASTER_PASSWORD": MASTER_PASSWORD,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "penguin_desktop.cli.main", "billing", "sync"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    try:
        while True:
            with billing_container.db.read() as session:
                row = session.get(BillingAccountRow, 1)
                assert row is not None
                if row.sync_resource == "subscriptions" and row.sync_after is not None:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "missed the moment"
            time.sleep(0.005)
    finally:
        proc.kill()
        proc.wait()
    stripe_server.delay(0)
    assert billing_container.billing.status(agency).resume_at == "subscriptions"

    billing_container.billing.sync(agency)

    fresh = Container(
        Settings(data_dir=tmp_path / "b", db_url=f"sqlite:///{tmp_path / 'b.db'}"),
        lambda _c: MASTER_PASSWORD,
    )
    try:
        other = fresh.auth.initialize("Agency Test", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        connect(fresh, other, stripe_server)
        fresh.billing.sync(other)
        assert _rows(fresh) == _rows(billing_container)
        assert dict(fresh.billing.status(other).counts)["subscriptions"] == 120
    finally:
        fresh.close()


@pytest.mark.postgres
def test_the_mirror_on_postgresql_matches_sqlite(
    billing_container: Container,
    agency: Actor,
    stripe_server: StripeServer,
    postgres: PostgresServer,
    tmp_path: Path,
) -> None:
    """Team mode: the same account synced (twice, the second a no-op) into PostgreSQL."""
    seed_agency(stripe_server.url)
    connect(billing_container, agency, stripe_server)
    billing_container.billing.sync(agency)
    team = Container(
        Settings(data_dir=tmp_path / "pg", db_url=postgres.create_database()),
        lambda _c: MASTER_PASSWORD,
    )
    try:
        other = team.auth.initialize("Agency Test", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        for name in ("Acme", "Globex", "Initech", "Hooli"):
            team.workspaces.create(other, name)
        connect(team, other, stripe_server)
        team.billing.sync(other)
        assert team.billing.sync(other, full=True).kind is SyncKind.FULL
        assert _rows(team) == _rows(billing_container)
        assert team.billing.revenue.revenue(other).currencies == (
            billing_container.billing.revenue.revenue(agency).currencies
        )
    finally:
        team.close()
