"""A workspace handed over to another agency: one passphrase-sealed file (archive.py's container
around a tar stream of JSON members) that another database imports (bundle_import.py).

Members: `manifest.json` (versions, the workspace, counts, its fingerprint and what it was
based on), `tables/<table>.json` per table (every row of the workspace, keyed by the source's
ids), `members.json` (email and role, never a password hash), `secrets.json` (each secret's
name, kind, rotation policy and value: the sealed file is the encryption to the receiver) and
`audit.json` (the workspace's audit events, as stored, with the chain's head at export).

Which tables travel and how rows are read, written and fingerprinted: bundle_rows.py; the
import: bundle_import.py.

The audit proof, without a signature (signing checkpoints belongs to core/audit, which this
capability may not use): each exported event's hash recomputes from its fields and its
`prev_hash`, and from the first of them to the head every later position of the source chain is
present, as the full event or, for other workspaces' events, as just (seq, hash) so nothing of
theirs is disclosed; each event's `prev_hash` must be the hash before it and the last hash the
head recorded at export. Editing, dropping or reordering an event breaks the walk; forging a
whole consistent chain needs the passphrase, as any change to the sealed file does.

The fingerprint (a sha256 per table over its rows, sorted) lets `--replace` tell whether the
target changed since it was handed over: it is recorded with the workspace (penguin_meta) at
export and at import, and a bundle carries the fingerprint its workspace was `based_on`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.errors import ConflictError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store import schema
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.portable import bundle_import as incoming
from penguin_desktop.core.portable.archive import BackupDamaged
from penguin_desktop.core.portable.bundle_file import (
    FORMAT,
    Contents,
    audit_proof,
    check,
    check_passphrase,
    read,
    write,
)
from penguin_desktop.core.portable.bundle_import import ImportPlan
from penguin_desktop.core.portable.bundle_rows import (
    fingerprint,
    read_members,
    read_record,
    read_tables,
    write_record,
)
from penguin_desktop.core.secrets import SecretKind, SecretService

REASON = "workspace hand-over"


@dataclass(frozen=True)
class BundleInfo:
    """What an export wrote."""

    path: str
    workspace: str
    counts: dict[str, int]
    fingerprint: str
    audit_head_hash: str
    size_bytes: int


class BundleService(Service):
    """Hands a workspace over (export) and takes one in (bundle_import.BundleImport)."""

    def __init__(self, db: Database, secrets: SecretService) -> None:
        super().__init__(db)
        self.secrets = secrets

    def export(
        self,
        actor: Actor,
        workspace: str,
        out: Path,
        passphrase: str,
        ctx: JobContext | None = None,
    ) -> BundleInfo:
        """Write the workspace to `out`, sealed with `passphrase`; its owners and admins only.
        Each secret is revealed (and audited) for the hand-over."""
        ctx = ctx or JobContext()
        out = Path(out)
        if out.exists():
            raise ConflictError(f"{out} already exists; choose another file", field="out")
        check_passphrase(passphrase)
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.WORKSPACE_HANDOVER)
            name, ws_id = ws.name, ws.id
            ctx.progress(0.1, "reading the workspace")
            contents = Contents(
                manifest={},
                tables=read_tables(session, ws_id),
                members=read_members(session, ws_id),
                audit=audit_proof(session, ws_id),
            )
            printed = fingerprint(session, ws_id)
            based_on = read_record(session, ws_id).get("based_on")
            revision = schema.current_revision(session.connection())
        ctx.progress(0.5, "reading the secrets")
        for ref in self.secrets.all(actor, name):
            value = self.secrets.reveal(actor, name, ref.name, reason=REASON)
            contents.secrets.append(
                {
                    "name": ref.name,
                    "kind": ref.kind.value,
                    "rotation_days": ref.rotation_days,
                    "value": value,
                }
            )
        counts = {table: len(rows) for table, rows in contents.tables.items()}
        counts |= {
            "members": len(contents.members),
            "secrets": len(contents.secrets),
            "audit_events": len(contents.audit["events"]),
        }
        contents.manifest = {
            "format": FORMAT,
            "workspace": name,
            "created_at": utcnow().isoformat(),
            "exported_by": actor.email,
            "app_version": version("penguin-desktop"),
            "schema_revision": revision,
            "counts": counts,
            "fingerprint": printed,
            "based_on": based_on,
        }
        ctx.progress(0.7, "sealing the bundle")
        write(out, passphrase, contents)
        with self._writing(actor) as session:
            ws, _ = self._workspace(session, actor, name, Permission.WORKSPACE_HANDOVER)
            write_record(
                session,
                ws.id,
                exported={"sha256": printed["sha256"], "at": contents.manifest["created_at"]},
            )
            self._audit(
                session, actor, "workspace.export", f"workspace:{name}", ws,
                format="bundle", file=out.name, rows=sum(counts.values()),
                values_sealed=len(contents.secrets), fingerprint=printed["sha256"],
            )  # fmt: skip
        ctx.progress(1.0, "bundle written")
        head = contents.audit["head"]
        return BundleInfo(
            str(out), name, counts, printed["sha256"], head["hash"], out.stat().st_size
        )

    def import_(
        self,
        actor: Actor,
        path: Path,
        passphrase: str,
        replace: bool = False,
        force: bool = False,
        dry_run: bool = False,
    ) -> ImportPlan:
        """Bring the bundle in as a new workspace (organization owners and admins) or, with
        `replace`, over the workspace of its name (its owners and admins), refused when that
        one changed since the bundle's base unless `force`. The bundle is opened and its audit
        events walked to the source chain's head before anything is written; `dry_run` stops
        at the plan. Rows, members and the audit event are one transaction; the secrets are
        set after it through the secret service (each audited), into the receiver's store."""
        path = Path(path)
        contents = read(path, passphrase)
        checked = check(contents)
        if checked.problem is not None:
            raise BackupDamaged(f"{path}: {checked.problem}; nothing was imported", field="file")
        incoming.validate(path, contents.tables)
        try:
            plan = self._apply(actor, path, contents, replace, force, dry_run)
        except IntegrityError:
            raise ConflictError(
                f"{path} holds rows that clash with this database's (a name or message id "
                "used elsewhere); nothing was imported",
                field="file",
            ) from None
        if dry_run:
            return plan
        for secret in contents.secrets:
            self.secrets.set(
                actor, plan.workspace, secret["name"], SecretKind(secret["kind"]),
                secret["value"], secret["rotation_days"], reason=REASON,
            )  # fmt: skip
        return dataclasses.replace(plan, applied=True)

    def _apply(
        self,
        actor: Actor,
        path: Path,
        contents: Contents,
        replace: bool,
        force: bool,
        dry_run: bool,
    ) -> ImportPlan:
        manifest = contents.manifest
        name = str(manifest["workspace"])
        opened = self._reading if dry_run else self._writing
        with opened(actor) as session:
            current: dict[str, list[dict[str, Any]]] = {}
            since: list[str] = []
            if replace:
                ws, _ = self._workspace(
                    session, actor, name, Permission.WORKSPACE_HANDOVER, writable=True
                )
                current = read_tables(session, ws.id)
                base = manifest.get("based_on") or manifest["fingerprint"]
                since = incoming.changed_since(fingerprint(session, ws.id), base)
                if since and not force:
                    raise ConflictError(
                        f"{ws.name!r} changed since the bundle was based on it: "
                        + "; ".join(since),
                        field="force",
                    )
                target: int | None = ws.id
            else:
                self._require_org(actor, Permission.WORKSPACE_CREATE, f"workspace:{name}")
                _refuse_taken(session, name)
                target = None
            members, unknown = incoming.match_members(session, target, contents.members, actor)
            plan = ImportPlan(
                workspace=name,
                mode="replace" if replace else "new",
                source_audit_events=len(contents.audit["events"]),
                source_audit_head=str(contents.audit["head"]["hash"]),
                changes=incoming.changes(contents.tables, current),
                members_added=[email for _, email, _ in members],
                members_unknown=unknown,
                secrets=sorted(str(s["name"]) for s in contents.secrets),
                changed_since=since,
            )
            if dry_run:
                return plan
            found = session.get(WorkspaceRow, target) if target else None
            if found is None:
                ws = incoming.create_workspace(session, name, actor)
            else:
                ws = found
                incoming.delete_rows(session, ws.id)
            incoming.insert_rows(session, contents.tables, ws.id)
            incoming.add_members(session, ws.id, members)
            write_record(session, ws.id, based_on=manifest["fingerprint"])
            self._audit(
                session, actor, "workspace.import", f"workspace:{name}", ws,
                file=path.name, mode=plan.mode, rows=sum(len(r) for r in contents.tables.values()),
                forced=bool(since), members_unknown=len(unknown),
                source_audit_events=plan.source_audit_events,
                source_audit_head_seq=int(contents.audit["head"]["seq"]),
                source_audit_head_hash=plan.source_audit_head,
                source_fingerprint=manifest["fingerprint"]["sha256"],
            )  # fmt: skip
            return plan


def _refuse_taken(session: Session, name: str) -> None:
    taken = session.execute(
        select(WorkspaceRow.id).where(WorkspaceRow.name_key == name_key(name))
    ).first()
    if taken is not None:
        raise ConflictError(
            f"a workspace named {name!r} exists already: replace it from the bundle, or "
            "rename it first to import the bundle beside it",
            field="replace",
        )
