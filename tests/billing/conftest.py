"""The billing suite's Stripe: one localstripe per test session, emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Face
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, fresh_sqlite
from tests.servers.common import unavailable
from tests.servers.stripe import StripeServer, running_stripe


@pytest.fixture(scope="session")
def stripe_session_server() -> Iterator[StripeServer]:
    try:
        with running_stripe() as server:
            yield server
    except RuntimeError as exc:
        unavailable(str(exc))


@pytest.fixture
def stripe_server(stripe_session_server: StripeServer) -> StripeServer:
    stripe_session_server.reset()
    return stripe_session_server


@pytest.fixture
def billing_container(tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    """Billing's flows on SQLite: the mirror's upserts run on PostgreSQL in one test of their
    own (test_sync.py), which keeps the suite's time where it is."""
    c = Container(
        Settings(data_dir=tmp_path, db_url=fresh_sqlite(sqlite_template, tmp_path / "w.db")),
        lambda _creating: MASTER_PASSWORD,
    )
    yield c
    c.close()


@pytest.fixture
def agency(billing_container: Container) -> Actor:
    owner = billing_container.auth.initialize("Agency Test", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    for name in ("Acme", "Globex", "Initech", "Hooli"):
        billing_container.workspaces.create(owner, name)
    return owner
