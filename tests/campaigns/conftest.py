"""Campaigns' fixtures: most tests run on SQLite only (`lite`); the few that must hold on
PostgreSQL too take the shared `container`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Face
from tests.campaigns.mail_servers import dovecot, loopback_pki  # noqa: F401  (shared fixtures)
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, fresh_sqlite


@pytest.fixture
def lite(sqlite_template: Path, tmp_path: Path) -> Iterator[Container]:
    url = fresh_sqlite(sqlite_template, tmp_path / "db" / DB_FILE)
    c = Container(Settings(data_dir=tmp_path, db_url=url), lambda _creating: MASTER_PASSWORD)
    yield c
    c.close()


@pytest.fixture
def boss(lite: Container) -> Actor:
    """The owner of an agency with workspaces Acme and Globex, on SQLite."""
    actor = lite.auth.initialize("Agency Leads", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    lite.workspaces.create(actor, "Acme")
    lite.workspaces.create(actor, "Globex")
    return actor


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path
