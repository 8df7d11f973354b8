"""Secret references per workspace, the stores holding their values, and every access audited.

Values go to the store first and the reference is committed after, so a crash leaves at worst an
unreferenced value, never a reference without its value. Migration copies, reads back, switches
the reference, and only then deletes the old copy; a second run finishes an interrupted one.

Over the ~400-line habit: it is the one door of the capability (references, backends, the
secrets file, migration and the program's own secrets) and every part shares the same
transactions, scope checks and audit; migration, then the program's own secrets (the audit
signing key, the agency's notifier keys), are the parts to move out next.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord
from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    Cancelled,
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    PenguinError,
    PermissionDenied,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.secrets import rotation
from penguin_desktop.core.secrets.backends.base import BackendKind, SecretBackend
from penguin_desktop.core.secrets.backends.stores import SecretStores
from penguin_desktop.core.secrets.backends.vault import VaultConfig
from penguin_desktop.core.secrets.models import (
    BackendInfo,
    MigrationResult,
    SecretKind,
    SecretRefInfo,
    SecretsFileState,
)
from penguin_desktop.core.secrets.rotation import DEFAULT_ROTATION_DAYS, RotationRequest
from penguin_desktop.core.secrets.tables import SecretBackendRow, SecretRefRow

ORG_SCOPE = "org"
INHERIT = "inherit"  # a workspace row kept only for its Vault settings
MAX_VALUE_BYTES = 64 * 1024
MIGRATION_BATCH = 50
COPY_WORKERS = 4  # network-bound copies (Vault) overlap; the stores are thread-safe
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@/-]{0,127}$")
KEEP_POLICY: Any = object()
PROGRAM = "penguin-desktop"  # the actor of what the program does on its own


def _scope_of(workspace_id: int) -> str:
    return f"ws:{workspace_id}"


def clean_secret_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise ValidationError("a secret name is required", field="name")
    if not _NAME.match(name):
        raise ValidationError(
            f"bad secret name {raw!r}: 1-128 letters, digits and . _ @ / - (start with a letter "
            "or digit)"
        )
    return name


def parse_kind(raw: str) -> SecretKind:
    try:
        return SecretKind(raw.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in SecretKind)
        raise ValidationError(f"unknown secret kind {raw!r}: choose one of {kinds}") from None


def parse_backend(raw: str) -> BackendKind:
    try:
        return BackendKind(raw.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in BackendKind)
        raise ValidationError(f"unknown secret backend {raw!r}: choose one of {kinds}") from None


def _check_value(value: str) -> None:
    if not value:
        raise ValidationError("a secret value cannot be empty")
    if len(value.encode()) > MAX_VALUE_BYTES:
        raise ValidationError("a secret value may be at most 64 KiB")


def _settings(row: SecretBackendRow | None) -> dict[str, Any]:
    return json.loads(row.settings) if row else {}


def _vault_config(row: SecretBackendRow | None) -> VaultConfig | None:
    vault = _settings(row).get("vault")
    return VaultConfig(**vault) if vault else None


def _info(ref: SecretRefRow, workspace: str) -> SecretRefInfo:
    due_at = rotation.due_at(ref.last_rotated_at, ref.rotation_days)
    return SecretRefInfo(
        workspace=workspace,
        name=ref.name,
        kind=SecretKind(ref.kind),
        backend=ref.backend,
        created_at=ref.created_at,
        last_rotated_at=ref.last_rotated_at,
        last_accessed_at=ref.last_accessed_at,
        rotation_days=ref.rotation_days,
        due_at=due_at,
        due=due_at is not None and due_at <= utcnow(),
    )


class SecretService(Service):
    def __init__(
        self,
        db: Database,
        stores: SecretStores,
        services: object | None = None,
        load_procedures: Callable[[], None] | None = None,
    ) -> None:
        """`services` is handed to rotation procedures (see core.secrets.rotation): the
        process's service container, through which they reach the server and mailbox
        services without this module importing them. `load_procedures` registers them, on
        the first rotation: they load paramiko, which listing secrets must not pay for."""
        super().__init__(db)
        self.stores = stores
        self.services = services
        self._load_procedures = load_procedures
        # Values `use(keep_for=...)` keeps, by the reference's version: (value, kept until).
        self._kept: dict[tuple[object, ...], tuple[str, datetime]] = {}
        stores.secrets_in_file = self._secrets_in_file

    def _secrets_in_file(self) -> int:
        with self.db.read() as session:
            return session.execute(
                select(func.count())
                .select_from(SecretRefRow)
                .where(SecretRefRow.backend == BackendKind.FILE.value)
            ).scalar_one()

    # --- backends ------------------------------------------------------------------------------
    def _effective(
        self, session: Session, workspace_id: int | None
    ) -> tuple[BackendKind, str, str, VaultConfig | None]:
        """(kind, scope, why, vault settings) of the store new secrets go to."""
        if workspace_id is not None:
            row = session.get(SecretBackendRow, _scope_of(workspace_id))
            if row is not None and row.kind != INHERIT:
                why = f"workspace override set by {row.updated_by} on {row.updated_at:%Y-%m-%d}"
                return BackendKind(row.kind), row.scope, why, _vault_config(row)
        org = session.get(SecretBackendRow, ORG_SCOPE)
        if org is not None:
            why = f"chosen by {org.updated_by} on {org.updated_at:%Y-%m-%d}"
            return BackendKind(org.kind), ORG_SCOPE, why, _vault_config(org)
        kind, why = self.stores.default_kind()
        return kind, ORG_SCOPE, why, None

    def _store_for(self, session: Session, workspace_id: int, kind: BackendKind) -> SecretBackend:
        """The live store of `kind` as configured for this workspace (override, else org)."""
        scope, vault = ORG_SCOPE, _vault_config(session.get(SecretBackendRow, ORG_SCOPE))
        override = session.get(SecretBackendRow, _scope_of(workspace_id))
        if override is not None and _vault_config(override) is not None:
            scope, vault = override.scope, _vault_config(override)
        return self.stores.open(kind, scope, vault)

    def backend_info(self, actor: Actor, workspace: str | None = None) -> BackendInfo:
        with self._reading(actor) as session:
            ws_id = None
            if workspace:
                ws, _ = self._workspace(session, actor, workspace, Permission.SECRET_LIST)
                ws_id = ws.id
            kind, scope, why, vault = self._effective(session, ws_id)
        shown = {k: str(v) for k, v in asdict(vault).items() if v is not None} if vault else {}
        return BackendInfo(scope=scope, kind=kind.value, why=why, settings=shown)

    def set_backend(
        self,
        actor: Actor,
        kind: BackendKind,
        workspace: str | None = None,
        vault: VaultConfig | None = None,
        token: str | None = None,
        secret_id: str | None = None,
        *,
        test: bool = True,
    ) -> BackendInfo:
        """Make `kind` where new secrets of the organization (or one workspace) go. The store is
        opened for real first (`test`), so a backend that cannot be reached is refused and
        nothing switches; set-ups made ahead of their server pass `test=False`."""
        if kind is BackendKind.KEYRING:
            problem = self.stores.keyring_problem()
            if problem:
                raise ValidationError(f"cannot use the OS keyring: {problem}")
        with self._reading(actor) as session:
            scope, ws = self._authorize_backend(session, actor, workspace)
        if kind is BackendKind.VAULT:
            if vault is None:
                raise ValidationError("Vault needs an address (or VAULT_ADDR)", field="address")
            keep = token is None and secret_id is None and self.stores.has_credential(scope)
            if vault.role_id is None and token is None and not keep:
                raise ValidationError(
                    "Vault needs a token (or VAULT_TOKEN) or an AppRole", field="token"
                )
            if vault.role_id is not None and secret_id is None and not keep:
                raise ValidationError("AppRole login needs a secret ID", field="secret_id")
        if test:  # before any credential is saved: a failed try leaves the working set-up whole
            try:
                if kind is BackendKind.VAULT and vault is not None:
                    self.stores.probe_vault(scope, vault, token, secret_id)
                else:
                    self.stores.open(kind, scope, vault).status()
            except PenguinError as failed:
                failed.message = f"{failed.message}; the backend was not switched"
                failed.args = (failed.message,)
                raise
        if token is not None:
            self.stores.save_credential(scope, "token", token)
        if secret_id is not None:
            self.stores.save_credential(scope, "secret-id", secret_id)
        with self._writing(actor) as session:
            self._authorize_backend(session, actor, workspace)
            row = session.get(SecretBackendRow, scope)
            settings = _settings(row)
            if vault is not None:
                settings["vault"] = asdict(vault)
            if row is None:
                row = SecretBackendRow(scope=scope, kind=kind.value, updated_by=actor.email)
                session.add(row)
            row.kind, row.updated_by, row.updated_at = kind.value, actor.email, utcnow()
            row.settings = json.dumps(settings, sort_keys=True)
            ws_row = session.get(WorkspaceRow, ws) if ws is not None else None
            summary: dict[str, Any] = {"backend": kind.value, "scope": scope, "tested": test}
            if vault is not None:
                summary.update(address=vault.address, mount=vault.mount)
                summary["auth"] = "approle" if vault.role_id else "static"
            self._audit(session, actor, "secret.backend.set", f"backend:{scope}", ws_row, **summary)
        return self.backend_info(actor, workspace)

    def clear_backend(self, actor: Actor, workspace: str) -> BackendInfo:
        """Drop a workspace's own backend: new secrets follow the organization's again. Secrets
        already stored stay where they are until `migrate` moves them, so the override's Vault
        settings are kept to reach them."""
        with self._writing(actor) as session:
            scope, ws_id = self._authorize_backend(session, actor, workspace)
            row = session.get(SecretBackendRow, scope)
            if row is None or row.kind == INHERIT:
                raise NotFoundError(f"workspace {workspace!r} has no backend of its own")
            kind, row.kind = row.kind, INHERIT
            row.updated_by, row.updated_at = actor.email, utcnow()
            ws_row = session.get(WorkspaceRow, ws_id)
            self._audit(
                session, actor, "secret.backend.clear", f"backend:{scope}", ws_row, backend=kind
            )
        return self.backend_info(actor, workspace)

    def _authorize_backend(
        self, session: Session, actor: Actor, workspace: str | None
    ) -> tuple[str, int | None]:
        if workspace:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SECRET_BACKEND_OVERRIDE, writable=True
            )
            return _scope_of(ws.id), ws.id
        self._require_org(actor, Permission.SECRET_BACKEND_SET, "backend:org")
        return ORG_SCOPE, None

    def test_backend(self, actor: Actor, workspace: str | None = None) -> str:
        """Open the active store for real and describe it; raises with the reason if it fails."""
        with self._reading(actor) as session:
            ws_id = None
            if workspace:
                ws, _ = self._workspace(session, actor, workspace, Permission.SECRET_LIST)
                ws_id = ws.id
            kind, scope, _, vault = self._effective(session, ws_id)
        status = self.stores.open(kind, scope, vault).status()
        with self._writing(actor) as session:
            ws_row = session.get(WorkspaceRow, ws_id) if ws_id is not None else None
            self._audit(session, actor, "secret.backend.test", f"backend:{scope}", ws_row)
        return status

    # --- the encrypted secrets file ------------------------------------------------------------
    def file_state(self) -> SecretsFileState:
        """Where the file is, whether it exists and is unlocked in this session, and which
        backend is the default here (and why): what a face shows before asking for a master
        password. Nothing secret, nothing of a workspace."""
        kind, why = self.stores.default_kind()
        return SecretsFileState(
            path=str(self.stores.file_path),
            exists=self.stores.file_path.exists(),
            unlocked=self.stores.file_unlocked,
            default_backend=kind.value,
            why=why,
        )

    def open_file(self, actor: Actor) -> SecretsFileState:
        """Unlock the secrets file for this session, creating it on first use; the master
        password comes from the face's callback. Creating, unlocking and a refused password are
        audited (the path, never the password)."""
        before = self.file_state()
        if before.unlocked:
            return before
        action = "secret.file.unlock" if before.exists else "secret.file.create"
        try:
            self.stores.file()
        except AuthenticationError as refused:
            self._audit_denied(
                actor, PermissionDenied(refused.message, action=action, target="secrets-file")
            )
            raise
        with self.db.write() as session:
            self._audit(session, actor, action, "secrets-file", path=before.path)
        return self.file_state()

    @property
    def file_unlocked(self) -> bool:
        """Whether this session holds the secrets file open (a cheap check, polled)."""
        return self.stores.file_unlocked

    def hand_over_file(self, actor: Actor, to: str) -> str | None:
        """The unlocked secrets file's master password, for a process this session started that
        cannot ask the person (the console's monitor); None while the file is locked. The
        hand-over is audited with whom it went to, never the password."""
        password = self.stores.file_master_password()
        if password is None:
            return None
        with self.db.write() as session:
            self._audit(session, actor, "secret.file.hand-over", "secrets-file", to=to)
        return password

    # --- references ----------------------------------------------------------------------------
    def all(self, actor: Actor, workspace: str | None = None) -> list[SecretRefInfo]:
        with self._reading(actor) as session:
            if workspace:
                ws, _ = self._workspace(session, actor, workspace, Permission.SECRET_LIST)
                names = {ws.id: ws.name}
            else:
                names = self._visible(session, actor, Permission.SECRET_LIST)
            refs = session.execute(
                select(SecretRefRow)
                .where(SecretRefRow.workspace_id.in_(sorted(names)))
                .order_by(SecretRefRow.workspace_id, SecretRefRow.name)
            ).scalars()
            infos = [_info(r, names[r.workspace_id]) for r in refs]
        return sorted(infos, key=lambda i: (i.workspace.casefold(), i.name))

    def due(self, actor: Actor) -> list[SecretRefInfo]:
        return [s for s in self.all(actor) if s.due]

    def set(
        self,
        actor: Actor,
        workspace: str,
        raw_name: str,
        kind: SecretKind,
        value: str,
        rotation_days: Any = KEEP_POLICY,
        reason: str = "",
    ) -> SecretRefInfo:
        """Create the secret, or replace its value (a replacement counts as a rotation)."""
        name = clean_secret_name(raw_name)
        _check_value(value)
        if rotation_days is not KEEP_POLICY and rotation_days is not None and rotation_days < 1:
            raise ValidationError("a rotation policy is at least 1 day (or 'never')")
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SECRET_WRITE, writable=True
            )
            ref = self._ref(session, ws.id, name, missing_ok=True)
            if ref is not None and ref.kind != kind.value:
                raise ConflictError(
                    f"secret {name!r} exists as {ref.kind}; delete it first to change its kind"
                )
            if ref is None:
                backend, _, _, _ = self._effective(session, ws.id)
                locator, version = f"ws{ws.id}/{uuid.uuid4().hex}", 0
            else:
                backend, locator = BackendKind(ref.backend), ref.locator
                version = ref.backend_version or 0
            store = self._store_for(session, ws.id, backend)
        new_version = store.put(
            locator, value, cas=version if backend is BackendKind.VAULT else None
        )
        try:
            with self._writing(actor) as session:
                ws, _ = self._workspace(
                    session, actor, workspace, Permission.SECRET_WRITE, writable=True
                )
                now = utcnow()
                if ref is None:
                    days = (
                        DEFAULT_ROTATION_DAYS[kind]
                        if rotation_days is KEEP_POLICY
                        else rotation_days
                    )
                    row = SecretRefRow(
                        workspace_id=ws.id,
                        name=name,
                        kind=kind.value,
                        locator=locator,
                        backend=backend.value,
                        backend_version=new_version,
                        rotation_days=days,
                        created_at=now,
                        last_rotated_at=now,
                    )
                    session.add(row)
                    session.flush()
                    action = "secret.set"
                else:
                    row = self._ref(session, ws.id, name)
                    row.backend_version, row.last_rotated_at = new_version, now
                    if rotation_days is not KEEP_POLICY:
                        row.rotation_days = rotation_days
                    action = "secret.replace"
                self._audit(
                    session,
                    actor,
                    action,
                    f"secret:{name}",
                    ws,
                    name=name,
                    kind=kind.value,
                    backend=backend.value,
                    reason=reason,
                )
                return _info(row, ws.name)
        except Exception:
            if ref is None:
                store.delete(locator)
            raise

    def reveal(self, actor: Actor, workspace: str, name: str, reason: str = "") -> str:
        """A person reads the value (admins and owners); audited with the reason given."""
        return self._read(actor, workspace, name, Permission.SECRET_REVEAL, "secret.reveal", reason)

    def use(
        self,
        actor: Actor,
        workspace: str,
        name: str,
        purpose: str,
        keep_for: timedelta | None = None,
    ) -> str:
        """The program reads the value to do its work (an SSH login, an SMTP session).

        `keep_for`: work that repeats every few minutes (the monitor's SSH health) keeps the
        value in memory that long instead of reading the store, and auditing a read, each
        time: one `secret.read` an hour per server instead of twelve. The role is checked on
        every use, and a value replaced or rotated since is read again."""
        if keep_for is None:
            return self._read(
                actor, workspace, name, Permission.SECRET_LIST, "secret.read", purpose
            )
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.SECRET_LIST)
            ref = self._ref(session, ws.id, name)
            version = (
                ws.id,
                name,
                ref.backend,
                ref.locator,
                ref.backend_version,
                ref.last_rotated_at,
            )
        kept = self._kept.get(version)
        if kept is not None and kept[1] > utcnow():
            return kept[0]
        minutes = round(keep_for.total_seconds() / 60)
        value = self._read(
            actor, workspace, name, Permission.SECRET_LIST, "secret.read",
            f"{purpose} (kept in memory up to {minutes} min)",
        )  # fmt: skip
        self._kept[version] = (value, utcnow() + keep_for)
        return value

    def _read(
        self,
        actor: Actor,
        workspace: str,
        name: str,
        permission: Permission,
        action: str,
        reason: str,
    ) -> str:
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, permission)
            ref = self._ref(session, ws.id, name)
            store = self._store_for(session, ws.id, BackendKind(ref.backend))
            locator, kind, backend = ref.locator, ref.kind, ref.backend
        value = store.get(locator)
        with self._writing(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, permission)
            self._ref(session, ws.id, name).last_accessed_at = utcnow()
            self._audit(
                session,
                actor,
                action,
                f"secret:{name}",
                ws,
                name=name,
                kind=kind,
                backend=backend,
                reason=reason,
            )
        return value

    def delete(self, actor: Actor, workspace: str, name: str, reason: str = "") -> None:
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SECRET_WRITE, writable=True
            )
            ref = self._ref(session, ws.id, name)
            stores = [(BackendKind(ref.backend), ref.locator)]
            if ref.leftover_backend:
                stores.append((BackendKind(ref.leftover_backend), ref.locator))
            live = [self._store_for(session, ws.id, kind) for kind, _ in stores]
            session.delete(ref)
            self._audit(
                session,
                actor,
                "secret.delete",
                f"secret:{ref.name}",
                ws,
                name=ref.name,
                kind=ref.kind,
                backend=ref.backend,
                reason=reason,
            )
            for store, (_, locator) in zip(live, stores, strict=True):
                store.delete(locator)

    def rotate(self, actor: Actor, workspace: str, name: str) -> SecretRefInfo:
        """Run the registered rotation procedure of the secret's kind as `actor`. The new value
        is stored (audited as a replacement) by the procedure itself or here with the value it
        returns; a procedure that fails leaves the secret as it was."""
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SECRET_WRITE, writable=True
            )
            ref = self._ref(session, ws.id, name)
            kind, before = SecretKind(ref.kind), (ref.backend_version, ref.last_rotated_at)
        if self._load_procedures is not None:
            self._load_procedures()
        procedure = rotation.rotator_for(kind)
        if procedure is None:
            raise ValidationError(
                f"{kind.value} secrets have no automatic rotation: replace the value instead",
                remedy=Remedy(
                    "secrets.set",
                    name,
                    (("kind", kind.value), ("workspace", workspace), ("value", "")),
                ),
            )
        current = self.use(actor, workspace, name, "rotation")
        new = procedure(RotationRequest(workspace, name, kind, current, actor, self.services))
        if new is not None:
            self.set(actor, workspace, name, kind, new, reason="rotation")
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.SECRET_WRITE)
            ref = self._ref(session, ws.id, name)
            if (ref.backend_version, ref.last_rotated_at) == before:
                raise ExternalServiceError(
                    f"the {kind.value} rotation procedure returned without storing a new value "
                    f"for {name!r}; the secret is unchanged"
                )
            return _info(ref, ws.name)

    # --- migration -----------------------------------------------------------------------------
    def migrate(
        self, actor: Actor, target: BackendKind, ctx: JobContext | None = None
    ) -> MigrationResult:
        """Move every secret to `target`: copy, read back, switch, then delete the old copy."""
        ctx = ctx or JobContext()
        with self._reading(actor) as session:
            self._require_org(actor, Permission.SECRET_MIGRATE, f"backend:{target.value}")
            ids = list(
                session.execute(
                    select(SecretRefRow.id)
                    .where(
                        or_(
                            SecretRefRow.backend != target.value,
                            SecretRefRow.leftover_backend.is_not(None),
                        )
                    )
                    .order_by(SecretRefRow.id)
                ).scalars()
            )
        moved = cleaned = 0
        total = len(ids)
        for start in range(0, total, MIGRATION_BATCH):
            if ctx.cancelled:
                raise Cancelled(
                    f"migration cancelled after {moved} secrets; run it again to finish"
                )
            batch = ids[start : start + MIGRATION_BATCH]
            moved += self._move_batch(actor, target, batch)
            cleaned += self._clean_batch(actor, batch)
            done = min(start + MIGRATION_BATCH, total)
            ctx.progress(done / total, f"moved {done} of {total} secrets to {target.value}")
        with self._reading(actor) as session:
            already = (
                len(
                    session.execute(
                        select(SecretRefRow.id).where(SecretRefRow.backend == target.value)
                    ).all()
                )
                - moved
            )
        if moved:
            with self._writing(actor) as session:
                self._audit(
                    session,
                    actor,
                    "secret.migrate.done",
                    f"backend:{target.value}",
                    moved=moved,
                    to=target.value,
                )
        return MigrationResult(moved, max(already, 0), cleaned, target.value)

    def _move_batch(self, actor: Actor, target: BackendKind, ids: Sequence[int]) -> int:
        with self.db.read() as session:
            refs = (
                session.execute(
                    select(SecretRefRow).where(
                        SecretRefRow.id.in_(ids), SecretRefRow.backend != target.value
                    )
                )
                .scalars()
                .all()
            )
            stores: dict[tuple[int, str], SecretBackend] = {}
            for ref in refs:
                for kind in (ref.backend, target.value):
                    if (ref.workspace_id, kind) not in stores:
                        stores[ref.workspace_id, kind] = self._store_for(
                            session, ref.workspace_id, BackendKind(kind)
                        )
            plan = [
                (
                    r.id,
                    r.locator,
                    stores[r.workspace_id, r.backend],
                    stores[r.workspace_id, target.value],
                )
                for r in refs
            ]

        def copy(step: tuple[int, str, SecretBackend, SecretBackend]) -> tuple[int, int | None]:
            ref_id, locator, source, dest = step
            value = source.get(locator)
            version = dest.put(locator, value)
            if dest.get(locator) != value:
                raise ExternalServiceError(
                    f"copy of secret {locator} to {target.value} read back different; "
                    "nothing was switched"
                )
            return ref_id, version

        with ThreadPoolExecutor(max_workers=COPY_WORKERS) as pool:
            versions = dict(pool.map(copy, plan))
        if not versions:
            return 0
        with self.db.write() as session:
            records = []
            for ref_id, version in versions.items():
                moving = session.get(SecretRefRow, ref_id)
                if moving is None:
                    continue
                ws = session.get(WorkspaceRow, moving.workspace_id)
                records.append(
                    AuditRecord(
                        actor=actor.email,
                        face=actor.face.value,
                        action="secret.migrate",
                        target=f"secret:{moving.name}",
                        workspace_id=moving.workspace_id,
                        workspace=ws.name if ws else "",
                        summary={"name": moving.name, "from": moving.backend, "to": target.value},
                    )
                )
                moving.leftover_backend, moving.backend = moving.backend, target.value
                moving.backend_version = version
            trail.append(session, records)
        return len(versions)

    def _clean_batch(self, actor: Actor, ids: Sequence[int]) -> int:
        with self.db.read() as session:
            leftovers = [
                (
                    r.id,
                    r.locator,
                    self._store_for(session, r.workspace_id, BackendKind(r.leftover_backend)),
                )
                for r in (session.get(SecretRefRow, i) for i in ids)
                if r is not None and r.leftover_backend is not None
            ]
        by_store: dict[int, tuple[SecretBackend, list[str]]] = {}
        for _, locator, store in leftovers:
            by_store.setdefault(id(store), (store, []))[1].append(locator)
        for store, locators in by_store.values():
            store.delete_many(locators)
        if leftovers:
            with self.db.write() as session:
                for ref_id, _, _ in leftovers:
                    ref = session.get(SecretRefRow, ref_id)
                    if ref is not None:
                        ref.leftover_backend = None
        return len(leftovers)

    # --- the program's own secrets -------------------------------------------------------------
    def system_backend(self) -> BackendKind:
        """The organization's store, which also keeps the program's own secrets."""
        with self.db.read() as session:
            return self._effective(session, None)[0]

    def put_system_secret(
        self, name: str, value: str, purpose: str, actor: Actor | None = None, *, ask: bool = True
    ) -> BackendKind:
        """Keep a value the program needs for the whole organization (the audit trail's signing
        key) in the organization's store; returns which store. Only core calls this: no face
        offers it. Audited by name, never the value, as done for `actor` (None: the program on
        its own); `ask` as for `system_secret`."""
        name = clean_secret_name(name)
        _check_value(value)
        with self.db.read() as session:
            kind, _, _, vault = self._effective(session, None)
        if not ask and self._would_ask(kind):
            raise AuthenticationError("the secrets file is locked")
        self.stores.open(kind, ORG_SCOPE, vault).put(f"system/{name}", value)
        self._audit_system(actor, "secret.system.set", name, kind, purpose)
        return kind

    def system_secret(
        self,
        name: str,
        backend: BackendKind,
        purpose: str,
        actor: Actor | None = None,
        *,
        ask: bool = True,
    ) -> str | None:
        """A value `put_system_secret` kept in `backend`, or None. Without `ask`, a store that
        needs the master password first is left closed (AuthenticationError): the program's
        background work must never prompt."""
        if not ask and self._would_ask(backend):
            raise AuthenticationError("the secrets file is locked")
        with self.db.read() as session:
            vault = _vault_config(session.get(SecretBackendRow, ORG_SCOPE))
        try:
            value = self.stores.open(backend, ORG_SCOPE, vault).get(f"system/{name}")
        except NotFoundError:
            return None
        self._audit_system(actor, "secret.system.read", name, backend, purpose)
        return value

    def delete_system_secret(
        self, name: str, backend: BackendKind, purpose: str, actor: Actor | None = None
    ) -> None:
        """Forget a value `put_system_secret` kept (already gone is fine); audited by name."""
        name = clean_secret_name(name)
        with self.db.read() as session:
            vault = _vault_config(session.get(SecretBackendRow, ORG_SCOPE))
        try:
            self.stores.open(backend, ORG_SCOPE, vault).delete(f"system/{name}")
        except NotFoundError:
            return
        self._audit_system(actor, "secret.system.delete", name, backend, purpose)

    def _would_ask(self, kind: BackendKind) -> bool:
        """Whether opening `kind` needs the master password: the file, or Vault whose
        credential sits in the file for want of a keyring."""
        if self.stores.file_unlocked or kind is BackendKind.KEYRING:
            return False
        if kind is BackendKind.FILE:
            return True
        return self.stores.keyring_problem() is not None and self.stores.file_path.exists()

    def _audit_system(
        self, actor: Actor | None, action: str, name: str, kind: BackendKind, purpose: str
    ) -> None:
        who, face = (actor.email, actor.face.value) if actor else (PROGRAM, Face.SYSTEM.value)
        summary = {"name": name, "backend": kind.value, "purpose": purpose}
        with self.db.write() as session:
            trail.append(
                session, [AuditRecord(who, face, action, f"system:{name}", summary=summary)]
            )

    # --- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _ref(
        session: Session, workspace_id: int, name: str, missing_ok: bool = False
    ) -> SecretRefRow:
        ref = session.execute(
            select(SecretRefRow).where(
                SecretRefRow.workspace_id == workspace_id, SecretRefRow.name == name.strip()
            )
        ).scalar_one_or_none()
        if ref is None and not missing_ok:
            raise NotFoundError(f"no secret named {name.strip()!r} in this workspace")
        return ref  # type: ignore[return-value]

    def _visible(self, session: Session, actor: Actor, permission: Permission) -> dict[int, str]:
        """Names of the workspaces where the actor may `permission`; a member with no such
        workspace is refused (and audited), someone with no workspace at all sees nothing."""
        visible = self._visible_workspaces(session, actor, permission)
        if not visible and self._visible_workspaces(session, actor, None):
            raise PermissionDenied(
                "permission denied: none of your roles allows seeing secrets",
                action=permission.value,
                target="secrets",
            )
        return {i: ws.name for i, (ws, _) in visible.items()}
