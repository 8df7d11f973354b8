"""Audit reports as CSV, JSON and PDF.

Rows stream from the database in batches straight into the file, so a million events never sit
in memory; the file appears only when complete (temp file + rename), so a cancelled or failed
export leaves nothing half-written behind. Each report carries the newest signed checkpoint of
the chain (a CSV file in a small JSON file beside it, since CSV has no place for it), so a
reader holding the public key can check it without the database.
"""

from __future__ import annotations

import enum
import glob
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from penguin_desktop.core.audit.models import Checkpoint
from penguin_desktop.core.audit.query import HEADERS, text_damaged
from penguin_desktop.core.platform.errors import Cancelled, ValidationError
from penguin_desktop.core.platform.jobs import JobContext

BATCH = 500  # rows per batch: small enough to stay in the CPU cache while being formatted


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    JSON = "json"
    PDF = "pdf"


@dataclass(frozen=True)
class ReportHeader:
    """Everything a reader needs to know what the report covers and to verify it."""

    title: str
    organization: str
    generated_at: str
    generated_by: str
    filters: list[tuple[str, str]]
    head_seq: int
    head_hash: str
    expected_rows: int
    signed: Checkpoint | None = None
    # Why `signed` is None, in words for the report's reader.
    unsigned_reason: str = "the trail's signing key was not available when it was made"


def signed_head(header: ReportHeader) -> dict[str, Any] | None:
    """The signed checkpoint as reports carry it, with the exact text the signature covers."""
    if header.signed is None:
        return None
    return {**asdict(header.signed), "signed_text": header.signed.signed_text}


def signed_head_path(report: Path) -> Path:
    return report.with_name(report.name + ".signed-head.json")


def write_signed_head(report: Path, header: ReportHeader) -> Path:
    """The CSV report's companion: its chain head and signed checkpoint, as in a JSON report."""
    path = signed_head_path(report)
    meta = {
        "report": report.name,
        "chain_head": {"seq": header.head_seq, "hash": header.head_hash},
        "signed_head": signed_head(header),
    }
    with _text_output(path) as fh:
        fh.write(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    return path


Batches = Iterator[Sequence[Sequence[Any]]]
Writer = Callable[[Path, "ReportHeader", Batches, JobContext | None], int]


def _remove_stale_parts(path: Path) -> None:
    """Delete what an export to `path` killed before its rename left behind: hidden
    `.NAME.PID.*.part` files whose process is gone (a running export's part is left alone)."""
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        pid = part.name[len(path.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            part.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; once the body is done, fsync it and rename it over."""
    path = path.expanduser()
    if path.is_dir():
        raise ValidationError(f"{path} is a directory; give a file name for the export")
    if not path.parent.exists():
        raise ValidationError(f"folder {path.parent} does not exist")
    _remove_stale_parts(path)
    fd, name = tempfile.mkstemp(
        prefix=f".{path.name}.{os.getpid()}.", suffix=".part", dir=path.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _text_output(path: Path) -> Iterator[IO[str]]:
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        yield fh


def report_progress(ctx: JobContext | None, written: int, header: ReportHeader) -> None:
    if ctx is None:
        return
    if ctx.cancelled:
        raise Cancelled("export cancelled; no file was written")
    ctx.progress(written / max(header.expected_rows, 1), f"exported {written:,} events")


def _utf8(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    return b"" if value is None else str(value).encode()


def _csv_column(values: Sequence[Any]) -> Sequence[bytes]:
    """One column of a batch as CSV fields (see `csv_lines`)."""
    raw: Sequence[bytes] | None = None
    try:
        joined = b"\x00".join(values)  # UTF-8 bytes, as SQLite hands them over
        raw = values
    except TypeError:
        try:
            joined = "\x00".join(values).encode()  # text
        except TypeError:  # numbers, maybe None
            if set(map(type, values)) == {int}:
                joined = "\x00".join(map(str, values)).encode()
            else:
                joined = b"\x00".join(map(_utf8, values))
    whole = joined.count(b"\x00") == len(values) - 1  # no NUL inside a value: split back
    if b'"' in joined or b"," in joined or b"\n" in joined or b"\r" in joined:
        if whole:
            escaped = joined.replace(b'"', b'""').replace(b"\x00", b'"\x00"')
            return (b'"' + escaped + b'"').split(b"\x00")
        return [b'"' + _utf8(v).replace(b'"', b'""') + b'"' for v in values]
    if raw is not None:
        return raw
    return joined.split(b"\x00") if whole else [_utf8(v) for v in values]


def csv_lines(batch: Sequence[Sequence[Any]]) -> bytes:
    """The rows as UTF-8 CSV: RFC 4180 quoting, "\n" line ends, None as an empty field.

    Fields may be text, UTF-8 bytes (what SQLite hands over for `text_as_bytes` selects),
    numbers or None. Works a column at a time with string methods that run in C instead of
    Python code per field: a column whose values in this batch hold no comma, quote or line
    break (most columns) is joined as it is; any other column has every value quoted (RFC 4180
    allows quoting any field) and escaped in one pass over the joined column. Several times
    faster than the csv module, which inspects every character with a function call; any CSV
    reader reads back the same values.
    """
    columns = [_csv_column(values) for values in zip(*batch, strict=True)]
    return b"\n".join(map(b",".join, zip(*columns, strict=True))) + b"\n"


def _checked_utf8(lines: bytes, batch: Sequence[Sequence[Any]]) -> bytes:
    """`lines` once known to be UTF-8: SQLite hands text over as stored bytes, and a hand edit
    can store bytes that are not text, which a report must not pass on as if they were."""
    if not lines.isascii():
        try:
            lines.decode()
        except UnicodeDecodeError:
            bad = next(row for row in batch if any(not _decodes(v) for v in row))
            seq = bad[0]
            raise text_damaged(seq.decode() if isinstance(seq, bytes) else seq) from None
    return lines


def _decodes(value: object) -> bool:
    try:
        _utf8(value).decode()
    except UnicodeDecodeError:
        return False
    return True


def write_csv(path: Path, header: ReportHeader, batches: Batches, ctx: JobContext | None) -> int:
    written = 0
    with atomic_path(path) as tmp, tmp.open("wb") as fh:
        fh.write(csv_lines([HEADERS]))
        for batch in batches:
            if batch:
                fh.write(_checked_utf8(csv_lines(batch), batch))
            written += len(batch)
            report_progress(ctx, written, header)
    return written


def write_json(path: Path, header: ReportHeader, batches: Batches, ctx: JobContext | None) -> int:
    written = 0
    meta = {
        "title": header.title,
        "organization": header.organization,
        "generated_at": header.generated_at,
        "generated_by": header.generated_by,
        "filters": dict(header.filters),
        "chain_head": {"seq": header.head_seq, "hash": header.head_hash},
        "signed_head": signed_head(header),
    }
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with _text_output(path) as fh:
        fh.write('{"report": ' + json.dumps(meta, ensure_ascii=False) + ',\n"events": [')
        separator = "\n"
        for batch in batches:
            for row in batch:
                record = dict(zip(HEADERS, row, strict=True))
                record["summary"] = json.loads(record["summary"])
                fh.write(separator + encode(record))
                separator = ",\n"
            written += len(batch)
            report_progress(ctx, written, header)
        fh.write(f'\n],\n"count": {written}}}\n')
    return written
