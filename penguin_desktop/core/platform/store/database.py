"""Opening the workspace database: identify it, upgrade it, hand out short transactions.

Each unit of work gets its own Session, so jobs on other threads never share one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, inspect, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.errors import (
    DatabaseError,
    ExternalServiceError,
    NotInitializedError,
    Remedy,
)
from penguin_desktop.core.platform.quotas import Quotas
from penguin_desktop.core.platform.store import schema
from penguin_desktop.core.platform.store.engine import (
    WRITE_OPTION,
    make_engine,
    normalize_url,
    prepare_sqlite_file,
    sqlite_path,
)
from penguin_desktop.core.platform.store.tables import AuditHeadRow, MetaRow

APPLICATION_ID = "penguin-desktop"
GENESIS_HASH = "0" * 64
# Set in a write session's `info` by the audit trail when the chain's head is due to be signed.
CHECKPOINT_DUE = "penguin_audit_checkpoint_due"


class Database:
    """The engine plus the two kinds of transaction the services use."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        # Called after a write that made the audit head due for a signed checkpoint, once the
        # write has committed: signing reaches the secret store, which must not happen inside
        # the transaction every writer queues on. Must not raise.
        self.on_checkpoint_due: Callable[[], None] | None = None
        # The limits creating a domain or a mailbox asks about (billing registers its plans'
        # guard here; see core.platform.quotas).
        self.quotas = Quotas()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def where(self) -> str:
        """The SQLite file, or the PostgreSQL server and database, in words: never a password
        (what the About dialog shows and a support message quotes)."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite":
            return f"SQLite file {url.database}"
        host = f"{url.host or 'localhost'}:{url.port or 5432}"
        user = f"{url.username}@" if url.username else ""
        return f"PostgreSQL {user}{host}, database {url.database}"

    def schema_revision(self) -> str | None:
        from penguin_desktop.core.platform.store import schema

        with self.engine.connect() as connection:
            return schema.current_revision(connection)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One atomic write transaction: commits on success, rolls back on any error."""
        with _in_words(self.engine), Session(self._write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session
            due = session.info.pop(CHECKPOINT_DUE, False)
        if due and self.on_checkpoint_due is not None:
            self.on_checkpoint_due()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with (
            _in_words(self.engine),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def _in_words(engine: Engine) -> Iterator[None]:
    """A database that fails under a running transaction (a damaged or unreadable file, a
    server gone) says so in one sentence: the driver's own words, never the SQL statement or
    its parameters, which SQLAlchemy's messages carry. Constraint violations stay as they are
    for the services that catch them."""
    try:
        yield
    except IntegrityError:
        raise
    except SADatabaseError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else "failed"
        if engine.dialect.name != "sqlite" and isinstance(exc, OperationalError):
            raise ExternalServiceError(f"PostgreSQL failed: {reason}") from None
        raise DatabaseError(
            f"the workspace database refused or failed: {reason}; if it is damaged, restore "
            "it from a backup"
        ) from None


def _describe(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _backup_sqlite(path: Path, revision: str | None) -> Path:
    """Copy the live database with SQLite's online backup before an upgrade touches it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.bak-{revision or 'none'}-{stamp}")
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    target.chmod(0o600)
    return target


def _check_identity(engine: Engine, url: URL) -> str | None:
    """Refuse databases that are not ours or are newer than this code; return the revision."""
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if not tables:
            return None
        if "penguin_meta" not in tables or "alembic_version" not in tables:
            raise DatabaseError(
                f"{_describe(url)} is not a PenguinMails workspace database "
                "(it holds other tables); choose another data folder or database",
                field="data_dir",
            )
        app = conn.execute(
            select(MetaRow.value).where(MetaRow.key == "application")
        ).scalar_one_or_none()
        if app != APPLICATION_ID:
            raise DatabaseError(f"{_describe(url)} is not a PenguinMails workspace database")
        revision = schema.current_revision(conn)
    if revision not in (None, schema.SCHEMA_HEAD) and revision not in schema.known_revisions():
        raise DatabaseError(
            f"{_describe(url)} was written by a newer PenguinMails Desktop (schema {revision}); "
            "upgrade the program before opening it"
        )
    return revision


def _upgrade(engine: Engine, url: URL, revision: str | None) -> None:
    if revision == schema.SCHEMA_HEAD:
        return
    path = sqlite_path(url)
    if path is not None and revision is not None:
        _backup_sqlite(path, revision)
    with engine.begin() as conn:
        schema.upgrade(conn)
        if revision is None:
            conn.execute(insert(MetaRow).values(key="application", value=APPLICATION_ID))
            conn.execute(insert(AuditHeadRow).values(id=1, seq=0, hash=GENESIS_HASH))


def open_database(raw_url: str, *, create: bool = True) -> Database:
    """Open (upgrading as needed) the workspace database at `raw_url`. A missing SQLite file is
    created only when `create` says this is the first run: elsewhere a workspace that vanished
    is reported, not silently replaced by an empty one."""
    url = normalize_url(raw_url)
    path = sqlite_path(url)
    if path is not None:
        if not create and not path.exists():
            raise NotInitializedError(
                f"no workspace database at {path} yet: initialize one first",
                remedy=Remedy("init"),
            )
        prepare_sqlite_file(path)
    engine = make_engine(url)
    try:
        revision = _check_identity(engine, url)
        _upgrade(engine, url, revision)
    except OperationalError as exc:
        engine.dispose()
        if url.get_backend_name() == "sqlite":
            raise DatabaseError(f"cannot open {_describe(url)}: {exc.orig}") from None
        raise ExternalServiceError(
            f"cannot reach PostgreSQL at {url.host}:{url.port or 5432}: "
            f"{str(exc.orig).strip().splitlines()[0]}"
        ) from None
    except SADatabaseError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot use {_describe(url)}: {exc.orig}") from None
    except BaseException:
        engine.dispose()
        raise
    return Database(engine)
