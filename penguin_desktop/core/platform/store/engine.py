"""Engines for SQLite (WAL, busy timeout, foreign keys, private file) and PostgreSQL.

SQLite write transactions start with BEGIN IMMEDIATE: a deferred transaction that reads first
and writes later can fail with SQLITE_BUSY that no busy timeout retries, and the audit chain
needs its writers queued, not failed.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from penguin_desktop.core.platform.errors import DatabaseError, ValidationError

WRITE_OPTION = "penguin_write"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000


def normalize_url(raw: str) -> URL:
    """Accept the URLs users paste (postgres://, postgresql://) and pick our drivers."""
    try:
        url = make_url(raw)
    except Exception as exc:
        raise ValidationError(f"not a database URL: {raw!r}") from exc
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url.set(drivername="sqlite")
    raise ValidationError(
        f"unsupported database {backend!r}: use a SQLite file or postgresql+psycopg://"
    )


def sqlite_path(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def prepare_sqlite_file(path: Path) -> None:
    """Create the file private (0600) before SQLite does, and refuse files that are not SQLite."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path} is a directory, not a workspace database")
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_HEADER))
        if not header:
            raise DatabaseError(
                f"{path} is empty: the workspace database was truncated or never finished; "
                "restore it from a backup, or move it away to start a new one"
            )
        if header != SQLITE_HEADER:
            raise DatabaseError(f"{path} is not a PenguinMails workspace database (not SQLite)")
        return
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy's "begin" event decide how each transaction starts.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _on_sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    kwargs: dict[str, Any] = {"future": True}
    if backend == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["connect_args"] = {"connect_timeout": 5, "application_name": "penguin-desktop"}
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine
