"""Fixtures shared by every suite: real databases (SQLite file and a real PostgreSQL server),
a container over them, and an initialized organization."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.store.database import open_database
from tests.servers.bind import BindServer, running_bind
from tests.servers.common import unavailable
from tests.servers.dns_zones import zones_under_test
from tests.servers.file_keyring import FileBackedKeyring
from tests.servers.postgres import PostgresServer, running_postgres
from tests.servers.sshd import SshdServer, running_sshd
from tests.servers.vault import VaultServer, running_vault

MASTER_PASSWORD = "Master-of-secrets-2026"
# Fixtures that start a real server process; the PostgreSQL half of `db_url` asks for its server
# at run time, so it is recognised by the `postgres` mark its parameter carries instead.
SERVER_FIXTURES = frozenset({"postgres", "vault", "bind", "sshd", "stripe_server", "dovecot"})
OWNER_EMAIL = "owner@agency.test"
OWNER_PASSWORD = "Velvet-otter-2026!x"
USER_PASSWORD = "Lantern-fjord-2026!y"


def _cheap_key_stretching() -> None:
    """The fast tier (`scripts/test --fast`) stretches passwords and the master password with
    argon2id at its cheapest sound cost instead of the production one (0.17 s a hash, most of
    that tier's CPU time). The code paths are the same and the parameters travel in every hash
    and file header; the full suite, which CI runs, keeps the production cost."""
    from argon2 import PasswordHasher

    from penguin_desktop.core.accounts import passwords
    from penguin_desktop.core.secrets.backends import file_store

    @dataclasses.dataclass(frozen=True)
    class CheapKdf(file_store.KdfParams):
        time_cost: int = 1
        memory_kib: int = 8192
        parallelism: int = 1

    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    passwords.DUMMY_HASH = passwords._hasher.hash("not anyone's password")
    file_store.KdfParams = CheapKdf  # type: ignore[misc]


if os.environ.get("PENGUIN_FAST_TESTS") == "1":
    _cheap_key_stretching()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a real server, so `scripts/test --fast` can leave them out
    without anyone having to remember a mark when writing a test."""
    for item in items:
        uses = set(getattr(item, "fixturenames", ()))
        if uses & SERVER_FIXTURES or item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.needs_server)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    try:
        with running_postgres() as server:
            yield server
    except RuntimeError as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def vault() -> Iterator[VaultServer]:
    try:
        with running_vault() as server:
            yield server
    except RuntimeError as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def bind() -> Iterator[BindServer]:
    """A real BIND9 serving the DNS test zones, accepting RFC 2136 updates signed with TSIG."""
    try:
        with running_bind(zones_under_test()) as server:
            yield server
    except RuntimeError as exc:
        unavailable(str(exc))


@pytest.fixture(scope="session")
def sshd() -> Iterator[SshdServer]:
    """A real OpenSSH sshd on loopback for the current user, with a stand-in `docker`."""
    try:
        with running_sshd() as server:
            server.install_docker_standin()
            yield server
    except RuntimeError as exc:
        unavailable(str(exc))


@pytest.fixture
def test_keyring(tmp_path: Path) -> Iterator[FileBackedKeyring]:
    """A real keyring backend over a temp file, active for this test only."""
    previous = keyring.get_keyring()
    backend = FileBackedKeyring(tmp_path / "keyring.json")
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty workspace database migrated to the head, made once per test process by the
    real migrations; tests start from a copy (a fresh migration costs ~0.1 s a test). The
    migrations themselves are tested on databases of their own (tests/core/test_store.py)."""
    path = tmp_path_factory.mktemp("template") / DB_FILE
    open_database(f"sqlite:///{path}").close()
    return path


def fresh_sqlite(template: Path, path: Path) -> str:
    """A copy of the migrated empty database at `path` (private, as the program makes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    path.chmod(0o600)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store/service test runs against both backends."""
    if request.param == "sqlite":
        return fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / DB_FILE)
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.create_database()


@pytest.fixture
def container(db_url: str, tmp_path: Path) -> Iterator[Container]:
    c = Container(Settings(data_dir=tmp_path, db_url=db_url), lambda _creating: MASTER_PASSWORD)
    yield c
    c.close()


@pytest.fixture
def owner(container: Container) -> Actor:
    return container.auth.initialize("Agency Test", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)


def add_user(container: Container, owner: Actor, email: str, org_role: Role = Role.MEMBER) -> Actor:
    """Create a user through the service and log them in."""
    container.users.add(owner, email, USER_PASSWORD, org_role)
    return container.auth.login(email, USER_PASSWORD, Face.CLI)
