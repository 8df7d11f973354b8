"""The leads' door: import a CSV file into a list, read and export segments, erase a lead.

An import is one transaction and one audit event with its counts (never one per lead). New
leads go to the database through the driver's executemany in chunks, not one ORM object per
row: a million rows must import in seconds. Leads already in the workspace are not changed,
only added to the list."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, delete, func, or_, select, update

from penguin_desktop.core.campaigns import csvfile, emails, fields, import_loop, importer, segments
from penguin_desktop.core.campaigns import suppression as supp
from penguin_desktop.core.campaigns.compliance import consent_countries
from penguin_desktop.core.campaigns.models import (
    ErasureResult,
    ImportPreview,
    ImportReport,
    Lead,
    SuppressionKind,
    SuppressionReason,
)
from penguin_desktop.core.campaigns.tables import (
    LeadListMemberRow,
    LeadListRow,
    LeadRow,
    SuppressionRow,
)
from penguin_desktop.core.campaigns.writer import LeadWriter
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.names import name_key
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import WorkspaceRow

PAGE = 2000
CHUNK = import_loop.CHUNK


def rejects_path(source: Path) -> Path:
    """Where the rejected rows of `source` go unless told otherwise: beside it."""
    return source.with_name(source.name + ".rejected.csv")


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


class LeadService(Service):
    # A file this large (decoded, in characters) is checked by a child process.
    in_child_from = import_loop.IN_CHILD_FROM_BYTES

    def preview(self, path: Path, mapping: Mapping[str, str] | None = None) -> ImportPreview:
        """What an import would read: encoding, delimiter, each column's field, 5 rows."""
        text = csvfile.open_csv(path)
        rows = import_loop.records(text)
        _, header = next(rows, (0, []))
        targets = importer.mapping_for(header, mapping or {})
        sample = []
        for _, cells in rows:
            sample.append({t: c for t, c in zip(targets, cells, strict=False) if t is not None})
            if len(sample) == 5:
                break
        shown = {h: t or "" for h, t in zip(header, targets, strict=True)}
        return ImportPreview(text.encoding, text.delimiter, shown, sample)

    def import_file(
        self,
        actor: Actor,
        workspace: str,
        list_name: str,
        path: Path,
        mapping: Mapping[str, str] | None = None,
        rejects: Path | None = None,
    ) -> ImportReport:
        """Import the leads of a CSV file into a list of the workspace (made if new)."""
        label = " ".join(list_name.split())
        if not label or len(label) > 128:
            raise ValidationError("a list needs a name of 1 to 128 characters", field="list")
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.LEAD_MANAGE, writable=True
            )
            text = csvfile.open_csv(path)
            rows = import_loop.records(text)
            _, header = next(rows, (0, []))
            targets = importer.mapping_for(header, mapping or {})
            lst = self._list(session, ws.id, label, create=True)
            assert lst is not None
            conn = session.connection()
            job = import_loop.CheckJob(
                path, list(header), targets, ws.id, supp.blocklist(session, ws.id),
                dict(iter(session.execute(
                    select(LeadRow.email, LeadRow.id).where(LeadRow.workspace_id == ws.id)
                ))),
                set(session.execute(
                    select(LeadListMemberRow.lead_id).where(LeadListMemberRow.list_id == lst.id)
                ).scalars()),
                consent_countries(session), rejects or rejects_path(path), rejects is None,
                want_seen=conn.dialect.name != "sqlite",
            )  # fmt: skip
            before = session.execute(select(func.max(LeadRow.id))).scalar() or 0
            writer = LeadWriter(conn)
            try:
                if len(text.text) >= self.in_child_from:
                    outcome = import_loop.check_in_child(job, writer)
                else:
                    outcome = import_loop.check_here(rows, job, writer)
            finally:
                created = writer.close()
            self._add_to_list(conn, lst.id, ws.id, before, job, outcome)
            count, needing, reasons = outcome.count, outcome.needing, outcome.reasons
            rejects_file = outcome.rejects_file
            kinds = importer.kinds(reasons)
            report = ImportReport(
                ws.name, lst.name, count, created + len(outcome.existing_ids),
                kinds[importer.DUPLICATE], kinds[importer.INVALID], kinds[importer.SUPPRESSED],
                len(outcome.existing_ids), needing, dict(sorted(reasons.items())), rejects_file,
                text.encoding, text.delimiter,
            )  # fmt: skip
            self._audit(session, actor, "lead.import", f"list:{lst.name}", ws, file=path.name,
                        rows=count, imported=report.imported, duplicates=report.duplicates,
                        invalid=report.invalid, suppressed=report.suppressed,
                        existing=report.existing)  # fmt: skip
            return report

    @staticmethod
    def _add_to_list(
        conn: Connection,
        list_id: int,
        ws_id: int,
        before: int,
        job: import_loop.CheckJob,
        outcome: import_loop.CheckOutcome,
    ) -> None:
        """The new leads (ids above `before` whose address this file brought) and the
        workspace's leads the file named, onto the list."""
        mark = _placeholder(conn)
        if conn.dialect.name == "sqlite":
            # SQLite runs one writer at a time: the workspace's leads above `before` are this
            # import's, and the database copies them onto the list itself, in id order (the
            # `+` keeps it off the (workspace, email) index, whose order would scatter the
            # inserts into the list's indexes: 1.6 s instead of 0.5 for a million leads).
            conn.exec_driver_sql(
                "INSERT INTO lead_list_members (list_id, lead_id) SELECT ?, id FROM leads "
                "WHERE +workspace_id = ? AND id > ? ORDER BY id",
                (list_id, ws_id, before),
            )
            ids = list(outcome.existing_ids)
        else:
            fresh = conn.execute(
                select(LeadRow.id, LeadRow.email).where(
                    LeadRow.workspace_id == ws_id, LeadRow.id > before
                )
            )
            ids = [i for i, email in fresh if email in outcome.seen and email not in job.existing]
            ids += outcome.existing_ids
        for start in range(0, len(ids), CHUNK * 4):
            conn.exec_driver_sql(
                f"INSERT INTO lead_list_members (list_id, lead_id) VALUES ({mark}, {mark})",
                [(list_id, i) for i in ids[start : start + CHUNK * 4]],
            )

    @staticmethod
    def _list(session: Any, ws_id: int, name: str, create: bool = False) -> LeadListRow | None:
        row = session.execute(
            select(LeadListRow).where(
                LeadListRow.workspace_id == ws_id, LeadListRow.name_key == name_key(name)
            )
        ).scalar_one_or_none()
        if row is None and create:
            row = LeadListRow(workspace_id=ws_id, name=name, name_key=name_key(name))
            session.add(row)
            session.flush()
        return row  # type: ignore[no-any-return]

    # --- reading -------------------------------------------------------------------------------
    def lists(self, actor: Actor, workspace: str) -> list[str]:
        """The names of the workspace's lead lists, by name: the console's list filter offers
        them (a list is made by its first import and has no other door)."""
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.LEAD_READ)
            names = session.execute(
                select(LeadListRow.name)
                .where(LeadListRow.workspace_id == ws.id)
                .order_by(LeadListRow.name_key)
            ).scalars()
            return list(names)

    def leads(
        self,
        actor: Actor,
        workspace: str | None = None,
        list_name: str | None = None,
        where: Sequence[str] = (),
        limit: int | None = None,
    ) -> list[Lead]:
        """The leads of the workspace (None: every one the actor may read) matching the
        filters, on the list when one is named, oldest first."""
        found: list[Lead] = []
        for page in self._pages(actor, workspace, list_name, where):
            found += page
            if limit is not None and len(found) >= limit:
                return found[:limit]
        return found

    def export(
        self,
        actor: Actor,
        out: Path,
        workspace: str | None = None,
        list_name: str | None = None,
        where: Sequence[str] = (),
    ) -> int:
        """Write the segment to a CSV file (lead fields, then every custom field seen)."""
        leads = self.leads(actor, workspace, list_name, where)
        custom = sorted({k for lead in leads for k in lead.custom})
        with out.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["workspace", *fields.FIELDS, *custom])
            for lead in leads:
                writer.writerow(
                    [
                        lead.workspace,
                        *(getattr(lead, f) or "" for f in fields.FIELDS),
                        *(lead.custom.get(k, "") for k in custom),
                    ]
                )
        with self._writing(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.LEAD_READ)
            for ws in spaces.values():
                self._audit(session, actor, "lead.export", f"file:{out.name}", ws,
                            leads=sum(1 for lead in leads if lead.workspace == ws.name),
                            list=list_name or "", filters=list(where))  # fmt: skip
        return len(leads)

    def _pages(
        self, actor: Actor, workspace: str | None, list_name: str | None, where: Sequence[str]
    ) -> Iterator[list[Lead]]:
        filters = segments.parse(where)
        conditions, custom = segments.split(filters)
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.LEAD_READ)
            query = select(LeadRow).where(LeadRow.workspace_id.in_(sorted(spaces)), *conditions)
            if list_name is not None:
                lists = [self._list(session, ws_id, list_name) for ws_id in spaces]
                ids = [row.id for row in lists if row is not None]
                if not ids:
                    raise NotFoundError(f"no list named {list_name.strip()!r}", field="list")
                query = query.join(
                    LeadListMemberRow, LeadListMemberRow.lead_id == LeadRow.id
                ).where(LeadListMemberRow.list_id.in_(ids))
            after = 0
            while True:
                batch = (
                    session.execute(
                        query.where(LeadRow.id > after).order_by(LeadRow.id).limit(PAGE)
                    )
                    .scalars()
                    .all()
                )
                if not batch:
                    return
                after = batch[-1].id
                page = []
                for row in batch:
                    extra = segments.custom_of(row)
                    if all(f.matches(extra) for f in custom):
                        page.append(row.as_lead(spaces[row.workspace_id].name, extra))
                yield page

    # --- erasure -------------------------------------------------------------------------------
    def erase(self, actor: Actor, workspace: str, email: str) -> ErasureResult:
        """GDPR erasure: the lead goes from the workspace and its lists, the address from the
        suppression lists; only its hash stays, suppressed, so a later import refuses it."""
        address = emails.normalize(email) or email.strip().lower()
        if "@" not in address:
            raise ValidationError(f"{email.strip()!r} is not an email address", field="email")
        digest = importer.address_hash(address)
        with self._writing(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.LEAD_ERASE, writable=True)
            lead_id = session.execute(
                select(LeadRow.id).where(LeadRow.workspace_id == ws.id, LeadRow.email == address)
            ).scalar_one_or_none()
            lists = 0
            if lead_id is not None:
                result = session.execute(
                    delete(LeadListMemberRow).where(LeadListMemberRow.lead_id == lead_id)
                )
                assert isinstance(result, CursorResult)
                lists = result.rowcount
                session.execute(delete(LeadRow).where(LeadRow.id == lead_id))
            self._hash_entries(session, ws, address, digest, actor)
            self._audit(session, actor, "lead.erase", f"lead:{digest[:16]}", ws,
                        sha256=digest, found=lead_id is not None, lists=lists)  # fmt: skip
            return ErasureResult(ws.name, lead_id is not None, digest, lists)

    @staticmethod
    def _hash_entries(
        session: Any, ws: WorkspaceRow, address: str, digest: str, actor: Actor
    ) -> None:
        """Every suppression of the address in clear (the workspace's, the agency's) becomes
        its hash; the workspace keeps one whatever happens."""
        session.execute(
            update(SuppressionRow)
            .where(
                SuppressionRow.kind == SuppressionKind.ADDRESS,
                SuppressionRow.value == address,
                or_(SuppressionRow.workspace_id == ws.id, SuppressionRow.workspace_id.is_(None)),
            )
            .values(kind=SuppressionKind.HASH.value, value=digest)
        )
        supp.record(
            session, ws.id, SuppressionKind.HASH, digest, SuppressionReason.ERASURE, actor.email
        )
