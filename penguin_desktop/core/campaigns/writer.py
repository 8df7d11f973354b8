"""New leads written in chunks through the driver's executemany on the session's own DBAPI
connection, inside the import's transaction: no ORM object per row, no SQLAlchemy statement
per chunk. (A writer thread overlapping the checks was tried: the GIL handed back and forth
made the import no faster, so the writes stay on the import's thread.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from penguin_desktop.core.campaigns import fields

COLUMNS = ("workspace_id", *fields.FIELDS, "custom_json")


class LeadWriter:
    def __init__(self, conn: Connection) -> None:
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO leads ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"
        )
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        self.cursor = dbapi.cursor()
        self.written = 0

    def put(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.cursor.executemany(self.sql, rows)
            self.written += len(rows)

    def close(self) -> int:
        """The number of leads written."""
        self.cursor.close()
        return self.written
