"""The bundle file: a tar stream of JSON members inside archive.py's passphrase-sealed
container, and the walk of its audit events back to the source chain (bundle.py says what the
members hold and what the walk proves)."""

from __future__ import annotations

import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.audit.chain import CHAINED_COLUMNS, entry_hashes
from penguin_desktop.core.platform.audit.trail import read_head
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.store.tables import AuditEventRow
from penguin_desktop.core.portable.archive import (
    CHUNK_SIZE,
    BackupDamaged,
    SealedReader,
    SealedWriter,
)
from penguin_desktop.core.portable.backup import MIN_PASSPHRASE, _link_into_place

FORMAT = "penguin-bundle/1"
MANIFEST = "manifest.json"
MEMBERS = "members.json"
SECRETS = "secrets.json"
AUDIT = "audit.json"
TABLES = "tables/"
_MAX_MEMBER = 1 << 30


def audit_proof(session: Session, workspace_id: int) -> dict[str, Any]:
    """The workspace's events in full and, from the first of them to the head, the other
    positions of the chain as (seq, hash): enough to walk the chain without their content."""
    seq, head_hash = read_head(session)
    columns = [AuditEventRow.__table__.c[c] for c in (*CHAINED_COLUMNS, "hash")]
    first = session.execute(
        select(AuditEventRow.seq)
        .where(AuditEventRow.workspace_id == workspace_id)
        .order_by(AuditEventRow.seq)
        .limit(1)
    ).scalar_one_or_none()
    events: list[dict[str, Any]] = []
    links: list[list[Any]] = []
    if first is not None:
        rows = session.execute(
            select(*columns).where(AuditEventRow.seq >= first).order_by(AuditEventRow.seq)
        )
        for row in rows.mappings():
            if row["workspace_id"] == workspace_id:
                events.append(dict(row))
            else:
                links.append([row["seq"], row["hash"]])
    return {"head": {"seq": seq, "hash": head_hash}, "events": events, "links": links}


@dataclass(frozen=True)
class BundleCheck:
    """What opening a bundle found: its workspace, counts, and whether its audit events walk
    the source chain to the head recorded at export (`problem` says where not)."""

    workspace: str
    created_at: str
    app_version: str
    schema_revision: str | None
    counts: dict[str, int]
    audit_events: int
    audit_head_seq: int
    audit_head_hash: str
    audit_ok: bool
    problem: str | None = None


def verify_chain(audit: Mapping[str, Any]) -> str | None:
    """None when the events walk to the head; else what broke."""
    events, head = audit["events"], audit["head"]
    if not events:
        return None
    hashes = dict(
        zip(
            (e["seq"] for e in events),
            entry_hashes([[e[c] for c in CHAINED_COLUMNS] for e in events]),
            strict=True,
        )
    )
    for event in events:
        if hashes[event["seq"]] != event["hash"]:
            return f"audit event {event['seq']} does not match its hash"
    chain = {
        **{seq: (None, h) for seq, h in audit["links"]},
        **{e["seq"]: (e["prev_hash"], e["hash"]) for e in events},
    }
    start = events[0]["seq"]
    whole = set(range(start, int(head["seq"]) + 1))
    if set(chain) != whole or len(events) + len(audit["links"]) != len(whole):
        return "the audit events do not cover the source chain from the first to its head"
    for seq in range(start + 1, int(head["seq"]) + 1):
        prev = chain[seq][0]
        if prev is not None and prev != chain[seq - 1][1]:
            return f"audit event {seq} does not follow the event before it"
    if chain[int(head["seq"])][1] != head["hash"]:
        return "the audit events do not end at the source chain's head"
    return None


@dataclass
class Contents:
    """A bundle opened: its manifest and members, decoded."""

    manifest: dict[str, Any]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    members: list[dict[str, str]] = field(default_factory=list)
    secrets: list[dict[str, Any]] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"a bundle passphrase needs at least {MIN_PASSPHRASE} characters", field="passphrase"
        )


def _add(tar: tarfile.TarFile, name: str, payload: Any) -> None:
    data = json.dumps(payload, sort_keys=True, default=str).encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


def write(out: Path, passphrase: str, contents: Contents) -> None:
    """Seal the contents into `out` (written beside it, linked into place: never over a file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".penguin-bundle-", dir=out.parent) as work:
        sealed = Path(work) / "sealed"
        with sealed.open("wb") as raw:
            writer = SealedWriter(raw, passphrase)
            with tarfile.open(fileobj=writer, mode="w|", bufsize=CHUNK_SIZE) as tar:  # type: ignore[call-overload]
                for name, rows in contents.tables.items():
                    _add(tar, TABLES + name + ".json", rows)
                _add(tar, MEMBERS, contents.members)
                _add(tar, SECRETS, contents.secrets)
                _add(tar, AUDIT, contents.audit)
                _add(tar, MANIFEST, contents.manifest)
            writer.close()
            raw.flush()
            os.fsync(raw.fileno())
        sealed.chmod(0o600)
        _link_into_place(sealed, out)


def _members_of(path: Path, passphrase: str) -> Iterator[tuple[str, Any]]:
    with path.open("rb") as raw:
        reader = SealedReader(raw, passphrase, str(path))
        try:
            with tarfile.open(fileobj=reader, mode="r|", bufsize=CHUNK_SIZE) as tar:  # type: ignore[call-overload]
                for member in tar:
                    source = tar.extractfile(member) if member.isfile() else None
                    if source is None or member.size > _MAX_MEMBER:
                        raise BackupDamaged(
                            f"{path} holds an unexpected member {member.name!r}", field="file"
                        )
                    yield member.name, json.loads(source.read())
        except (tarfile.TarError, ValueError) as exc:
            raise BackupDamaged(f"{path} is not an intact bundle: {exc}", field="file") from None
        reader.finish()


def read(path: Path, passphrase: str) -> Contents:
    """Open and decode a bundle; every chunk is authenticated, and the members must be those a
    bundle holds, with the counts its manifest gives."""
    found: dict[str, Any] = {}
    for name, payload in _members_of(path, passphrase):
        if name in found:
            raise BackupDamaged(f"{path} holds {name!r} twice", field="file")
        found[name] = payload
    manifest = found.pop(MANIFEST, None)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupDamaged(f"{path} is not a workspace bundle ({FORMAT})", field="file")
    try:
        contents = Contents(
            manifest, members=found.pop(MEMBERS), secrets=found.pop(SECRETS), audit=found.pop(AUDIT)
        )
    except KeyError as missing:
        raise BackupDamaged(f"{path} lacks its member {missing}", field="file") from None
    audit = contents.audit
    if not isinstance(audit, dict) or not {"head", "events", "links"} <= audit.keys():
        raise BackupDamaged(f"{path} holds no audit events in the bundle's shape", field="file")
    contents.tables = {
        name.removeprefix(TABLES).removesuffix(".json"): rows for name, rows in found.items()
    }
    counts = {name: len(rows) for name, rows in contents.tables.items()}
    counts |= {
        "members": len(contents.members),
        "secrets": len(contents.secrets),
        "audit_events": len(contents.audit["events"]),
    }
    if counts != manifest.get("counts"):
        raise BackupDamaged(f"{path} does not hold what its manifest says", field="file")
    return contents


def check(contents: Contents) -> BundleCheck:
    """The bundle's description and the walk of its audit events (an event missing a field
    fails the walk; a manifest missing one is no bundle)."""
    manifest, head = contents.manifest, contents.audit["head"]
    try:
        problem = verify_chain(contents.audit)
    except (KeyError, TypeError, ValueError):
        problem = "the audit events were altered"
    try:
        return _described(manifest, head, contents, problem)
    except (KeyError, TypeError, ValueError):
        raise BackupDamaged("the bundle's manifest was altered", field="file") from None


def _described(
    manifest: Mapping[str, Any], head: Mapping[str, Any], contents: Contents, problem: str | None
) -> BundleCheck:
    return BundleCheck(
        workspace=manifest["workspace"],
        created_at=manifest["created_at"],
        app_version=manifest["app_version"],
        schema_revision=manifest["schema_revision"],
        counts=dict(manifest["counts"]),
        audit_events=len(contents.audit["events"]),
        audit_head_seq=int(head["seq"]),
        audit_head_hash=str(head["hash"]),
        audit_ok=problem is None,
        problem=problem,
    )


def verify_bundle(path: Path, passphrase: str) -> BundleCheck:
    """Open a bundle and walk its audit events to the source chain's head; writes nothing."""
    return check(read(path, passphrase))
