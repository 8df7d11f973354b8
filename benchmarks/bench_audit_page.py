"""Audit log page open time over 1,000,000 events (target: under 300 ms).

Seeds N chained events (default 1,000,000) into a throw-away SQLite workspace with core's own
`trail.append` in 50k-event write transactions, then, offscreen, times:

  (a) the lazy model: construct `AuditTableModel` and fetch its first keyset page,
  (b) the whole Audit log page: construct `AuditPage` and show it (filter bar, table view,
      first page, counts) until the view has its rows,
  (c) one `fetchMore` deep in the trail (what a scroll costs).

The figure is (b), the median of several opens; the last line printed is JSON.

    .venv/bin/python benchmarks/bench_audit_page.py [--events N] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QModelIndex

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.audit import trail
from penguin_desktop.core.platform.audit.trail import AuditRecord
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.ui.audit.model import AuditTableModel
from penguin_desktop.ui.audit.page import AuditPage
from penguin_desktop.ui.shell import theme
from penguin_desktop.ui.shell.app import application
from penguin_desktop.ui.shell.state import AppState

BASELINE_MS = 300.0
BATCH = 50_000
STAMP_EVERY = 1_000
OWNER = "owner@bench.example"
PASSWORD = "correct horse battery staple 42"
ACTIONS = ("workspace.create", "member.add", "domain.add", "mailbox.create", "dns.check")


def seed(container: Container, events: int) -> int:
    head, _ = container.audit.head(container.auth.login(OWNER, PASSWORD, Face.SYSTEM))
    done = head
    while done < events:
        todo = min(BATCH, events - done)
        with container.db.write() as session:
            for start in range(0, todo, STAMP_EVERY):
                n = done + start
                stamp = (
                    f"2024-{1 + n // 100_000 % 12:02d}-{1 + n // 4_000 % 28:02d}T12:00:00.000000Z"
                )
                records = [
                    AuditRecord(
                        actor=f"user{(n + i) % 40}@bench.example",
                        face="gui",
                        action=ACTIONS[(n + i) % len(ACTIONS)],
                        target=f"item:{n + i}",
                        summary={"n": n + i, "note": "seeded"},
                    )
                    for i in range(min(STAMP_EVERY, todo - start))
                ]
                trail.append(session, records, ts=stamp)
        done += todo
        print(f"  seeded {done:,} / {events:,}", end="\r", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return done


def timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="reuse (or keep) this workspace")
    args = parser.parse_args()
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="penguin-bench-audit-page-"))
    container = Container(Settings.resolve(data_dir=folder, env={}))
    if container.auth.organization() is None:
        container.auth.initialize("Bench Org", OWNER, PASSWORD, Face.CLI)
    t0 = time.perf_counter()
    events = seed(container, args.events)
    print(f"trail holds {events:,} events (seeding took {time.perf_counter() - t0:.1f} s)")

    app = application()
    theme.apply(app)
    owner: Actor = container.auth.login(OWNER, PASSWORD, Face.GUI)
    state = AppState(container, owner)
    state.reload_workspaces()

    def open_model() -> None:
        model = AuditTableModel(container.audit, owner)
        model.load()
        assert model.rowCount() == 200

    def open_page() -> None:
        page = AuditPage(state)
        page.resize(1200, 800)
        page.show()  # showEvent -> refresh -> first keyset page
        assert page.model.rowCount() >= 200
        page.grab()  # lay out and paint once, as the user would see it
        page.close()
        page.deleteLater()

    open_model()  # warm the page cache and imports once, like a user who has the app open
    model_ms = statistics.median(timed(open_model) for _ in range(args.runs))
    page_runs = [timed(open_page) for _ in range(args.runs)]
    page_ms = statistics.median(page_runs)

    deep = AuditTableModel(container.audit, owner)
    deep.load()
    for _ in range(20):
        deep.fetchMore(QModelIndex())
    fetch_ms = statistics.median(timed(lambda: deep.fetchMore(QModelIndex())) for _ in range(10))

    print(f"model + first page: {model_ms:7.1f} ms (median of {args.runs})")
    each = ", ".join(f"{r:.0f}" for r in page_runs)
    print(f"audit page open:    {page_ms:7.1f} ms (median; runs {each})")
    print(f"fetchMore (scroll): {fetch_ms:7.1f} ms per 200-row page")
    container.close()
    if args.data_dir is None:
        shutil.rmtree(folder, ignore_errors=True)
    figure = {
        "figure": "audit_page_open_ms",
        "value": round(page_ms, 1),
        "baseline": BASELINE_MS,
        "ratio": round(page_ms / BASELINE_MS, 3),
        "events": events,
        "model_first_page_ms": round(model_ms, 1),
        "fetch_more_ms": round(fetch_ms, 1),
    }
    print(json.dumps(figure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
