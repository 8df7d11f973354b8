"""A consistent copy of the workspace database as one SQLite file, and what it holds.

SQLite is copied with its online backup API, which sees one committed state however busy the
live file is. PostgreSQL's rows are read in one REPEATABLE READ transaction through the tables
of the one metadata and written into a fresh SQLite file migrated to the same schema: a
portable snapshot, so a backup always restores as a SQLite data folder.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Table, delete, insert, select, update

import penguin_desktop.core.platform.store.migrations.env_tables  # noqa: F401  (every table)
from penguin_desktop.core.platform.store.database import Database, open_database
from penguin_desktop.core.platform.store.engine import sqlite_path
from penguin_desktop.core.platform.store.tables import AuditHeadRow, Base

_BATCH = 5_000


@dataclass(frozen=True)
class Contents:
    """What a snapshot holds: the schema revision, rows per table and the audit chain's end
    (head seq and hash as the head row records them, and the last event's)."""

    revision: str | None
    counts: dict[str, int]
    audit_head: dict[str, object]


def copy_database(db: Database, target: Path) -> None:
    """Write a consistent snapshot of `db` to the new SQLite file `target`."""
    live = sqlite_path(db.engine.url)
    if live is None:
        _copy_server(db, target)
        return
    source = sqlite3.connect(live)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def _copy_server(db: Database, target: Path) -> None:
    """PostgreSQL's rows, read in one snapshot, into a SQLite file migrated to the schema."""
    copy = open_database(f"sqlite:///{target}")
    try:
        with (
            db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as src,
            copy.engine.begin() as out,
        ):
            _copy_rows(src, out)
    finally:
        copy.close()


def _copy_rows(src: Connection, dest: Connection) -> None:
    """Every table's rows from `src` into the migrated, otherwise empty `dest`, whose own first
    rows (the meta) are replaced by the source's. The audit head, which the append-only
    triggers keep from being deleted or rewound, is moved forward to the source's instead."""
    head: Table = AuditHeadRow.__table__  # type: ignore[assignment]
    tables = [t for t in Base.metadata.sorted_tables if t is not head]
    for table in reversed(tables):
        dest.execute(delete(table))
    with src.begin():
        for table in tables:
            result = src.execution_options(stream_results=True).execute(select(table))
            while rows := result.mappings().fetchmany(_BATCH):
                dest.execute(insert(table), [dict(row) for row in rows])
        seq, chain_hash = src.execute(select(head.c.seq, head.c.hash)).one()
    if seq > 0:
        dest.execute(update(head).where(head.c.id == 1).values(seq=seq, hash=chain_hash))


def contents(path: Path) -> Contents:
    """Read a snapshot file (read-only: checking a backup changes nothing in it)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        revision = None
        if "alembic_version" in names:
            found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        head: dict[str, object] = {}
        if "audit_head" in names:
            row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            last = conn.execute(
                "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            head = {
                "head_seq": row[0] if row else None,
                "head_hash": row[1] if row else None,
                "last_event_seq": last[0] if last else None,
                "last_event_hash": last[1] if last else None,
            }
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"the database snapshot does not open: {exc}") from None
    finally:
        conn.close()
    return Contents(revision, counts, head)
