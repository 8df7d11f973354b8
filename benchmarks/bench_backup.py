"""Backup figures: create, verify and restore a workspace of 1,000,000 audit events and
1,000,000 leads (the issue's targets: create and verify under 30 s each on 2 cores, restore
under 60 s), sealed with the production argon2id cost.

The events are chained through the real trail (bench_audit.seed); the leads go straight into the
migrated `leads` table with one executemany, as bench_lead_import.py's baseline does, since the
import itself is not what is measured here. Restore must give back every row and a chain
`audit verify` accepts.

Run: .venv/bin/python benchmarks/bench_backup.py [--events N] [--leads N] [--data-dir DIR]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_audit import seed

from penguin_desktop.config import DB_FILE, Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face
from penguin_desktop.core.portable import BackupService, restore, verify

CREATE_TARGET_S = 30.0
VERIFY_TARGET_S = 30.0
RESTORE_TARGET_S = 60.0
OWNER = "owner@bench.example"
PASSWORD = "correct horse battery staple 42"
PASSPHRASE = "Bench-backup-passphrase-2026"
COUNTRIES = ["DE", "FR", "GB", "US", "NL", "ES", "IT", "PL"]


def _leads(db: Path, workspace_id: int, count: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA busy_timeout = 15000")
    conn.executemany(
        "INSERT INTO leads (workspace_id, email, first_name, last_name, company, title, "
        "country, lawful_basis, custom_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                workspace_id,
                f"first{i}.last@company{i % 5000}.example.com",
                f"First{i}",
                f"Last{i}",
                f"Company {i % 5000}",
                "Head of Sales",
                COUNTRIES[i % 8],
                "consent",
                '{"Industry": "SaaS"}',
            )
            for i in range(count)
        ),
    )
    conn.commit()
    conn.close()


def _timed(label: str, work):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.2f} s", file=sys.stderr)
    return result, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=None, help="scratch folder (a temp one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
        root = Path(tmp)
        data = root / "data"
        data.mkdir()
        c = Container(Settings(data_dir=data, db_url=f"sqlite:///{data / DB_FILE}"))
        owner = c.auth.initialize("Bench", OWNER, PASSWORD, Face.CLI)
        acme = c.workspaces.create(owner, "Acme")
        seed(c, owner, args.events)
        _leads(data / DB_FILE, acme.id, args.leads)
        out = root / "bench.pmbk"
        service = BackupService(c.db, data)
        made, create_s = _timed("create", lambda: service.create(owner, out, PASSPHRASE))
        c.close()
        checked, verify_s = _timed("verify", lambda: verify(out, PASSPHRASE))
        target = root / "restored"
        _, restore_s = _timed("restore", lambda: restore(out, PASSPHRASE, target))
        assert checked.counts == made.counts
        r = Container(Settings(data_dir=target, db_url=f"sqlite:///{target / DB_FILE}"))
        boss = r.auth.login(OWNER, PASSWORD, Face.CLI)
        intact = r.audit.verify(boss).ok
        r.close()
    print(
        f"{made.counts['audit_events']:,} events, {made.counts['leads']:,} leads, "
        f"{made.size_bytes / 1e6:.0f} MB: create {create_s:.1f} s, verify {verify_s:.1f} s, "
        f"restore {restore_s:.1f} s; restored chain intact: {intact}"
    )
    print(
        json.dumps(
            {
                "figure": "backup_s",
                "events": made.counts["audit_events"],
                "leads": made.counts["leads"],
                "size_bytes": made.size_bytes,
                "create_s": round(create_s, 2),
                "verify_s": round(verify_s, 2),
                "restore_s": round(restore_s, 2),
                "create_ratio": round(create_s / CREATE_TARGET_S, 2),
                "verify_ratio": round(verify_s / VERIFY_TARGET_S, 2),
                "restore_ratio": round(restore_s / RESTORE_TARGET_S, 2),
                "restored_chain_intact": intact,
                "ok": intact
                and create_s < CREATE_TARGET_S
                and verify_s < VERIFY_TARGET_S
                and restore_s < RESTORE_TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
