"""Reading a lead file whatever wrote it: the encoding (UTF-8 with or without a BOM, else
Windows-1252, else Latin-1, which reads any bytes) and the delimiter (`,` `;` tab `|`, sniffed
on a sample) are detected, then the rows come one at a time with their line numbers."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from penguin_desktop.core.platform.errors import NotFoundError, ValidationError

DELIMITERS = ",;\t|"
SAMPLE = 64 * 1024
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


@dataclass(frozen=True)
class CsvText:
    """A decoded file: its text, the encoding it was read in and its delimiter."""

    text: str
    encoding: str
    delimiter: str

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, cells) of each record, the header included, blank lines left out; the
        line is where the record starts in the file (a quoted cell may span lines), from 1."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        start = 1
        for cells in reader:
            if cells and (cells[0].strip() or any(c.strip() for c in cells)):
                yield start, cells
            start = reader.line_num + 1


def decode(data: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return codecs.decode(data, encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def sniff(sample: str) -> str:
    """The delimiter of the sample's first lines; a comma when the sniffer cannot tell."""
    lines = sample.splitlines()[:50]
    if len(lines) > 1 and len(sample) >= SAMPLE:
        lines = lines[:-1]  # the sample may cut the last line
    text = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0] if lines else ""
        counts = {d: header.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def open_csv(path: Path) -> CsvText:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"no file {str(path)!r}", field="file") from None
    except IsADirectoryError:
        raise ValidationError(f"{str(path)!r} is a folder, not a CSV file", field="file") from None
    if b"\x00" in data[:SAMPLE]:
        raise ValidationError(f"{path.name} is not a text file", field="file")
    text, encoding = decode(data)
    return CsvText(text, "utf-8" if encoding == "utf-8-sig" else encoding, sniff(text[:SAMPLE]))
