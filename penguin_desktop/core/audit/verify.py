"""Walking the chain and naming the first entry that breaks it.

Rows come straight off the DB-API cursor in small chunks (no per-row ORM or Row processing) and
are hashed by `chain.entry_hashes`. Checking entry i needs only entry i-1's stored hash, so a
long chain is split in two: a helper process walks the second half, starting from the stored
hash of the last entry of the first half, while this process walks the first half. The first
half's walk proves that boundary hash right, so the two verdicts combine into exactly what one
walk would say. Whenever the helper cannot run or fails, the rest is walked here instead.

This module is also the helper's entry point, so it imports nothing heavy at module level: the
helper starts in a tenth of a second, with only the standard library, this package's small
modules and the database driver.

Slightly over the ~400-line habit: the chain walk, its helper process and the checkpoint
comparison share the row decoding that names a damaged entry.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from penguin_desktop.core.audit.models import VerifyResult
from penguin_desktop.core.platform.audit.chain import CHAINED_COLUMNS, entry_hash, entry_hashes
from penguin_desktop.core.platform.errors import Cancelled
from penguin_desktop.core.platform.jobs import JobContext

if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger(__name__)

CHUNK = 500  # rows per fetch: small enough for the rows to stay in the CPU cache while hashed
PROGRESS_STEP = 10_000  # entries between progress reports (cancellation is checked every chunk)
PARALLEL_MIN = 100_000  # chains shorter than this are walked in one process
_SELECT = f"SELECT {', '.join(CHAINED_COLUMNS)}, hash FROM audit_events"
_SEQ, _PREV, _HASH = 0, 10, 11
_HELPER = (
    "import json, sys\n"
    "config = json.loads(sys.stdin.readline())\n"
    "sys.path[:0] = config['sys_path']\n"
    "from penguin_desktop.core.audit.verify import helper_main\n"
    "helper_main(config)\n"
)


def _chunks(dbapi_conn: Any, dialect: str, where: str, params: Sequence[Any]) -> Iterator[Any]:
    """Rows `WHERE <where> ORDER BY seq`, CHUNK at a time; `where` uses `?` placeholders.

    PostgreSQL gets a server-side cursor so the table never sits in memory; SQLite's cursor
    steps through the table anyway. SQLite text that is not UTF-8 (only a hand edit stores it)
    fails the fetch; the rows from there are fetched again with such text as bytes, so the walk
    reaches that entry and names it instead of stopping with a decoding error.
    """
    sql = f"{_SELECT} WHERE {where} ORDER BY seq"
    if dialect == "postgresql":
        cursor = dbapi_conn.cursor(name=f"penguin_verify_{uuid.uuid4().hex}")
        cursor.itersize = CHUNK
        yield from _fetch(cursor, sql.replace("?", "%s"), params)
        return
    last = None
    try:
        for chunk in _fetch(dbapi_conn.cursor(), sql, params):
            last = chunk[-1][_SEQ]
            yield chunk
    except sqlite3.OperationalError as exc:
        if not undecodable(exc):
            raise
        if last is not None:
            where, params = f"({where}) AND seq > ?", (*params, last)
        previous, dbapi_conn.text_factory = dbapi_conn.text_factory, _text_or_bytes
        try:
            yield from _fetch(dbapi_conn.cursor(), f"{_SELECT} WHERE {where} ORDER BY seq", params)
        finally:
            dbapi_conn.text_factory = previous


def _fetch(cursor: Any, sql: str, params: Sequence[Any]) -> Iterator[Any]:
    try:
        cursor.arraysize = CHUNK
        cursor.execute(sql, tuple(params))
        while chunk := cursor.fetchmany(CHUNK):
            yield chunk
    finally:
        cursor.close()


def undecodable(exc: Exception) -> bool:
    """Whether `exc` is SQLite failing to hand back stored text as UTF-8."""
    return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(
        "Could not decode to UTF-8"
    )


def _text_or_bytes(raw: bytes) -> str | bytes:
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw


def _problem(row: Sequence[Any], expected: int, prev: str) -> tuple[int, str]:
    """What is wrong with the first row that failed the fast checks."""
    seq = row[_SEQ]
    if type(seq) is not int:
        return expected, f"entry {seq!r} after entry {expected - 1} has no valid sequence number"
    if seq < expected:
        return seq, f"entry {seq} is out of sequence (entry {expected} was expected)"
    if seq != expected:
        missing = f"entry {expected}" if seq == expected + 1 else f"entries {expected}-{seq - 1}"
        return seq, f"{missing} before entry {seq} deleted"
    if any(type(value) is bytes for value in row):
        return seq, f"entry {seq} holds text that is not valid UTF-8: it was edited by hand"
    if row[_PREV] != prev:
        return (
            seq,
            f"entry {seq} does not link to entry {seq - 1} "
            "(entries reordered, or the one before it replaced)",
        )
    return seq, f"entry {seq} was edited after it was written"


class _Walk:
    """The state of a walk along the chain: next expected seq, the hash it must link to."""

    __slots__ = ("expected", "failure", "prev", "start")

    def __init__(self, expected: int, prev: str) -> None:
        self.start = expected
        self.expected = expected
        self.prev = prev
        self.failure: tuple[int, str] | None = None

    @property
    def checked(self) -> int:
        return self.expected - self.start

    def feed(self, chunk: Sequence[Sequence[Any]]) -> bool:
        """Check the next rows in seq order; False (and `failure` set) at the first bad one."""
        digests: Sequence[str | None]
        try:
            digests = entry_hashes(chunk)
        except TypeError:  # a value no entry can hold: hash row by row to find it
            digests = [_hash_or_none(row) for row in chunk]
        expected, prev = self.expected, self.prev
        for row, digest in zip(chunk, digests, strict=True):
            if row[_SEQ] != expected or row[_PREV] != prev or digest != row[_HASH]:
                self.expected, self.prev = expected, prev
                self.failure = _problem(row, expected, prev)
                return False
            prev = row[_HASH]
            expected += 1
        self.expected, self.prev = expected, prev
        return True


def _hash_or_none(row: Sequence[Any]) -> str | None:
    try:
        return entry_hash(row[:_HASH])
    except TypeError:
        return None


def verify_chain(conn: Connection, ctx: JobContext | None = None) -> VerifyResult:
    from penguin_desktop.core.platform.store.database import GENESIS_HASH

    head = conn.exec_driver_sql("SELECT seq, hash FROM audit_head").first()
    if head is None:  # walk what there is, then say the head is gone
        count = conn.exec_driver_sql("SELECT count(*) FROM audit_events").scalar()
        head_seq, head_hash = int(count or 0), ""
    else:
        head_seq, head_hash = int(head[0]), str(head[1])
    walk = _Walk(1, GENESIS_HASH)
    helper = _Helper.start(conn, head_seq) if head is not None else None
    try:
        _walk_all(conn, walk, helper, head_seq, ctx)
    finally:
        if helper:
            helper.stop()
    if walk.failure is not None:
        seq, problem = walk.failure
        return _bad(walk.checked, head_hash, seq, problem)
    last = walk.expected - 1
    if head is None:
        return _bad(
            walk.checked,
            head_hash,
            last + 1,
            "the audit trail is damaged: its head record is missing "
            f"(the chain links correctly through entry {last})",
        )
    if last != head_seq or walk.prev != head_hash:
        return _bad(
            walk.checked,
            head_hash,
            last + 1,
            f"the chain ends at entry {last} but its head records entry {head_seq}: "
            "the newest entries were deleted or the head was altered",
        )
    return VerifyResult(ok=True, checked=walk.checked, head_hash=head_hash)


def _walk_all(
    conn: Connection, walk: _Walk, helper: _Helper | None, head_seq: int, ctx: JobContext | None
) -> None:
    """Walk the chain into `walk`: the first half here and the second in `helper` when there
    is one, else everything here."""
    total = max(head_seq, 1)
    dialect = conn.dialect.name
    dbapi_conn = conn.connection.dbapi_connection
    split = helper.split if helper else None
    next_report = 0

    def report(extra: int = 0, final: bool = False) -> None:
        nonlocal next_report
        if ctx is None:
            return
        checked = walk.checked + extra
        if checked >= next_report or final:
            next_report = checked + PROGRESS_STEP
            ctx.progress(min(checked / total, 1.0), f"verified {checked:,} of {head_seq:,} entries")
        if ctx.cancelled:
            raise Cancelled("verification cancelled")

    where, params = ("seq <= ?", (split,)) if split is not None else ("1 = 1", ())
    for chunk in _chunks(dbapi_conn, dialect, where, params):
        if not walk.feed(chunk):
            break
        report(helper.checked if helper else 0)
    if walk.failure is None and split is not None:
        outcome = helper.join(walk, report) if helper and walk.expected == split + 1 else None
        if outcome is None:  # no helper verdict: walk the second half here
            for chunk in _chunks(dbapi_conn, dialect, "seq > ?", (split,)):
                if not walk.feed(chunk):
                    break
                report()
    report(final=True)


def _bad(checked: int, head_hash: str, seq: int, problem: str) -> VerifyResult:
    return VerifyResult(
        ok=False, checked=checked, head_hash=head_hash, first_bad_seq=seq, problem=problem
    )


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Helper:
    """A second process walking entries split+1.. (from the stored hash of entry `split`)."""

    def __init__(self, proc: subprocess.Popen[str], split: int) -> None:
        self.proc = proc
        self.split = split
        self.checked = 0
        self.verdict: dict[str, Any] | None = None
        self.done = threading.Event()
        self._reader = threading.Thread(target=self._read, name="audit-verify-helper", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, conn: Connection, head_seq: int) -> _Helper | None:
        """Start a helper when the chain is long, a second CPU exists and it can connect."""
        if head_seq < PARALLEL_MIN or _cpus() < 2 or getattr(sys, "frozen", False):
            return None
        from penguin_desktop.core.platform.store.engine import sqlite_path

        engine = conn.engine
        dialect = engine.dialect.name
        if dialect == "sqlite" and sqlite_path(engine.url) is None:
            return None  # an in-memory database is invisible to another process
        if dialect not in ("sqlite", "postgresql"):
            return None
        cargs, cparams = engine.dialect.create_connect_args(engine.url)
        cparams.pop("check_same_thread", None)  # SQLite: the helper has one thread
        cparams.pop("context", None)  # psycopg: SQLAlchemy's type adapters, not needed here
        if dialect == "postgresql":
            cparams.setdefault("connect_timeout", 5)
        split = head_seq // 2
        config = {
            "sys_path": sys.path,
            "dialect": dialect,
            "cargs": list(cargs),
            "cparams": cparams,
            "split": split,
            # The helper reads on its own connection, after the head was read: entries
            # written since then are not part of this verification.
            "last": head_seq,
        }
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        proc: subprocess.Popen[str] | None = None
        try:
            payload = json.dumps(config) + "\n"
            proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _HELPER],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                creationflags=flags,
            )
            assert proc.stdin is not None
            proc.stdin.write(payload)
            proc.stdin.close()
        except (OSError, TypeError, ValueError) as exc:  # no interpreter, unserializable args
            log.info("audit verification runs in one process: %s", exc)
            if proc is not None:
                proc.kill()
                proc.wait()
            return None
        return cls(proc, split)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                kind, _, data = line.partition(" ")
                if kind == "p":
                    self.checked = int(data)
                elif kind == "r":
                    self.verdict = json.loads(data)
        except (OSError, ValueError):
            self.verdict = None
        finally:
            self.done.set()

    def join(self, walk: _Walk, report: Callable[[int], None]) -> bool | None:
        """Fold the helper's verdict into `walk` (which ended exactly at `split`); None when
        there is no usable verdict and the second half must be walked here."""
        while not self.done.wait(0.05):
            report(self.checked)
        self.proc.wait()
        verdict = self.verdict
        if verdict is None or verdict.get("boundary") != walk.prev:
            if verdict is None:
                log.info("audit verification helper failed; walking the rest here")
            return None
        try:
            checked, prev, failure = int(verdict["checked"]), str(verdict["prev"]), None
            if verdict["failure"] is not None:
                seq, problem = verdict["failure"]
                failure = (int(seq), str(problem))
        except (KeyError, TypeError, ValueError):
            return None
        walk.expected += checked
        walk.prev = prev
        walk.failure = failure
        return failure is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def helper_main(config: dict[str, Any]) -> None:
    """The helper process: walk entries after `split`, report progress and a verdict on stdout.

    Lines: `p <checked>` as it goes, then `r <json>` with the stored hash of the boundary entry,
    the number of entries checked, the hash reached and the first failure (or null).
    """
    split = int(config["split"])
    if config["dialect"] == "postgresql":
        import psycopg

        dbapi_conn: Any = psycopg.connect(*config["cargs"], **config["cparams"])
    else:
        import sqlite3

        dbapi_conn = sqlite3.connect(*config["cargs"], **config["cparams"])
        dbapi_conn.execute("PRAGMA query_only = ON")
    out = sys.stdout
    try:
        walk: _Walk | None = None
        boundary: str | None = None
        next_report = PROGRESS_STEP
        bounds = (split, config["last"])
        for chunk in _chunks(dbapi_conn, config["dialect"], "seq >= ? AND seq <= ?", bounds):
            if walk is None:
                first = chunk[0]
                if first[_SEQ] != split:
                    break  # the first half's walk will report the gap
                boundary = str(first[_HASH])
                walk = _Walk(split + 1, boundary)
                chunk = chunk[1:]
            if not walk.feed(chunk):
                break
            if walk.checked >= next_report:
                next_report = walk.checked + PROGRESS_STEP
                out.write(f"p {walk.checked}\n")
                out.flush()
        verdict = {
            "boundary": boundary,
            "checked": walk.checked if walk else 0,
            "prev": walk.prev if walk else None,
            "failure": walk.failure if walk else None,
        }
        out.write("r " + json.dumps(verdict) + "\n")
        out.flush()
    finally:
        dbapi_conn.close()
