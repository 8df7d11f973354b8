"""Reading, verifying and exporting the audit trail, scoped to what the actor may see."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from penguin_desktop.core.audit.export import (
    BATCH,
    ExportFormat,
    ReportHeader,
    Writer,
    write_csv,
    write_json,
)
from penguin_desktop.core.audit.models import AuditEntry, AuditFilter, ExportResult, VerifyResult
from penguin_desktop.core.audit.query import (
    Scope,
    filtered,
    stream_rows,
    text_as_bytes,
    to_entry,
)
from penguin_desktop.core.audit.verify import verify_chain
from penguin_desktop.core.platform.audit.trail import iso_now
from penguin_desktop.core.platform.errors import PermissionDenied
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.permissions import Permission, allows
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import (
    AuditEventRow,
    AuditHeadRow,
    MembershipRow,
    OrganizationRow,
)


def _writer(fmt: ExportFormat) -> Writer:
    """The writer for `fmt`; reportlab is imported only when a PDF is asked for (~0.1 s)."""
    if fmt is ExportFormat.PDF:
        from penguin_desktop.core.audit.pdf_report import write_pdf

        return write_pdf
    return write_csv if fmt is ExportFormat.CSV else write_json


class AuditService(Service):
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
            return [to_entry(tuple(r)) for r in session.execute(stmt)]

    def verify(self, actor: Actor, ctx: JobContext | None = None) -> VerifyResult:
        self._require_org_audited(actor, Permission.AUDIT_VERIFY, "audit-chain")
        with self.db.read() as session:
            # One snapshot for the head and every row, so appends by other laptops during a
            # long walk are not mistaken for tampering (SQLite read transactions already are).
            options = (
                {"isolation_level": "REPEATABLE READ"} if self.db.dialect == "postgresql" else {}
            )
            return verify_chain(session.connection(execution_options=options), ctx)

    def export(
        self,
        actor: Actor,
        fmt: ExportFormat,
        out: Path,
        flt: AuditFilter,
        ctx: JobContext | None = None,
    ) -> ExportResult:
        """Write a report of the events the actor may export; the export itself is audited."""
        with self._reading(actor) as session:
            scope, ws_id = self._scope(session, actor, flt, Permission.AUDIT_EXPORT)
            stmt = filtered(scope, flt, ws_id)
            head = session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash)).one()
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
                head_seq=head.seq,
                head_hash=head.hash,
                expected_rows=expected,
            )
            if fmt is ExportFormat.CSV:  # the CSV writer takes bytes as they are stored
                stmt = text_as_bytes(stmt, self.db.dialect)
            with closing(_batches(session, stmt)) as rows:
                written = _writer(fmt)(out, header, rows, ctx)
        with self.db.write() as session:
            self._audit(
                session,
                actor,
                "audit.export",
                f"file:{out.name}",
                format=fmt.value,
                rows=written,
                filters=dict(flt.describe()),
            )
        return ExportResult(str(out), fmt.value, written, head.hash, flt.describe())

    def head(self, actor: Actor) -> tuple[int, str]:
        with self.db.read() as session:
            row = session.execute(select(AuditHeadRow.seq, AuditHeadRow.hash)).one()
            return int(row.seq), str(row.hash)

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
