"""Reading, verifying and exporting the audit trail, scoped to what the actor may see, and
anchoring it outside the database with signed checkpoints (anchor.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Sequence
from contextlib import closing
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from penguin_desktop.core.audit.export import (
    BATCH,
    ExportFormat,
    ReportHeader,
    Writer,
    write_csv,
    write_json,
    write_signed_head,
)
from penguin_desktop.core.audit.models import (
    AuditEntry,
    AuditFilter,
    Checkpoint,
    ExportResult,
    VerifyResult,
)
from penguin_desktop.core.audit.query import (
    Scope,
    filtered,
    first_undecodable,
    stream_rows,
    text_as_bytes,
    text_damaged,
    to_entry,
)
from penguin_desktop.core.audit.verify import undecodable, verify_chain
from penguin_desktop.core.platform.audit.trail import iso_now, read_head
from penguin_desktop.core.platform.errors import NotFoundError, PermissionDenied, Remedy
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.permissions import Permission, allows
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import (
    AuditEventRow,
    MembershipRow,
    MetaRow,
    OrganizationRow,
)

if TYPE_CHECKING:
    from penguin_desktop.core.audit.anchor import Anchor
    from penguin_desktop.core.secrets import SecretService

log = logging.getLogger(__name__)


def _writer(fmt: ExportFormat) -> Writer:
    """The writer for `fmt`; reportlab is imported only when a PDF is asked for (~0.1 s)."""
    if fmt is ExportFormat.PDF:
        from penguin_desktop.core.audit.pdf_report import write_pdf

        return write_pdf
    return write_csv if fmt is ExportFormat.CSV else write_json


class AuditService(Service):
    def __init__(self, db: Database, data_dir: Path, secrets: Callable[[], SecretService]) -> None:
        """`data_dir` holds the checkpoint file; `secrets` hands over the secret service, which
        keeps the signing key, on first need (building it costs start-up time)."""
        super().__init__(db)
        self._data_dir = data_dir
        self._secrets = secrets

    @cached_property
    def anchor(self) -> Anchor:
        # Imported on first use: cryptography is not needed to open the window.
        from penguin_desktop.core.audit.anchor import Anchor

        return Anchor(self.db, self._data_dir, self._secrets)

    def page(
        self,
        actor: Actor,
        flt: AuditFilter,
        before_seq: int | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first, `limit` entries older than `before_seq`: a keyset page."""
        with self._reading(actor) as session:
            scope, ws_id = self._scope(session, actor, flt, Permission.AUDIT_READ)
            stmt = filtered(scope, flt, ws_id, descending=True).limit(limit)
            if before_seq is not None:
                stmt = stmt.where(AuditEventRow.seq < before_seq)
            try:
                return [to_entry(tuple(r)) for r in session.execute(stmt)]
            except OperationalError as exc:
                if exc.orig is None or not undecodable(exc.orig):
                    raise
        with self.db.read() as session:
            raise text_damaged(first_undecodable(session.connection(), stmt))

    def verify(self, actor: Actor, ctx: JobContext | None = None) -> VerifyResult:
        """Walk the chain, then check it against the newest signed checkpoint; an intact trail
        is then signed afresh where the secret store opens without a password."""
        from penguin_desktop.core.audit.anchor import TrailDamaged

        self._require_org_audited(actor, Permission.AUDIT_VERIFY, "audit-chain")
        damage: TrailDamaged | None = None
        try:
            witnessed = self.anchor.newest(actor)
        except TrailDamaged as found:
            witnessed, damage = None, found
        with self.db.read() as session:
            # One snapshot for the head, every row and the checkpoint's entry, so appends by
            # other laptops during a long walk are not mistaken for tampering (SQLite read
            # transactions already are).
            options = (
                {"isolation_level": "REPEATABLE READ"} if self.db.dialect == "postgresql" else {}
            )
            conn = session.connection(execution_options=options)
            result = verify_chain(conn, ctx)
            if result.ok:
                result = self.anchor.judge(conn, result, witnessed, damage)
        if result.ok:
            self.anchor.checkpoint_quietly(actor, create=True)
        return result

    def checkpoint(self, actor: Actor) -> Checkpoint:
        """Sign the chain's head now and keep the checkpoint outside the database. May ask for
        the secrets file's master password, unlike the automatic checkpoints."""
        self._require_org_audited(actor, Permission.AUDIT_VERIFY, "audit-checkpoint")
        return self.anchor.checkpoint(actor, ask=True)

    def checkpoint_quietly(self) -> None:
        """The checkpoint due every so many entries, signed by the program on its own."""
        self.anchor.checkpoint_quietly()

    def public_key(self, actor: Actor) -> str:
        """The key that checks the trail's checkpoints. Public by design (reports print it), so
        anyone signed in may read it."""
        from penguin_desktop.core.audit.anchor import PUBLIC_KEY

        with self.db.read() as session:
            key = session.get(MetaRow, PUBLIC_KEY)
        if key is None:
            raise NotFoundError(
                "the audit trail has no signing key yet: the first checkpoint makes it",
                remedy=Remedy("audit.checkpoint"),
            )
        return key.value

    def export(
        self,
        actor: Actor,
        fmt: ExportFormat,
        out: Path,
        flt: AuditFilter,
        ctx: JobContext | None = None,
    ) -> ExportResult:
        """Write a report of the events the actor may export, with the newest signed checkpoint
        (signed afresh where the store opens without a password); the export is audited."""
        with self._reading(actor) as session:
            self._scope(session, actor, flt, Permission.AUDIT_EXPORT)
        signed, unsigned_reason = self._signed_head(actor)
        with self._reading(actor) as session:
            scope, ws_id = self._scope(session, actor, flt, Permission.AUDIT_EXPORT)
            stmt = filtered(scope, flt, ws_id)
            head_seq, head_hash = read_head(session)
            org = session.execute(select(OrganizationRow.name)).scalar_one()
            expected = session.execute(
                select(func.count()).select_from(stmt.order_by(None).subquery())
            ).scalar_one()
            header = ReportHeader(
                title="Audit report",
                organization=org,
                generated_at=iso_now(),
                generated_by=actor.email,
                filters=flt.describe(),
                head_seq=head_seq,
                head_hash=head_hash,
                expected_rows=expected,
                signed=signed,
                unsigned_reason=unsigned_reason,
            )
            if fmt is ExportFormat.CSV:  # the CSV writer takes bytes as they are stored
                stmt = text_as_bytes(stmt, self.db.dialect)
            with closing(_batches(session, stmt)) as rows:
                written = _writer(fmt)(out, header, rows, ctx)
        beside = write_signed_head(out, header) if fmt is ExportFormat.CSV else None
        summary: dict[str, Any] = {"format": fmt.value, "rows": written}
        summary["filters"] = dict(flt.describe())
        if signed is not None:
            summary["signed_seq"] = signed.seq
        with self.db.write() as session:
            self._audit(session, actor, "audit.export", f"file:{out.name}", **summary)
        return ExportResult(
            str(out),
            fmt.value,
            written,
            head_hash,
            flt.describe(),
            signed,
            str(beside) if beside else None,
        )

    def _signed_head(self, actor: Actor) -> tuple[Checkpoint | None, str]:
        """The checkpoint a report carries: the head signed now where possible, else the newest
        one; none when the checkpoints are damaged (verification says how). Beside it, why
        there is none, for the report to say."""
        from penguin_desktop.core.audit.anchor import TrailDamaged

        fresh = self.anchor.checkpoint_quietly(actor, create=True)
        if fresh is not None:
            return fresh, ""
        try:
            witnessed = self.anchor.newest(actor)
        except TrailDamaged as damage:
            log.warning("the report carries no signed head: %s", damage.message)
            return None, (
                f"the signed checkpoints contradict the trail ({damage.message}); run the "
                "chain's verification to see where"
            )
        if witnessed is None:
            return None, "the trail's signing key was not available when it was made"
        return witnessed.checkpoint, ""

    def head(self, actor: Actor) -> tuple[int, str]:
        with self.db.read() as session:
            return read_head(session)

    def _require_org_audited(self, actor: Actor, permission: Permission, target: str) -> None:
        with self._reading(actor):
            self._require_org(actor, permission, target)

    def _scope(
        self, session: Session, actor: Actor, flt: AuditFilter, permission: Permission
    ) -> tuple[Scope, int | None]:
        """Which events the actor may read for `permission`, and the filtered workspace's id."""
        if flt.workspace:
            ws, _ = self._workspace(session, actor, flt.workspace, permission)
            return Scope(everything=False, workspace_ids=frozenset({ws.id})), ws.id
        if actor.org_role is Role.OWNER:
            return Scope(everything=True), None
        memberships = session.execute(
            select(MembershipRow.workspace_id, MembershipRow.role).where(
                MembershipRow.user_id == actor.user_id
            )
        ).all()
        ids = frozenset(ws for ws, role in memberships if allows(Role(role), permission))
        organization = allows(actor.org_role, Permission.AUDIT_ORGANIZATION)
        if not ids and not organization:
            raise PermissionDenied(
                "permission denied: none of your roles allows reading audit events",
                action=permission.value,
                target="audit",
            )
        return Scope(everything=False, workspace_ids=ids, organization=organization), None


def _batches(session: Session, stmt: Any) -> Generator[Sequence[Sequence[Any]]]:
    """The export's rows as plain tuples, BATCH at a time, in the session's transaction."""
    yield from stream_rows(session.connection(), stmt, BATCH)
