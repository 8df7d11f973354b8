"""Audit reports as CSV, JSON and PDF.

Rows stream from the database in batches straight into the file, so a million events never sit
in memory; the file appears only when complete (temp file + rename), so a cancelled or failed
export leaves nothing half-written behind.
"""

from __future__ import annotations

import csv
import enum
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from penguin_desktop.core.audit.query import HEADERS
from penguin_desktop.core.errors import Cancelled, ValidationError
from penguin_desktop.core.jobs import JobContext

BATCH = 10_000


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


Batches = Iterator[Sequence[Sequence[Any]]]


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temp path beside `path`; once the body is done, fsync it and rename it over."""
    path = path.expanduser()
    if path.is_dir():
        raise ValidationError(f"{path} is a directory; give a file name for the export")
    if not path.parent.exists():
        raise ValidationError(f"folder {path.parent} does not exist")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
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


def write_csv(path: Path, header: ReportHeader, batches: Batches, ctx: JobContext | None) -> int:
    written = 0
    with _text_output(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADERS)
        for batch in batches:
            writer.writerows(batch)
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
