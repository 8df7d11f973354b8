"""Lead import figure: a CSV file of 1,000,000 leads (email, names, company, title, country,
lawful basis, one custom column, about 1 % of rows duplicated in another case) imported into a
list through LeadService, against a bare `sqlite3` executemany of the same lead rows into the
same migrated `leads` table, in the same run and on the same disk.
Target (the issue's): under 15 s and within 2x of the bare executemany.

Run: .venv/bin/python benchmarks/bench_lead_import.py [--rows N]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face
from penguin_desktop.core.platform.store.database import open_database

TARGET_S = 15.0
TARGET_RATIO = 2.0
COUNTRIES = ["DE", "FR", "GB", "US", "NL", "ES", "IT", "PL"]
BASES = ["consent", "legitimate_interest", "contract", ""]
HEADER = ["Email", "First Name", "Last Name", "Company", "Job Title", "Country",
          "Lawful Basis", "Industry"]  # fmt: skip


def _rows(n: int) -> list[list[str]]:
    rows = []
    for i in range(n):
        if i % 100 == 99:
            email = rows[i - 50][0].upper()  # a duplicate differing in case
        else:
            email = f"first{i}.last@company{i % 5000}.example.com"
        rows.append([email, f"First{i}", f"Last{i}", f"Company {i % 5000}", "Head of Sales",
                     COUNTRIES[i % 8], BASES[i % 4], "SaaS"])  # fmt: skip
    return rows


def _bare(db: Path, rows: list[list[str]]) -> float:
    """The same lead values straight into the migrated table, one executemany."""
    values = []
    seen = set()
    for r in rows:
        email = r[0].lower()
        if email in seen:
            continue
        seen.add(email)
        values.append((1, email, r[1], r[2], r[3], r[4], None, None, r[5], r[6] or None,
                       None, None, '{"Industry": "SaaS"}'))  # fmt: skip
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("INSERT INTO workspaces (id, name, name_key, created_at) "
                 "VALUES (1, 'Acme', 'acme', '2026-01-01 00:00:00')")  # fmt: skip
    conn.commit()
    start = time.perf_counter()
    conn.executemany(
        "INSERT INTO leads (workspace_id, email, first_name, last_name, company, title, phone, "
        "website, country, lawful_basis, consent_source, consent_at, custom_json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    conn.commit()
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = _rows(args.rows)
        source = root / "leads.csv"
        with source.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(HEADER)
            writer.writerows(rows)
        template = root / "template.db"
        open_database(f"sqlite:///{template}").close()
        bare_db = root / "bare.db"
        shutil.copyfile(template, bare_db)
        bare_s = _bare(bare_db, rows)
        del rows

        app_db = root / "app.db"
        shutil.copyfile(template, app_db)
        c = Container(Settings(data_dir=root, db_url=f"sqlite:///{app_db}"))
        owner = c.auth.initialize("Bench", "o@agency.test", "Sturdy-pass-2026", Face.CLI)
        c.workspaces.create(owner, "Acme")
        start = time.perf_counter()
        report = c.leads.import_file(owner, "Acme", "bench", source)
        import_s = time.perf_counter() - start
        start = time.perf_counter()
        again = c.leads.import_file(owner, "Acme", "bench", source)
        reimport_s = time.perf_counter() - start
        c.close()
    ratio = import_s / bare_s
    print(f"{report.rows:,} rows: {report.imported:,} imported, {report.duplicates:,} duplicates")
    print(f"re-import of the same file: {again.imported} imported in {reimport_s:.1f} s")
    print(
        f"import: {import_s:.2f} s ({import_s / TARGET_S:.2f} of the {TARGET_S:.0f} s target); "
        f"bare sqlite3 executemany: {bare_s:.2f} s; ratio {ratio:.2f} (target {TARGET_RATIO})"
    )
    print(
        json.dumps(
            {
                "figure": "lead_import_s",
                "rows": report.rows,
                "imported": report.imported,
                "duplicates": report.duplicates,
                "import_s": round(import_s, 2),
                "bare_executemany_s": round(bare_s, 2),
                "ratio_to_bare": round(ratio, 2),
                "reimport_s": round(reimport_s, 2),
                "target_s": TARGET_S,
                "ok": import_s < TARGET_S and ratio <= TARGET_RATIO,
            }
        )
    )


if __name__ == "__main__":
    main()
