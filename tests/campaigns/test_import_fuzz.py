"""Random lead files (encodings, delimiters, headers, quoting, junk): an import never crashes,
and every data row is counted once, as imported or under one reason."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.importer import kinds
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import Actor

_HEADERS = st.sampled_from(
    [
        "Email",
        "E-mail",
        "email address",
        "First Name",
        "firstname",
        "Company",
        "Organization",
        "Country",
        "lawful_basis",
        "Consent At",
        "Notes",
        "Phone",
        "",
        "x",
    ]
)
_CELLS = st.sampled_from(
    [
        "a@example.com",
        "A@EXAMPLE.COM",
        "b@example.org",
        "bad",
        "",
        "DE",
        "zz",
        "consent",
        "2026-01-02",
        "Zoë",
        "Crème; brûlée",
        'say "hi"',
        "line\nbreak",
        "c@blocked.example",
        "d@sub.blocked.example",
        "contract",
        "x" * 300,
    ]
) | st.text(max_size=12)


@st.composite
def lead_files(draw: st.DrawFn) -> tuple[bytes, str, int]:
    header = ["Email", *draw(st.lists(_HEADERS, max_size=4))]
    width = len(header)
    rows = draw(st.lists(st.lists(_CELLS, min_size=0, max_size=width + 1), max_size=12))
    buffer = io.StringIO()
    delimiter = draw(st.sampled_from(",;\t|"))
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    data_rows = sum(1 for r in rows if any(c.strip() for c in r))
    return data, delimiter, data_rows


_RUNS = itertools.count()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lead_files())
def test_random_files_never_crash_and_the_counts_add_up(
    lite: Container, boss: Actor, tmp_path: Path, file: tuple[bytes, str, int]
) -> None:
    data, delimiter, expected = file
    if not lite.suppression.entries(boss, "Acme"):
        lite.suppression.add(boss, "blocked.example", "Acme")
    name = f"fuzz-{next(_RUNS)}"
    source = tmp_path / "random.csv"
    source.write_bytes(data)
    try:
        report = lite.leads.import_file(boss, "Acme", name, source)
    except PenguinError:
        return
    totals = kinds(report.reasons)
    assert report.imported + report.duplicates + report.invalid + report.suppressed == report.rows
    assert (report.invalid, report.duplicates, report.suppressed) == (
        totals["invalid"],
        totals["duplicate"],
        totals["suppressed"],
    )
    assert report.imported == len(lite.leads.leads(boss, "Acme", name))
    if report.delimiter == delimiter:
        assert report.rows == expected
