"""Backups of a whole data folder: create (owner or admin), verify, restore into an empty folder.

A backup is one sealed archive (archive.py) around a tar stream of the database snapshot
(`database.sqlite`), the encrypted secrets file as it is (`secrets.penc`), the data folder's
small settings files (`settings/`: the audit trail's checkpoints; never logs, locks or the
database's own upgrade copies) and, last, `manifest.json`: versions, rows per table, the audit
chain's end and each member's sha256. The manifest comes last so the members stream through
once while their digests are taken. Secrets stay sealed by the secrets file's own master
password inside a payload sealed by the backup's passphrase: nothing in clear, twice over.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from penguin_desktop.core.platform.errors import Cancelled, ConflictError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database, open_database
from penguin_desktop.core.portable import snapshot
from penguin_desktop.core.portable.archive import (
    CHUNK_SIZE,
    MAGIC,
    BackupDamaged,
    SealedReader,
    SealedWriter,
)

# The data folder's names, as config.DB_FILE and the secret stores' SECRETS_FILE spell them
# (core may import neither; tests/portable keeps them in step).
DB_FILE = "workspace.db"
SECRETS_FILE = "secrets.penc"
MANIFEST = "manifest.json"
DATABASE = "database.sqlite"
SETTINGS = "settings/"
FORMAT = "penguin-backup/1"
MIN_PASSPHRASE = 12
_SETTINGS_MAX = 16 << 20


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, from its manifest (and its file's size); `path` as text, the way
    reports carry it."""

    path: str
    created_at: str
    app_version: str
    schema_revision: str | None
    counts: dict[str, int]
    audit_head_seq: int | None
    audit_head_hash: str | None
    size_bytes: int
    has_secrets_file: bool


def _info(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    audit = manifest["audit"]
    return BackupInfo(
        path=str(path),
        created_at=manifest["created_at"],
        app_version=manifest["app_version"],
        schema_revision=manifest["schema_revision"],
        counts=dict(manifest["counts"]),
        audit_head_seq=audit.get("head_seq"),
        audit_head_hash=audit.get("head_hash"),
        size_bytes=path.stat().st_size,
        has_secrets_file=SECRETS_FILE in manifest["members"],
    )


def _settings_files(data_dir: Path) -> list[Path]:
    """The small files beside the database that belong to the workspace: not the database and
    its journal or upgrade copies, not locks, logs, hidden temp files or backups."""
    found = []
    for entry in sorted(data_dir.iterdir()) if data_dir.is_dir() else []:
        name = entry.name
        if (
            not entry.is_file()
            or entry.is_symlink()
            or name.startswith((DB_FILE, SECRETS_FILE, "."))
            or name.endswith(".lock")
            or entry.stat().st_size > _SETTINGS_MAX
        ):
            continue
        with entry.open("rb") as fh:
            if fh.read(len(MAGIC)) == MAGIC:
                continue  # a backup kept in the data folder is not part of the next one
        found.append(entry)
    return found


class _Hashing:
    """A file read through, its sha256 taken on the way."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh, self.digest = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.digest.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, source: Path) -> dict[str, Any]:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = source.stat().st_size, 0o600, int(source.stat().st_mtime)
    with source.open("rb") as fh:
        hashing = _Hashing(fh)
        tar.addfile(info, hashing)
    return {"sha256": hashing.digest.hexdigest(), "size": info.size}


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"a backup passphrase needs at least {MIN_PASSPHRASE} characters", field="passphrase"
        )


class BackupService(Service):
    """Makes backups of the open database and the data folder beside it."""

    def __init__(self, db: Database, data_dir: Path) -> None:
        super().__init__(db)
        self.data_dir = data_dir

    def create(
        self, actor: Actor, out: Path, passphrase: str, ctx: JobContext | None = None
    ) -> BackupInfo:
        """Write the backup to `out` (never over an existing file: it is written beside it and
        linked into place), then audit it with what it holds."""
        ctx = ctx or JobContext()
        with self._reading(actor):
            self._require_org(actor, Permission.BACKUP_CREATE, f"backup:{out.name}")
        if out.exists():
            raise ConflictError(f"{out} already exists; choose another file", field="out")
        _check_passphrase(passphrase)
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".penguin-backup-", dir=out.parent) as work:
            ctx.progress(0.05, "copying the database")
            db_copy = Path(work) / DATABASE
            snapshot.copy_database(self.db, db_copy)
            held = snapshot.contents(db_copy)
            if ctx.cancelled:
                raise Cancelled("the backup was cancelled; no file was written")
            ctx.progress(0.3, "sealing the backup")
            manifest = self._seal(Path(work), db_copy, held, out, passphrase)
        info = _info(out, manifest)
        with self._writing(actor) as session:
            self._audit(
                session,
                actor,
                "backup.create",
                f"backup:{out.name}",
                file=out.name,
                tables=len(info.counts),
                rows=sum(info.counts.values()),
                audit_events=info.counts.get("audit_events", 0),
                size_bytes=info.size_bytes,
            )
        ctx.progress(1.0, "backup written")
        return info

    def _seal(
        self, work: Path, db_copy: Path, held: snapshot.Contents, out: Path, passphrase: str
    ) -> dict[str, Any]:
        members: dict[str, Any] = {}
        sealed = work / "sealed"
        with sealed.open("wb") as raw:
            writer = SealedWriter(raw, passphrase)
            with tarfile.open(fileobj=writer, mode="w|", bufsize=CHUNK_SIZE) as tar:  # type: ignore[call-overload]
                members[DATABASE] = _add(tar, DATABASE, db_copy)
                secrets_file = self.data_dir / SECRETS_FILE
                if secrets_file.is_file():
                    members[SECRETS_FILE] = _add(tar, SECRETS_FILE, secrets_file)
                for extra in _settings_files(self.data_dir):
                    members[SETTINGS + extra.name] = _add(tar, SETTINGS + extra.name, extra)
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "app_version": version("penguin-desktop"),
                    "database": self.db.dialect,
                    "schema_revision": held.revision,
                    "counts": held.counts,
                    "audit": held.audit_head,
                    "members": members,
                }
                (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
                _add(tar, MANIFEST, work / MANIFEST)
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        sealed.chmod(0o600)
        _link_into_place(sealed, out)
        return manifest


def _link_into_place(sealed: Path, out: Path) -> None:
    """Hard-link the finished file to its name, which fails rather than replace a file made
    meanwhile; a file system without hard links (a FAT or exFAT stick) gets a rename."""
    taken = ConflictError(f"{out} already exists; choose another file", field="out")
    try:
        os.link(sealed, out)
        return
    except FileExistsError:
        raise taken from None
    except OSError:
        if out.exists():
            raise taken from None
    os.replace(sealed, out)


def _member_path(into: Path, name: str, seen: set[str], where: str) -> Path:
    """Where a member goes; refuses names a backup never holds (paths, duplicates)."""
    plain = name.removeprefix(SETTINGS)
    fixed = name in (MANIFEST, DATABASE, SECRETS_FILE)
    setting = (
        name.startswith(SETTINGS)
        and plain not in ("", ".", "..")
        and "/" not in plain
        and not plain.startswith((DB_FILE, SECRETS_FILE))
    )
    if name in seen or not (fixed or setting):
        raise BackupDamaged(f"{where} holds an unexpected member {name!r}", field="file")
    seen.add(name)
    return into / name


def _unpack(path: Path, passphrase: str, into: Path) -> dict[str, Any]:
    """Decrypt and unpack every member into `into`, taking their digests; returns the manifest
    once every digest, the snapshot's row counts and its audit chain end agree with it."""
    digests: dict[str, Any] = {}
    seen: set[str] = set()
    (into / SETTINGS).mkdir(mode=0o700)
    with path.open("rb") as raw:
        reader = SealedReader(raw, passphrase, str(path))
        try:
            with tarfile.open(fileobj=reader, mode="r|", bufsize=CHUNK_SIZE) as tar:  # type: ignore[call-overload]
                for member in tar:
                    target = _member_path(into, member.name, seen, str(path))
                    source = tar.extractfile(member) if member.isfile() else None
                    if source is None:
                        raise BackupDamaged(f"{path} holds a member that is not a file")
                    with target.open("wb") as fh:
                        hashing = _Hashing(source)
                        shutil.copyfileobj(hashing, fh, CHUNK_SIZE)
                    target.chmod(0o600)
                    digests[member.name] = {
                        "sha256": hashing.digest.hexdigest(),
                        "size": member.size,
                    }
        except tarfile.TarError as exc:
            raise BackupDamaged(f"{path} is not an intact backup: {exc}", field="file") from None
        reader.finish()
    return _checked_manifest(path, into, digests)


def _checked_manifest(path: Path, into: Path, digests: dict[str, Any]) -> dict[str, Any]:
    def refuse(what: str) -> BackupDamaged:
        return BackupDamaged(f"{path} does not hold what its manifest says: {what}", field="file")

    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError):
        raise refuse("the manifest is missing or unreadable") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise refuse(f"its format is not {FORMAT}")
    digests.pop(MANIFEST, None)
    if manifest.get("members") != digests:
        raise refuse("a member is missing, extra or differs from its digest")
    try:
        held = snapshot.contents(into / DATABASE)
    except ValueError as exc:
        raise refuse(str(exc)) from None
    if held.counts != manifest.get("counts"):
        raise refuse("the database snapshot's row counts differ")
    if held.revision != manifest.get("schema_revision") or held.audit_head != manifest.get("audit"):
        raise refuse("the database snapshot's schema or audit chain end differ")
    audit = held.audit_head
    if audit.get("last_event_seq") is not None and (
        (audit["head_seq"], audit["head_hash"])
        != (audit["last_event_seq"], audit["last_event_hash"])
    ):
        raise refuse("the audit chain's head is not its last event")
    return manifest


@contextmanager
def _scratch(beside: Path | None = None) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=".penguin-backup-", dir=beside) as work:
        yield Path(work)


def verify(path: Path, passphrase: str) -> BackupInfo:
    """Open and check a backup without restoring it: every chunk authenticated, every member's
    digest, the snapshot's row counts and audit chain end against the manifest. Touches no
    database but the unpacked copy, in a private temporary folder removed afterwards."""
    with _scratch() as work:
        return _info(path, _unpack(path, passphrase, work))


def restore(path: Path, passphrase: str, data_dir: Path) -> BackupInfo:
    """Restore into an empty (or new) data folder: unpack and check everything in a private
    folder beside it, migrate the database forward, then rename it into place, so an error
    leaves nothing half restored. The result is always a SQLite data folder."""
    data_dir = data_dir.expanduser().resolve()
    if data_dir.exists() and (not data_dir.is_dir() or any(data_dir.iterdir())):
        raise ValidationError(
            f"{data_dir} is not empty: a backup restores only into an empty or new data folder",
            field="data_dir",
        )
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with _scratch(data_dir.parent) as work:
        unpacked, ready = work / "unpacked", work / "ready"
        unpacked.mkdir(mode=0o700)
        ready.mkdir(mode=0o700)
        manifest = _unpack(path, passphrase, unpacked)
        os.replace(unpacked / DATABASE, ready / DB_FILE)
        for name in manifest["members"]:
            if name != DATABASE:
                os.replace(unpacked / name, ready / name.removeprefix(SETTINGS))
        open_database(f"sqlite:///{ready / DB_FILE}", create=False).close()
        if data_dir.exists():
            data_dir.rmdir()
        ready.rename(data_dir)
    return _info(path, manifest)
