"""Audit trail figures: CSV export and chain verification of N events (default 1,000,000).

Builds a throw-away SQLite workspace through the real code, seeds N chained events with
`trail.append` in big batches, then times:

  (a) AuditService.export(owner, CSV, ...) over every event,
  (b) the sqlite3 command-line shell dumping the same columns of the same table to CSV
      (the baseline the export is compared with, measured in the same run),
  (c) AuditService.verify(owner).

Targets: export under 10 s and within 3x of the sqlite3 shell; verification under 5 s.
The exported CSV must hold exactly the N events and verification must say the chain is intact.
The last line printed is a JSON object with the figures (the best of --repeat runs).

    .venv/bin/python benchmarks/bench_audit.py [--events N] [--repeat R] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.audit.export import ExportFormat
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.audit.query import HEADERS
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord
from penguin_desktop.core.platform.models import Actor, Face, Outcome
from penguin_desktop.core.platform.store.tables import AuditHeadRow

EXPORT_TARGET_S = 10.0
VERIFY_TARGET_S = 5.0
RATIO_TARGET = 3.0
SEED_BATCH = 50_000  # events per write transaction
STAMP_EVERY = 500  # events sharing one timestamp (one trail.append call)
OWNER = "owner@bench.example"
PASSWORD = "correct horse battery staple 42"

_FIRST = ("ana", "bjorn", "chloé", "dmitri", "eve", "farah", "gus", "hana", "ivan", "józef")
_LAST = ("smith", "o'neil", "müller", "nakamura", "garcia", "kowalski", "lee", "dubois")
_WORKSPACES = ("acme-outreach", "Nordic Leads", "growth, inc", "été-2024", 'the "big" one')
_ACTIONS = (
    ("mailbox.create", "mailbox:{user}@{domain}", {"quota_mb": 2048, "forward": False}),
    ("mailbox.delete", "mailbox:{user}@{domain}", {"reason": "offboarding"}),
    ("domain.add", "domain:{domain}", {"dkim": True, "provider": "cloudflare"}),
    ("dns.check", "domain:{domain}", {"spf": "pass", "dmarc": "p=quarantine; rua=x"}),
    ("server.provision", "server:mx{n}.{domain}", {"step": "install-mailu", "attempt": 1}),
    ("campaign.send", "campaign:Spring, promo #{n}", {"sent": 250, "note": 'said "hi"'}),
    ("member.role", "user:{user}@{domain}", {"from": "viewer", "to": "manager"}),
    ("secret.rotate", "secret:smtp/{domain}", {"backend": "keyring", "rotated": True}),
    ("user.login", "user:{user}@{domain}", {"ok": True, "ip": "203.0.113.{n}"}),
)
_DOMAINS = ("example.com", "penguin.test", "mail.example.org", "bücher.example")


def _records(
    rng: random.Random, count: int, workspaces: list[tuple[int | None, str]]
) -> list[AuditRecord]:
    out = []
    for _ in range(count):
        user = f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}"
        domain = rng.choice(_DOMAINS)
        n = rng.randrange(1, 250)
        action, target, summary = rng.choice(_ACTIONS)
        ws_id, ws_name = rng.choice(workspaces)
        denied = rng.random() < 0.03
        out.append(
            AuditRecord(
                actor=f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}@{rng.choice(_DOMAINS)}",
                face=rng.choice(("cli", "gui", "gui", "system")),
                action=action,
                target=target.format(user=user, domain=domain, n=n),
                workspace_id=ws_id,
                workspace=ws_name,
                summary={**summary, "n": n} if not denied else {"reason": "permission denied"},
                outcome=Outcome.DENIED if denied else Outcome.OK,
            )
        )
    return out


def seed(container: Container, owner: Actor, events: int) -> None:
    """Top the chain up to `events` entries, in big write transactions."""
    rng = random.Random(20240601)
    existing = {ws.name: ws for ws in container.workspaces.all(owner, include_archived=True)}
    workspaces: list[tuple[int | None, str]] = [(None, "")]
    for name in _WORKSPACES:
        ws = existing.get(name) or container.workspaces.create(owner, name)
        workspaces.append((ws.id, ws.name))
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    done = head_seq(container)
    while done < events:
        todo = min(SEED_BATCH, events - done)
        with container.db.write() as session:
            for start in range(0, todo, STAMP_EVERY):
                moment += timedelta(seconds=rng.randrange(1, 90))
                stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                count = min(STAMP_EVERY, todo - start)
                trail.append(session, _records(rng, count, workspaces), ts=stamp)
        done += todo
        print(f"  seeded {done:,} / {events:,}", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def head_seq(container: Container) -> int:
    with container.db.read() as session:
        return int(session.execute(select(AuditHeadRow.seq)).scalar_one())


def count_csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        assert tuple(header) == HEADERS, header
        return sum(1 for _ in reader)


def time_sqlite3(sqlite_cli: str, db_file: Path, out: Path) -> float:
    sql = f"SELECT {', '.join(HEADERS)} FROM audit_events ORDER BY seq"
    t0 = time.perf_counter()
    with out.open("wb") as fh:
        subprocess.run([sqlite_cli, "-csv", "-header", str(db_file), sql], stdout=fh, check=True)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each step this many times; report the best"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="reuse (or create and keep) this workspace instead of a temp one (for iterating)",
    )
    args = parser.parse_args()
    sqlite_cli = shutil.which("sqlite3") or "/usr/bin/sqlite3"

    keep = args.data_dir is not None
    tmp = args.data_dir or Path(tempfile.mkdtemp(prefix="penguin-bench-audit-"))
    results = tmp / "results"
    container = Container(Settings.resolve(data_dir=tmp))
    try:
        if keep and results.exists():
            owner = container.auth.login(OWNER, PASSWORD, Face.CLI)
        else:
            owner = container.auth.initialize("Bench Org", OWNER, PASSWORD, Face.CLI)
            results.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        seed(container, owner, args.events)
        print(f"seeded {head_seq(container):,} events in {time.perf_counter() - t0:.1f} s")
        db_file = Path(str(container.db.engine.url.database))
        # Checkpoint the WAL so both readers see the same plain database file.
        with container.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

        sqlite3_runs, export_runs, verify_runs = [], [], []
        for _ in range(args.repeat):
            # (b) the baseline: the sqlite3 shell writing the same columns as CSV.
            sqlite3_runs.append(time_sqlite3(sqlite_cli, db_file, results / "sqlite3.csv"))
            print(f"sqlite3 CLI csv:  {sqlite3_runs[-1]:7.2f} s")

            # (a) the export, through the service (which audits it: one more event after).
            events = head_seq(container)
            out = results / "audit.csv"
            t0 = time.perf_counter()
            result = container.audit.export(owner, ExportFormat.CSV, out, AuditFilter())
            export_runs.append(time.perf_counter() - t0)
            print(f"export csv:       {export_runs[-1]:7.2f} s  ({result.rows:,} rows)")
            rows = count_csv_rows(out)
            if rows != events or result.rows != events:
                print(f"FAIL: exported {rows:,} rows (said {result.rows:,}); expected {events:,}")
                return 1

            # (c) verification of the whole chain.
            t0 = time.perf_counter()
            verdict = container.audit.verify(owner)
            verify_runs.append(time.perf_counter() - t0)
            print(f"verify chain:     {verify_runs[-1]:7.2f} s  ({verdict.checked:,} entries)")
            if not verdict.ok or verdict.checked != head_seq(container):
                print(f"FAIL: verification said {verdict}")
                return 1

        sqlite3_s, export_s, verify_s = min(sqlite3_runs), min(export_runs), min(verify_runs)
        ratio = export_s / sqlite3_s
        print(f"export / sqlite3: {ratio:7.2f} x")
        met = export_s < EXPORT_TARGET_S and verify_s < VERIFY_TARGET_S and ratio < RATIO_TARGET
        figures = {
            "events": args.events,
            "repeat": args.repeat,
            "export_csv_s": round(export_s, 3),
            "sqlite3_csv_s": round(sqlite3_s, 3),
            "export_ratio": round(ratio, 3),
            "verify_s": round(verify_s, 3),
            "export_target_s": EXPORT_TARGET_S,
            "verify_target_s": VERIFY_TARGET_S,
            "ratio_target": RATIO_TARGET,
            "targets_met": met,
        }
        print(json.dumps(figures))
        return 0
    finally:
        container.close()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
