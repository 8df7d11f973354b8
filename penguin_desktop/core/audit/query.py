"""Filtered, scoped selects over the audit trail, shared by list, page and export.

Rows carry every field an entry's hash covers (`workspace_id` last, after the columns people
read), so a report's reader can recompute each hash offline.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    LargeBinary,
    Select,
    and_,
    cast,
    or_,
    select,
)

from penguin_desktop.core.audit.models import AuditEntry, AuditFilter
from penguin_desktop.core.audit.verify import undecodable
from penguin_desktop.core.platform.errors import DatabaseError, Remedy
from penguin_desktop.core.platform.store.tables import AuditEventRow

COLUMNS = (
    AuditEventRow.seq,
    AuditEventRow.ts,
    AuditEventRow.actor,
    AuditEventRow.face,
    AuditEventRow.workspace,
    AuditEventRow.action,
    AuditEventRow.target,
    AuditEventRow.outcome,
    AuditEventRow.summary,
    AuditEventRow.prev_hash,
    AuditEventRow.hash,
    AuditEventRow.workspace_id,
)
HEADERS = tuple(c.key for c in COLUMNS)
_ENTRY_FIELDS = 11  # the columns an AuditEntry holds, in order


@dataclass(frozen=True)
class Scope:
    """Which events an actor may read: all of them, or these workspaces (and maybe org-level)."""

    everything: bool
    workspace_ids: frozenset[int] = frozenset()
    organization: bool = False


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def filtered(
    scope: Scope, flt: AuditFilter, workspace_id: int | None = None, descending: bool = False
) -> Select[*tuple[Any, ...]]:
    stmt = select(*COLUMNS)
    if not scope.everything:
        visible: ColumnElement[bool] = AuditEventRow.workspace_id.in_(sorted(scope.workspace_ids))
        if scope.organization:
            visible = or_(visible, AuditEventRow.workspace_id.is_(None))
        stmt = stmt.where(visible)
    conditions = []
    if workspace_id is not None:
        conditions.append(AuditEventRow.workspace_id == workspace_id)
    if flt.actor:
        conditions.append(AuditEventRow.actor == flt.actor.strip().lower())
    if flt.action:
        action = flt.action.strip()
        if action.endswith("*") or action.endswith("."):
            conditions.append(AuditEventRow.action.startswith(action.rstrip("*")))
        else:
            conditions.append(AuditEventRow.action == action)
    if flt.since:
        conditions.append(AuditEventRow.ts >= _iso(flt.since))
    if flt.until:
        conditions.append(AuditEventRow.ts < _iso(flt.until))
    if conditions:
        stmt = stmt.where(and_(*conditions))
    order = AuditEventRow.seq.desc() if descending else AuditEventRow.seq.asc()
    return stmt.order_by(order)


def text_as_bytes(stmt: Select[*tuple[Any, ...]], dialect: str) -> Select[*tuple[Any, ...]]:
    """`stmt` (a `filtered` select) with every column as UTF-8 bytes, on SQLite.

    For writers that write bytes anyway: rows skip decoding on the way out and encoding on the
    way into the file. CAST(text AS BLOB) is free in SQLite, and an integer becomes its decimal
    digits. Other databases get `stmt` unchanged.
    """
    if dialect != "sqlite":
        return stmt
    return stmt.with_only_columns(
        *(cast(c, LargeBinary).label(c.key) for c in COLUMNS), maintain_column_froms=True
    )


def to_entry(row: tuple[object, ...]) -> AuditEntry:
    return AuditEntry(*row[:_ENTRY_FIELDS])  # type: ignore[arg-type]


def text_damaged(seq: object) -> DatabaseError:
    """The error for an entry whose stored text is not UTF-8: listing or exporting it would
    mean guessing what it said, so the entry is named for verification instead."""
    return DatabaseError(
        f"the audit trail is damaged: entry {seq} holds text that is not valid UTF-8 "
        "(it was edited by hand)",
        remedy=Remedy("audit.verify"),
    )


def first_undecodable(conn: Connection, stmt: Select[*tuple[Any, ...]]) -> object:
    """The seq of the first row of `stmt` (which selects seq first) holding text that is not
    UTF-8, read again with such text as bytes; None when none does. SQLite only."""
    dbapi_conn: Any = conn.connection.dbapi_connection
    sql, params = _compiled(conn, stmt)
    previous, dbapi_conn.text_factory = dbapi_conn.text_factory, bytes
    cursor = dbapi_conn.cursor()
    try:
        for row in cursor.execute(sql, params):
            if any(isinstance(v, bytes) and not _utf8(v) for v in row):
                return row[0]
    finally:
        cursor.close()
        dbapi_conn.text_factory = previous
    return None


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def _compiled(conn: Connection, stmt: Select[*tuple[Any, ...]]) -> tuple[str, Any]:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    return str(compiled), params


def stream_rows(
    conn: Connection, stmt: Select[*tuple[Any, ...]], chunk: int
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `stmt` as plain tuples, `chunk` at a time, straight off the DB-API cursor.

    Skips SQLAlchemy's per-row result processing, which costs more than the database itself on
    a million rows; the selected columns need none (text and integers). PostgreSQL gets a
    server-side cursor so a large result never sits in memory; SQLite's cursor steps through
    the table anyway. Runs in `conn`'s transaction, so it sees the same snapshot. Text that is
    not UTF-8 (SQLite only) is refused as damage, naming its entry.
    """
    sql, params = _compiled(conn, stmt)
    dbapi_conn: Any = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi_conn.cursor(name=f"penguin_rows_{uuid.uuid4().hex}")
        cursor.itersize = chunk
    else:
        cursor = dbapi_conn.cursor()
    try:
        cursor.arraysize = chunk
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows
    except sqlite3.OperationalError as exc:
        if not undecodable(exc):
            raise
        cursor.close()
        raise text_damaged(first_undecodable(conn, stmt)) from None
    finally:
        cursor.close()
