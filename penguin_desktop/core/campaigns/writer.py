"""New leads written in chunks through the driver's executemany on the session's own DBAPI
connection, inside the import's transaction: no ORM object per row, no SQLAlchemy statement
per chunk. On SQLite the connection's page cache is raised for the import (the unique
(workspace, email) index takes random inserts; with the default 2 MB it rereads pages) and put
back after. (A writer thread overlapping the checks was tried: the GIL handed back and forth
made the import no faster; a large file's checks run in a child process instead.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from penguin_desktop.core.campaigns import fields

COLUMNS = ("workspace_id", *fields.FIELDS, "custom_json")
IMPORT_CACHE_KIB = 256 * 1024


class LeadWriter:
    def __init__(self, conn: Connection) -> None:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO leads ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"
        )
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        self.cursor = dbapi.cursor()
        self.sqlite = conn.dialect.name == "sqlite"
        if self.sqlite:
            (self.cache_size,) = self.cursor.execute("PRAGMA cache_size").fetchone()
            self.cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
        self.written = 0

    def put(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.cursor.executemany(self.sql, rows)
            self.written += len(rows)

    def close(self) -> int:
        """The number of leads written."""
        if self.sqlite:
            self.cursor.execute(f"PRAGMA cache_size = {self.cache_size}")
        self.cursor.close()
        return self.written
