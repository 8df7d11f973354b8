"""Anchoring the audit chain outside the database with signed checkpoints of its head.

The chain alone is an unkeyed hash whose head lives in the same database: whoever can write the
database can cut the tail, re-chain every entry, or empty the trail and reset the head, and the
chain still verifies. So the head is signed with the organization's Ed25519 key, which lives in
the secret store and never in the database, and each signed checkpoint is kept where writing
the database does not reach: a file beside it in the data directory and, for an organization
whose secrets are in Vault, Vault. Verification then checks that the newest checkpoint's entry
still carries the signed hash.

Checkpoints are signed after the write that crossed every CHECKPOINT_EVERY-th entry (once it has
committed, and only when the secret store opens without asking for a password), when the chain
is verified or exported, and on request. None is signed on top of a trail that no longer holds
the previous checkpoint, or while this machine's checkpoint file is missing: either would bless
the damage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from penguin_desktop.core.audit import checkpoint as signing
from penguin_desktop.core.audit.digest import display_time
from penguin_desktop.core.audit.models import Checkpoint, VerifyResult
from penguin_desktop.core.platform.audit.trail import read_head
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    DatabaseError,
    PenguinError,
    Remedy,
)
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import AuditEventRow, MetaRow, OrganizationRow
from penguin_desktop.core.secrets import BackendKind

if TYPE_CHECKING:
    from penguin_desktop.core.secrets import SecretService

log = logging.getLogger(__name__)

PUBLIC_KEY = "audit.public_key"
SIGNING_KEY = "audit.signing_key"  # {"name", "backend"}: where the private key is kept
_FILE_RECORD = "audit.checkpoints."  # + this machine's file: {"seq", "path"} written to it
_SIGN = "sign the audit trail's head"
_WITNESS = "witness the audit trail's head"


class TrailDamaged(DatabaseError):
    """The checkpoints contradict the trail, or a witness of them is gone; `seq` is the entry
    the finding is about."""

    def __init__(self, message: str, seq: int) -> None:
        super().__init__(f"the audit trail is damaged: {message}", remedy=Remedy("audit.verify"))
        self.seq = seq


@dataclass(frozen=True)
class Witnessed:
    """The newest checkpoint found, and where: "the checkpoint file" or "Vault"."""

    checkpoint: Checkpoint
    source: str


def rewritten(
    checkpoint: Checkpoint, public_key: str | None, stored: str | None, last: int
) -> tuple[int, str] | None:
    """(entry, problem) when `checkpoint` does not hold for a trail whose chain ends at `last`
    and whose entry `checkpoint.seq` has hash `stored` (None: no such entry); else None."""
    seq = checkpoint.seq
    if public_key is None:
        return seq, "signed checkpoints exist but the database no longer records the trail's key"
    if checkpoint.public_key != public_key:
        return seq, f"checkpoint {seq} was signed with a key other than the trail's (replaced?)"
    if not signing.signature_ok(checkpoint):
        return seq, f"the signature of checkpoint {seq} does not verify (the checkpoint was edited)"
    when = display_time(checkpoint.ts)
    signed = f"the trail was rewritten after checkpoint {seq} signed on {when} UTC"
    if stored is None:
        now = f"it now ends at entry {last}" if last else "it now holds no entries"
        return min(seq, last + 1), f"{signed}: {now}"
    if stored != checkpoint.hash:
        return seq, f"{signed}: entry {seq} no longer carries the signed hash"
    return None


def _now() -> str:
    """UTC to the second: the time is part of the signed text, which reports print whole."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def hash_at(conn: Connection, seq: int) -> str | None:
    return conn.execute(select(AuditEventRow.hash).where(AuditEventRow.seq == seq)).scalar()


class Anchor:
    """Signs the head and keeps the checkpoints of one database; one per process."""

    def __init__(self, db: Database, data_dir: Path, secrets: Callable[[], SecretService]) -> None:
        self.db = db
        self.file = signing.CheckpointFile(data_dir / signing.CHECKPOINT_FILE)
        self._secrets = secrets
        self._key: signing.SigningKey | None = None
        self._lock = threading.Lock()
        machine = f"{socket.gethostname()}\0{self.file.path.resolve()}"
        self._file_record = _FILE_RECORD + hashlib.sha256(machine.encode()).hexdigest()[:16]

    # --- reading ---------------------------------------------------------------------------------
    def meta(self, conn: Connection) -> dict[str, str]:
        rows = conn.execute(select(MetaRow.key, MetaRow.value).where(MetaRow.key.like("audit.%")))
        return {key: value for key, value in rows}

    def newest(self, actor: Actor | None) -> Witnessed | None:
        """The newest checkpoint in this machine's file or, for an organization on Vault, in
        Vault. Raises TrailDamaged when the file is gone, or holds less than the database says
        was written to it, or was edited."""
        with self.db.read() as session:
            meta = self.meta(session.connection())
            vault_name = self._vault_name(session.connection())
        recorded = json.loads(meta.get(self._file_record, '{"seq": 0}'))["seq"]
        try:
            local = self.file.newest()
        except DatabaseError as exc:
            finding = exc.message.removeprefix("the audit trail is damaged: ")
            raise TrailDamaged(finding, recorded or 1) from None
        if recorded and (local is None or local.seq < recorded):
            state = f"ends at entry {local.seq}" if local else "is empty"
            state = state if self.file.path.exists() else "is missing"
            raise TrailDamaged(
                f"the checkpoint file {self.file.path} {state}, but checkpoints up to entry "
                f"{recorded} were written to it; restore it from a backup",
                recorded,
            )
        found = [Witnessed(local, "the checkpoint file")] if local else []
        remote = self._vault_copy(vault_name, actor)
        found += [Witnessed(remote, "Vault")] if remote else []
        return max(found, key=lambda w: w.checkpoint.seq, default=None)

    def _vault_name(self, conn: Connection) -> str:
        """The Vault copy's name: fixed for the organization, so that a trail whose key and
        records were wiped from the database still meets its old checkpoint there."""
        created = conn.execute(select(OrganizationRow.created_at)).scalar()
        stamp = created.strftime("%Y%m%dT%H%M%S%f") if created else "none"
        return f"audit-checkpoint-{stamp}"

    def _vault_copy(self, name: str, actor: Actor | None) -> Checkpoint | None:
        secrets = self._secrets()
        if secrets.system_backend() is not BackendKind.VAULT:
            return None
        try:
            text = secrets.system_secret(
                name, BackendKind.VAULT, "check the audit trail", actor, ask=False
            )
        except PenguinError as exc:
            log.warning("the audit checkpoint in Vault could not be read: %s", exc.message)
            return None
        if text is None:
            return None
        try:
            return signing.from_json(text)
        except ValueError:
            raise TrailDamaged("the checkpoint kept in Vault is not a checkpoint", 1) from None

    def judge(
        self,
        conn: Connection,
        result: VerifyResult,
        witnessed: Witnessed | None,
        damage: TrailDamaged | None,
    ) -> VerifyResult:
        """`result` of an intact chain, checked against the newest checkpoint (`damage`: what
        finding it failed with)."""
        if damage is not None:
            return replace(result, ok=False, first_bad_seq=damage.seq, problem=damage.message)
        if witnessed is None:
            return result
        found = witnessed.checkpoint
        public_key = self.meta(conn).get(PUBLIC_KEY)
        problem = rewritten(found, public_key, hash_at(conn, found.seq), result.checked)
        if problem is not None:
            return replace(result, ok=False, first_bad_seq=problem[0], problem=problem[1])
        return replace(result, checkpoint=found, checkpoint_source=witnessed.source)

    # --- signing ---------------------------------------------------------------------------------
    def checkpoint(self, actor: Actor | None, *, ask: bool) -> Checkpoint:
        """Sign the current head and keep it in every witness (the newest checkpoint when the
        head has not moved since), making the key on first need. `ask`: whether the secret
        store may ask for a password."""
        with self._lock:
            key = self._signing_key(actor, ask) or self._new_key(actor, ask)
            return self._sign(key, actor, ask)

    def checkpoint_quietly(
        self, actor: Actor | None = None, *, create: bool = False
    ) -> Checkpoint | None:
        """A checkpoint made in passing, or None: never asks, never raises (after a write that
        made one due, failing would report a done change as failed). Makes the key only with
        `create`, i.e. when someone works with the trail: the every-N checkpoints start once
        the first verification, export or explicit checkpoint has made it. What cannot be done
        now the next checkpoint does."""
        if not self._lock.acquire(blocking=False):
            return None  # a checkpoint is being made; its own audited writes land here
        try:
            key = self._signing_key(actor, ask=False)
            if key is None and create:
                key = self._new_key(actor, ask=False)
            return self._sign(key, actor, ask=False) if key else None
        except AuthenticationError as exc:
            log.info("audit checkpoint left for later: %s", exc.message)
        except PenguinError as exc:
            log.warning("audit checkpoint not written: %s", exc.message)
        except Exception:
            log.exception("audit checkpoint failed")
        finally:
            self._lock.release()
        return None

    def _sign(self, key: signing.SigningKey, actor: Actor | None, ask: bool) -> Checkpoint:
        witnessed = self.newest(actor)
        with self.db.read() as session:
            conn = session.connection()
            seq, head_hash = read_head(session)
            vault_name = self._vault_name(conn)
            if witnessed is not None:
                cp = witnessed.checkpoint
                problem = rewritten(cp, key.public_key, hash_at(conn, cp.seq), seq)
                if problem:
                    raise TrailDamaged(f"{problem[1]}; no new checkpoint was signed", problem[0])
                if cp.seq == seq:
                    return cp
        signed = key.sign(seq, head_hash, _now())
        self.file.append(signed)
        with self.db.write() as session:
            record = json.dumps({"seq": signed.seq, "path": str(self.file.path)})
            row = session.get(MetaRow, self._file_record)
            if row is None:
                session.add(MetaRow(key=self._file_record, value=record))
            elif json.loads(row.value)["seq"] < signed.seq:
                row.value = record
        secrets = self._secrets()
        if secrets.system_backend() is BackendKind.VAULT:
            secrets.put_system_secret(vault_name, signing.to_json(signed), _WITNESS, actor, ask=ask)
        return signed

    def _signing_key(self, actor: Actor | None, ask: bool) -> signing.SigningKey | None:
        """The trail's key (from the secret store once per process), checked against the
        public key the database records every time; None when the trail has none yet."""
        with self.db.read() as session:
            meta = self.meta(session.connection())
        if SIGNING_KEY not in meta:
            if PUBLIC_KEY in meta:
                raise TrailDamaged("the database lost the record of where the signing key is", 1)
            return None
        key = self._key or self._load_key(json.loads(meta[SIGNING_KEY]), actor, ask)
        if key.public_key != meta.get(PUBLIC_KEY):
            raise TrailDamaged("the public key the database records is not the trail's key", 1)
        self._key = key
        return key

    def _load_key(
        self, where: dict[str, str], actor: Actor | None, ask: bool
    ) -> signing.SigningKey:
        backend = BackendKind(where["backend"])
        text = self._secrets().system_secret(where["name"], backend, _SIGN, actor, ask=ask)
        if text is None:
            raise DatabaseError(
                f"the audit trail's signing key {where['name']} is missing from the {backend} "
                "secret store, so no checkpoint can be signed; restore the store from a backup"
            )
        try:
            return signing.SigningKey.from_secret(text)
        except ValueError:
            raise DatabaseError(f"the audit signing key {where['name']} is not a key") from None

    def _new_key(self, actor: Actor | None, ask: bool) -> signing.SigningKey:
        """Make the key, keep it in the organization's store, then record it in the database;
        when another process recorded its own first, that one is used (ours stays unused)."""
        key = signing.SigningKey.new()
        name = f"audit-signing-key-{uuid.uuid4().hex[:12]}"
        backend = self._secrets().put_system_secret(name, key.secret_text(), _SIGN, actor, ask=ask)
        try:
            with self.db.write() as session:
                if session.get(MetaRow, SIGNING_KEY) is None:
                    where = json.dumps({"name": name, "backend": backend.value})
                    session.add(MetaRow(key=SIGNING_KEY, value=where))
                    session.add(MetaRow(key=PUBLIC_KEY, value=key.public_key))
                    self._key = key
        except IntegrityError:
            self._key = None
        recorded = self._signing_key(actor, ask)
        if recorded is None:
            raise DatabaseError("the audit trail's signing key could not be recorded")
        return recorded
