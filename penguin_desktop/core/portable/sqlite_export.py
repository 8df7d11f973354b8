"""A workspace's non-secret data as one plain SQLite file, for Datasette, sqlite-utils or a
spreadsheet tool: one table per kind of thing, named plainly, with its keys and links declared
and an `_about` table saying what each holds.

The tables are read through the metadata the migrations build (the one place that knows every
capability's tables), so this module names no capability's mappings and follows a new column
without a change. No secret reaches the file: the database holds none, and even the names by
which rows refer to secrets in the store (`password_secret`, a notifier's `secret`) are left
out, with the send ledger's `token` (the random half of a lead's unsubscribe link, enough to
unsubscribe them). The file is written beside its final place and renamed into it once complete,
so a failed or cancelled export leaves no half file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlalchemy import Boolean, Column, Float, Integer, RowMapping, Select, Table, select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.errors import Cancelled, ConflictError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store import schema
from penguin_desktop.core.platform.store.migrations import env_tables  # noqa: F401 (fills Base)
from penguin_desktop.core.platform.store.tables import (
    Base,
    MembershipRow,
    UserRow,
    WorkspaceRow,
    utcnow,
)

BATCH = 1000
# Columns kept out of every table: the workspace (the file holds one) and bookkeeping that only
# the program reads (case-folded names for uniqueness, the leads' custom fields as JSON, which
# `lead_custom_fields` holds as rows).
INTERNAL = frozenset({"workspace_id", "name_key", "custom_json"})


@dataclass(frozen=True)
class ExportInfo:
    """What an export wrote: the file, the workspace, the rows per table and the file's size."""

    path: Path
    workspace: str
    tables: dict[str, int]
    size: int


@dataclass(frozen=True)
class _Part:
    """One table of the file: `source` is the database table it copies; its rows are the
    workspace's own (`workspace_id`) or, with `within` (column, part), those whose column points
    at a row of that other part."""

    name: str
    source: str
    about: str
    within: tuple[str, str] | None = None


PARTS: tuple[_Part, ...] = (
    _Part("dns_providers", "dns_providers", "Where the workspace's DNS fixes are written."),
    _Part("servers", "servers", "Mail servers: address, pinned host key, status, last check."),
    _Part("domains", "sending_domains", "Sending domains and their last DNS check."),
    _Part("dkim_keys", "dkim_keys", "DKIM selectors and public keys.", ("domain_id", "domains")),
    _Part("mailboxes", "mailboxes", "Mailboxes on the workspace's MailU servers."),
    _Part("outside_mailboxes", "outside_mailboxes", "Mailboxes hosted elsewhere (SMTP/IMAP)."),
    _Part("sending_limits", "sending_limits", "How fast each mailbox may send; pauses."),
    _Part("sending_domain_limits", "sending_domain_limits", "Daily cap per sending domain."),
    _Part("leads", "leads", "Leads, one per address (searchable: leads_fts)."),
    _Part("lead_lists", "lead_lists", "Lists leads were imported into."),
    _Part(
        "lead_list_members", "lead_list_members", "Which lead is on which list.",
        ("list_id", "lead_lists"),
    ),
    _Part("suppressions", "suppressions", "Addresses, domains and erased addresses' hashes "
          "the workspace must not mail (agency-wide entries are not included)."),
    _Part("compliance", "compliance_settings", "Postal address and unsubscribe link."),
    _Part("campaigns", "campaigns", "Campaigns: list, sending window, limits, status."),
    _Part(
        "campaign_mailboxes", "campaign_mailboxes", "Mailboxes each campaign rotates over.",
        ("campaign_id", "campaigns"),
    ),
    _Part(
        "campaign_steps", "campaign_steps", "Each campaign's steps and their delays.",
        ("campaign_id", "campaigns"),
    ),
    _Part(
        "campaign_variants", "campaign_variants", "A/B variants of each step: subject, body.",
        ("step_id", "campaign_steps"),
    ),
    _Part(
        "campaign_leads", "campaign_leads", "Each lead's place in a campaign.",
        ("campaign_id", "campaigns"),
    ),
    _Part("campaign_sends", "campaign_sends", "The send ledger: every email, its status, "
          "replies, bounces, complaints and unsubscribes (without unsubscribe tokens)."),
    _Part(
        "campaign_holds", "campaign_holds", "How often sends were deferred or blocked, and why.",
        ("campaign_id", "campaigns"),
    ),
    _Part("inbox_cursors", "inbox_cursors", "Where the last read of each inbox ended."),
    _Part("monitor_checks", "monitor_checks", "Monitoring checks and their last result."),
    _Part(
        "monitor_results", "monitor_results", "Raw check results (the last 7 days).",
        ("check_id", "monitor_checks"),
    ),
    _Part(
        "monitor_rollups", "monitor_rollups", "Check results by hour and by day.",
        ("check_id", "monitor_checks"),
    ),
    _Part("alert_rules", "alert_rules", "The workspace's changes to the alert rules."),
    _Part("alerts", "alerts", "Alerts: open, acknowledged or resolved."),
    _Part("notifiers", "notifiers", "The workspace's own alert notifiers (no secrets)."),
    _Part(
        "notifier_deliveries", "notifier_deliveries", "Alert events owed to each notifier.",
        ("notifier_id", "notifiers"),
    ),
    _Part("feature_flags", "billing_flag_overrides", "Feature flags set for this workspace."),
)  # fmt: skip
BY_SOURCE = {part.source: part for part in PARTS}
BY_NAME = {part.name: part for part in PARTS}
EXTRA_ABOUT = {
    "lead_custom_fields": "The leads' own fields beyond the standard ones, one row each.",
    "members": "The workspace's members: email and role.",
}


def _kept(column: Column[Any]) -> bool:
    """Whether a column goes into the file: never a secret's name nor the unsubscribe token."""
    name = column.name
    return name not in INTERNAL and "secret" not in name and name != "token"


def _python_type(column: Column[Any]) -> type:
    kind = column.type
    if isinstance(kind, Boolean):
        return bool
    if isinstance(kind, Integer):
        return int
    if isinstance(kind, Float):
        return float
    return str  # text, and times as ISO 8601 text


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _app_version() -> str:
    try:
        return metadata.version("penguin-desktop")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


class SqliteExportService(Service):
    """`penguin workspace export --format sqlite`: anyone who may open the workspace may take
    its data with them, as a file other tools read."""

    def export(
        self, actor: Actor, workspace: str, out: Path, ctx: JobContext | None = None
    ) -> ExportInfo:
        ctx = ctx or JobContext()
        out = Path(out)
        if out.exists():
            raise ConflictError(f"{out} already exists; choose a new file name", field="out")
        if not out.parent.is_dir():
            raise ValidationError(f"there is no folder {out.parent}", field="out")
        part = out.with_name(f".{out.name}.part")
        part.unlink(missing_ok=True)
        try:
            with self._reading(actor) as session:
                ws, _ = self._workspace(session, actor, workspace, Permission.WORKSPACE_READ)
                name = ws.name
                counts = _write(session, ws, actor, part, ctx)
            with self._writing(actor) as session:
                ws, _ = self._workspace(session, actor, name, Permission.WORKSPACE_READ)
                if out.exists():
                    raise ConflictError(f"{out} already exists; choose a new file name")
                self._audit(
                    session, actor, "workspace.export", f"workspace:{name}", ws,
                    format="sqlite", file=out.name, tables=counts,
                )  # fmt: skip
                os.replace(part, out)
        finally:
            part.unlink(missing_ok=True)
        return ExportInfo(out, name, counts, out.stat().st_size)


def _write(
    session: Session, ws: WorkspaceRow, actor: Actor, path: Path, ctx: JobContext
) -> dict[str, int]:
    """Every table into the file at `path`; returns the rows written per table."""
    tables = Base.metadata.tables
    db = sqlite_utils.Database(path)
    counts: dict[str, int] = {}
    try:
        for index, part in enumerate(PARTS):
            if ctx.cancelled:
                raise Cancelled("the export was cancelled; no file was written")
            ctx.progress(index / (len(PARTS) + 2), f"Writing {part.name}")
            source = tables[part.source]
            columns = [c for c in source.columns if _kept(c)]
            rows = session.execute(
                _scoped(tables, part, ws.id).with_only_columns(*columns),
                execution_options={"yield_per": BATCH},
            )
            counts[part.name] = _copy(db, part.name, source, columns, rows.mappings())
        counts["lead_custom_fields"] = _custom_fields(db, session, tables["leads"], ws.id)
        counts["members"] = _members(db, session, ws.id)
        db.table("leads").enable_fts(["email", "first_name", "last_name", "company"])
        _about(db, session, ws, actor)
        ctx.progress(1.0, "Written")
    finally:
        db.close()
    return counts


def _scoped(tables: Mapping[str, Table], part: _Part, workspace_id: int) -> Select[Any]:
    """The part's rows of this workspace: its own, or those under a row of the part above."""
    source = tables[part.source]
    if part.within is None:
        return select(source).where(source.c.workspace_id == workspace_id)
    column, above = part.within
    parent = tables[BY_NAME[above].source]
    ids = _scoped(tables, BY_NAME[above], workspace_id).with_only_columns(parent.c.id)
    return select(source).where(source.c[column].in_(ids.scalar_subquery()))


def _copy(
    db: Any,
    name: str,
    source: Table,
    columns: list[Column[Any]],
    rows: Iterable[RowMapping],
) -> int:
    """Create the table with its types, key and links to the file's other tables, and fill it."""
    links = [
        (c.name, BY_SOURCE[fk.column.table.name].name, fk.column.name)
        for c in columns
        for fk in c.foreign_keys
        if fk.column.table.name in BY_SOURCE
    ]
    pk = [c.name for c in source.primary_key.columns if _kept(c)]
    table = db.table(name)
    table.create(
        {c.name: _python_type(c) for c in columns},
        pk=(pk[0] if len(pk) == 1 else tuple(pk)) if pk else None,
        foreign_keys=links,
        not_null=[c.name for c in columns if not c.nullable],
    )
    count = 0

    def plain() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield {key: _plain(value) for key, value in row.items()}

    table.insert_all(plain(), batch_size=BATCH)
    return count


def _custom_fields(db: Any, session: Session, leads: Table, workspace_id: int) -> int:
    """The leads' custom fields, kept as one JSON map per lead, as (lead, name, value) rows a
    spreadsheet or a facet can use."""
    rows = session.execute(
        select(leads.c.id, leads.c.custom_json).where(leads.c.workspace_id == workspace_id),
        execution_options={"yield_per": BATCH},
    )
    table = db.table("lead_custom_fields")
    table.create(
        {"lead_id": int, "name": str, "value": str},
        pk=("lead_id", "name"),
        foreign_keys=[("lead_id", "leads", "id")],
    )
    fields = [
        {"lead_id": lead_id, "name": key, "value": str(value)}
        for lead_id, custom in rows
        for key, value in json.loads(custom or "{}").items()
    ]
    table.insert_all(fields, batch_size=BATCH)
    return len(fields)


def _members(db: Any, session: Session, workspace_id: int) -> int:
    rows = [
        {"email": email, "role": role}
        for email, role in session.execute(
            select(UserRow.email, MembershipRow.role)
            .join(MembershipRow, MembershipRow.user_id == UserRow.id)
            .where(MembershipRow.workspace_id == workspace_id)
            .order_by(UserRow.email)
        )
    ]
    db.table("members").create({"email": str, "role": str}, pk="email")
    db.table("members").insert_all(rows)
    return len(rows)


def _about(db: Any, session: Session, ws: WorkspaceRow, actor: Actor) -> None:
    """What the file is and what each table holds, for whoever opens it without this program."""
    rows = [
        ("workspace", ws.name),
        ("exported_at", utcnow().isoformat()),
        ("exported_by", actor.email),
        ("app_version", _app_version()),
        ("schema_revision", schema.current_revision(session.connection()) or ""),
        ("times", "ISO 8601 in UTC; booleans are 1 or 0"),
    ]
    rows += [(f"table:{p.name}", p.about) for p in PARTS]
    rows += [(f"table:{name}", about) for name, about in EXTRA_ABOUT.items()]
    table = db.table("_about")
    table.create({"key": str, "value": str}, pk="key")
    table.insert_all({"key": key, "value": value} for key, value in rows)
