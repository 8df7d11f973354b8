"""The import's loop: each row of the file checked, new leads handed to the writer in chunks,
refused rows to the rejects file; in this process, or for a large file in a child process.

The checks are Python and the inserts are SQLite: in one process they take turns (a writer
thread does not help, the GIL goes back and forth once a row). A child process reads and
checks the file and hands chunks of rows over a pipe to the parent, which writes them in the
import's transaction meanwhile: on two cores a million-row import takes the time of the longer
of the two instead of their sum. The child gets everything it needs as plain data and opens no
database; a failure in it comes back as the same error the parent would have raised."""

from __future__ import annotations

import csv
import multiprocessing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Protocol

from penguin_desktop.core.campaigns import csvfile, fields, importer
from penguin_desktop.core.platform.errors import DatabaseError, PenguinError, ValidationError

CHUNK = 20000
IN_CHILD_FROM_BYTES = 16 * 1024 * 1024  # about 150,000 rows: below it a child costs more


class Writer(Protocol):
    def put(self, rows: list[tuple[Any, ...]]) -> None: ...


class Rejects:
    """The rejected rows' file, opened at the first one: line number, reason, then the cells.
    At the default place beside the source, a file an earlier import left there is removed when
    this one rejects nothing: it would tell of rows that are no longer rejected."""

    def __init__(self, path: Path, header: Sequence[str], default: bool) -> None:
        self.path, self.header, self.default = path, list(header), default
        self.file: IO[str] | None = None
        self.writer: Any = None

    def add(self, line: int, reason: str, cells: Sequence[str]) -> None:
        if self.writer is None:
            self.file = self.path.open("w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.file)
            self.writer.writerow(["line", "reason", *self.header])
        self.writer.writerow([line, reason, *cells])

    def close(self) -> str | None:
        if self.file is None:
            if self.default and self._ours():
                self.path.unlink(missing_ok=True)
            return None
        self.file.close()
        return str(self.path)

    def _ours(self) -> bool:
        try:
            with self.path.open(encoding="utf-8", errors="replace") as earlier:
                return earlier.readline().startswith("line,reason")
        except OSError:
            return False


def records(text: csvfile.CsvText) -> Iterator[tuple[int, list[str]]]:
    """The records with their line numbers, a CSV error in the CLI's and console's words."""
    try:
        yield from text.rows()
    except csv.Error as exc:
        raise ValidationError(f"the file is not readable CSV: {exc}", field="file") from None


@dataclass(frozen=True)
class CheckJob:
    """What checking a file needs, as plain data a child process can be handed."""

    path: Path
    header: list[str]
    targets: list[str | None]
    workspace_id: int
    blocklist: importer.Blocklist
    existing: dict[str, int]
    on_list: set[int]
    needs: frozenset[str]
    rejects: Path
    default_rejects: bool
    want_seen: bool

    def row_check(self) -> importer.RowCheck:
        return importer.RowCheck(
            self.workspace_id, self.targets, self.blocklist, self.existing, self.on_list
        )


@dataclass(frozen=True)
class CheckOutcome:
    """The rows seen, the new leads that need consent, the reasons rows were refused, the
    rejects file, the workspace's leads the file named, and (for PostgreSQL) the addresses."""

    count: int
    needing: int
    reasons: dict[str, int]
    rejects_file: str | None
    existing_ids: list[int]
    seen: set[str] = field(default_factory=set)


def check_here(
    rows: Iterator[tuple[int, list[str]]], job: CheckJob, writer: Writer
) -> CheckOutcome:
    """The rows (after the header) checked in this process."""
    check = job.row_check()
    out = Rejects(job.rejects, job.header, job.default_rejects)
    reasons: dict[str, int] = {}
    count, needing, pending = 0, 0, []
    # The values start with the workspace's id, then FIELDS in order.
    country_at = 1 + fields.FIELDS.index("country")
    basis_at = 1 + fields.FIELDS.index("lawful_basis")
    try:
        for line, cells in rows:
            count += 1
            result = check.check(cells)
            if isinstance(result, str):
                reasons[result] = reasons.get(result, 0) + 1
                out.add(line, result, cells)
                continue
            if not result:
                continue
            if result[country_at] in job.needs and result[basis_at] != "consent":
                needing += 1
            pending.append(result)
            if len(pending) >= CHUNK:
                writer.put(pending)
                pending = []
        writer.put(pending)
    finally:
        rejects_file = out.close()
    seen = check.seen if job.want_seen else set()
    return CheckOutcome(count, needing, reasons, rejects_file, check.existing_ids, seen)


class _PipeWriter:
    def __init__(self, pipe: Connection) -> None:
        self.pipe = pipe

    def put(self, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.pipe.send(("rows", rows))


def _child(pipe: Connection, job: CheckJob) -> None:
    """The child's side: read and check the file, send the rows, then the outcome."""
    try:
        rows = records(csvfile.open_csv(job.path))
        next(rows, None)
        pipe.send(("done", check_here(rows, job, _PipeWriter(pipe))))
    except PenguinError as exc:
        pipe.send(("refused", exc))
    except Exception as exc:  # the parent reports it; the child has no one else to tell
        pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()


def check_in_child(job: CheckJob, writer: Writer) -> CheckOutcome:
    """The file read and checked by a child process while this one writes what it sends."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(theirs, job), name="lead-import-checks")
    child.start()
    theirs.close()
    try:
        while True:
            try:
                kind, payload = ours.recv()
            except EOFError:
                raise DatabaseError("the import's checking process stopped unexpectedly") from None
            if kind == "rows":
                writer.put(payload)
            elif kind == "done":
                return payload  # type: ignore[no-any-return]
            elif kind == "refused":
                raise payload
            else:
                raise DatabaseError(f"the import's checks failed: {payload}")
    finally:
        ours.close()
        child.join(10)
        if child.is_alive():
            child.kill()
