"""Backups end to end on real databases: what goes in comes back out, and nothing else does."""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from penguin_desktop import config
from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit import AuditFilter
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    ConflictError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.store import schema
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.engine import make_engine, normalize_url
from penguin_desktop.core.platform.store.tables import Base
from penguin_desktop.core.portable import archive, backup
from penguin_desktop.core.portable.archive import BackupDamaged
from penguin_desktop.core.portable.backup import BackupService, restore, verify
from penguin_desktop.core.secrets import BackendKind, SecretKind
from penguin_desktop.core.secrets.backends import stores
from tests.conftest import MASTER_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, add_user

PASSPHRASE = "Harbour-lights-2026-backup"
SECRET_VALUE = "sk_live_backup_canary_7731"
LEADS = "email,first_name,country\n" + "".join(
    f"lead{i}@example.com,Lead{i},DE\n" for i in range(40)
)


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seal with argon2id's cheapest sound cost: the cost travels in the header either way."""
    monkeypatch.setattr(archive, "DEFAULT_KDF", archive.KdfParams(1, 8192, 1))


@pytest.fixture
def workspace(container: Container, owner: Actor, tmp_path: Path) -> Container:
    """An organization with two workspaces, a member, a secret in the secrets file, leads and
    a signed audit checkpoint beside the database."""
    container.workspaces.create(owner, "Acme")
    container.workspaces.create(owner, "Globex")
    add_user(container, owner, "bob@agency.test")
    container.members.add(owner, "Acme", "bob@agency.test", Role.MEMBER)
    container.secrets.set_backend(owner, BackendKind.FILE)
    container.secrets.set(owner, "Acme", "stripe", SecretKind.API_KEY, SECRET_VALUE)
    source = tmp_path / "leads.csv"
    source.write_text(LEADS)
    container.leads.import_file(owner, "Acme", "Q1", source)
    assert container.audit.verify(owner).ok  # signs a checkpoint into the data folder
    return container


def _counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def _backup(container: Container, owner: Actor, out: Path) -> backup.BackupInfo:
    service = BackupService(container.db, container.settings.data_dir)
    return service.create(owner, out, PASSPHRASE)


@pytest.fixture
def made(workspace: Container, owner: Actor, tmp_path: Path) -> Path:
    out = tmp_path / "out" / "workspace.pmbk"
    _backup(workspace, owner, out)
    return out


def _opened(data_dir: Path) -> Container:
    url = f"sqlite:///{data_dir / config.DB_FILE}"
    return Container(Settings(data_dir, url), lambda _creating: MASTER_PASSWORD, create=False)


def test_a_backup_restores_every_row_the_secret_and_an_intact_trail(
    workspace: Container, owner: Actor, tmp_path: Path
) -> None:
    before = _counts(workspace.db)
    out = tmp_path / "out" / "workspace.pmbk"
    made = _backup(workspace, owner, out)
    assert made.has_secrets_file and made.schema_revision == schema.SCHEMA_HEAD
    assert made.counts["leads"] == 40 and made.audit_head_seq == before["audit_events"]
    checked = verify(out, PASSPHRASE)
    assert checked.counts == made.counts and checked.audit_head_hash == made.audit_head_hash

    target = tmp_path / "restored"
    restore(out, PASSPHRASE, target)
    restored = _opened(target)
    try:
        assert _counts(restored.db) == before
        boss = restored.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        assert [w.name for w in restored.workspaces.all(boss)] == ["Acme", "Globex"]
        emails = sorted(lead.email for lead in restored.leads.leads(boss, "Acme"))
        assert emails[:2] == ["lead0@example.com", "lead10@example.com"]
        restored.secrets.open_file(boss)
        assert restored.secrets.reveal(boss, "Acme", "stripe") == SECRET_VALUE
        result = restored.audit.verify(boss)
        assert result.ok, result.problem
        assert result.checkpoint is not None  # the checkpoint file came along
    finally:
        restored.close()
    last = workspace.audit.page(owner, AuditFilter(action="backup.create"), limit=1)[0]
    assert json.loads(last.summary)["file"] == out.name


def test_the_backup_holds_no_secret_in_clear(made: Path) -> None:
    data = made.read_bytes()
    for clear in (SECRET_VALUE, MASTER_PASSWORD, PASSPHRASE, "lead0@example.com", "Acme"):
        assert clear.encode() not in data
    assert data.startswith(archive.MAGIC)


def _chunk_offsets(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    (length,) = struct.unpack(">I", data[5:9])
    return 9 + length, json.loads(data[9 : 9 + length])["chunk_size"] + archive.TAG_SIZE


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "CHUNK_SIZE", 4096)


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _refused_and_nothing_restored(path: Path, tmp_path: Path, match: str) -> None:
    with pytest.raises(BackupDamaged, match=match):
        verify(path, PASSPHRASE)
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(BackupDamaged, match=match):
        restore(path, PASSPHRASE, target)
    assert list(target.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("where", ["header", "middle chunk", "last chunk"])
def test_a_flipped_byte_anywhere_is_refused_and_nothing_restored(
    small_chunks: None, made: Path, tmp_path: Path, where: str
) -> None:
    start, chunk = _chunk_offsets(made)
    size = made.stat().st_size
    assert (size - start) // chunk > 3
    data = made.read_bytes()
    offset = {
        "header": data.index(b'"nonce": "') + 12,
        "middle chunk": start + 2 * chunk + 100,
        "last chunk": size - 1,
    }[where]
    _flip(made, offset)
    _refused_and_nothing_restored(made, tmp_path, "not an intact backup")


@pytest.mark.parametrize("cut", ["header", "at a chunk's end", "inside the last chunk"])
def test_a_truncated_backup_is_refused(
    small_chunks: None, made: Path, tmp_path: Path, cut: str
) -> None:
    start, chunk = _chunk_offsets(made)
    keep = {
        "header": start - 3,
        "at a chunk's end": start + 2 * chunk,
        "inside the last chunk": made.stat().st_size - 5,
    }[cut]
    made.write_bytes(made.read_bytes()[:keep])
    _refused_and_nothing_restored(made, tmp_path, "not an intact backup")


def test_a_wrong_passphrase_is_an_authentication_error(made: Path, tmp_path: Path) -> None:
    with pytest.raises(AuthenticationError, match="wrong passphrase"):
        verify(made, "Not-the-passphrase-2026")
    with pytest.raises(AuthenticationError):
        restore(made, "Not-the-passphrase-2026", tmp_path / "target")
    assert not (tmp_path / "target").exists()


def test_restore_refuses_a_folder_that_is_not_empty(made: Path, tmp_path: Path) -> None:
    target = tmp_path / "busy"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not empty") as caught:
        restore(made, PASSPHRASE, target)
    assert caught.value.field == "data_dir"
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_create_never_overwrites_and_is_for_admins_only(
    workspace: Container, owner: Actor, made: Path
) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        _backup(workspace, owner, made)
    bob = workspace.auth.login("bob@agency.test", "Lantern-fjord-2026!y", Face.CLI)
    with pytest.raises(PermissionDenied):
        _backup(workspace, bob, made.with_name("bob.pmbk"))
    assert not made.with_name("bob.pmbk").exists()
    with pytest.raises(ValidationError, match="passphrase"):
        BackupService(workspace.db, workspace.settings.data_dir).create(
            owner, made.with_name("short.pmbk"), "short"
        )


@pytest.fixture
def old_workspace(sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    """A SQLite workspace one schema revision behind, opened without upgrading it."""
    data_dir = tmp_path / "old"
    data_dir.mkdir()
    path = data_dir / config.DB_FILE
    c = Container(Settings(data_dir, f"sqlite:///{path}"))
    c.auth.initialize("Old Agency", OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
    c.workspaces.create(c.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.CLI), "Acme")
    c.close()
    engine = make_engine(normalize_url(f"sqlite:///{path}"))
    with engine.begin() as conn:
        command.downgrade(schema.alembic_config(conn), "0010")
    yield Database(engine), data_dir
    engine.dispose()


def test_a_backup_of_an_older_schema_is_migrated_forward_on_restore(
    old_workspace: tuple[Database, Path], tmp_path: Path
) -> None:
    db, data_dir = old_workspace
    boss = Actor(user_id=1, email=OWNER_EMAIL, face=Face.CLI, org_role=Role.OWNER)
    out = tmp_path / "old.pmbk"
    made = BackupService(db, data_dir).create(boss, out, PASSPHRASE)
    assert made.schema_revision == "0010" and "campaigns" not in made.counts
    restore(out, PASSPHRASE, tmp_path / "new")
    with sqlite3.connect(tmp_path / "new" / config.DB_FILE) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            schema.SCHEMA_HEAD,
        )
        assert conn.execute("SELECT count(*) FROM campaigns").fetchone() == (0,)
    restored = _opened(tmp_path / "new")
    try:
        boss = restored.auth.login(OWNER_EMAIL, OWNER_PASSWORD, Face.CLI)
        assert restored.audit.verify(boss).ok
    finally:
        restored.close()


def test_the_data_folders_names_are_the_programs() -> None:
    assert backup.DB_FILE == config.DB_FILE
    assert backup.SECRETS_FILE == stores.SECRETS_FILE
