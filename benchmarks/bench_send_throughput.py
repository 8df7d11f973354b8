"""Send throughput figure: one pass of the send engine over 2,000 due leads of a one-step
campaign, through one outside mailbox (daily limit 100,000, no minimum gap) to a loopback
aiosmtpd server with AUTH that accepts everything; messages per second over the whole pass
(enrolment, planning, gate, ledger reservations, rendering, SMTP with connection reuse).
The server runs in its own process, so it does not share the engine's GIL and the figure is
the engine's. Target (the issue's): at least 200 messages/s.

Run: .venv/bin/python benchmarks/bench_send_throughput.py [--leads N] [--profile]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import multiprocessing
import pstats
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.mailboxes import MailServer, Tls
from penguin_desktop.core.platform.models import Face
from tests.campaigns.send_servers import recording_smtp

TARGET = 200.0
SENDER = "anna@acme-mail.test"
PASSWORD = "smtp-Secret-4417"


def _serve(pipe: Connection) -> None:
    """The SMTP server's process: sends its port, then, once asked, how many it accepted."""
    with recording_smtp({SENDER: PASSWORD}) as (port, recorder):
        pipe.send(port)
        pipe.recv()
        pipe.send(len(recorder.recipients()))


def _leads_csv(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Email", "First Name", "Company", "Country"])
        writer.writerows(
            [f"lead{i}@company{i % 500}.example.com", f"First{i}", f"Company {i % 500}", "US"]
            for i in range(n)
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs,))
    server.start()
    try:
        if not ours.poll(30):
            raise SystemExit("the SMTP server process did not start")
        port = ours.recv()
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            c = Container(
                Settings(data_dir=root, db_url=f"sqlite:///{root}/bench.db"),
                lambda _c: "Bench-master-1",
            )
            owner = c.auth.initialize("Bench", "o@agency.test", "Sturdy-pass-2026", Face.CLI)
            c.workspaces.create(owner, "Acme")
            c.outside_mailboxes.connect(
                owner, "Acme", SENDER, MailServer("127.0.0.1", port, Tls.NONE, SENDER), None,
                PASSWORD, daily_limit=100_000, min_gap_seconds=0,
            )  # fmt: skip
            c.leads.import_file(owner, "Acme", "bench", _leads_csv(root / "l.csv", args.leads))
            c.compliance.set(owner, "Acme", "1 Main St, Springfield, USA", "https://u.test/u")
            c.campaigns.create(owner, "Acme", "Q1", "bench", [SENDER],
                               window="Mon-Sun 00:00-24:00")  # fmt: skip
            c.campaigns.add_step(
                owner, "Acme", "Q1", "Hello {{first_name|there}}",
                "Hi {{first_name|there}}, a question about {{company|your company}}.",
            )  # fmt: skip
            c.campaigns.start(owner, "Acme", "Q1")
            engine = c.send_engine()
            profile = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            if profile is not None:
                report = profile.runcall(engine.run, owner, "Acme", once=True)
            else:
                report = engine.run(owner, "Acme", once=True)
            seconds = time.perf_counter() - start
            c.close()
        ours.send("count")
        accepted = ours.recv()
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()
    if profile is not None:
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats("penguin_desktop|smtplib", 30)
        stats.sort_stats("tottime").print_stats(15)
    rate = report.sent / seconds
    print(
        f"{report.sent:,} sent ({accepted:,} accepted by the server, {report.failed} failed, "
        f"held {report.held_by}, blocked {report.blocked_by}) in {seconds:.2f} s: "
        f"{rate:.0f} messages/s ({rate / TARGET:.2f} of the {TARGET:.0f}/s target)"
    )
    print(
        json.dumps(
            {
                "benchmark": "send_throughput",
                "messages_per_second": round(rate, 1),
                "target": TARGET,
                "ratio": round(rate / TARGET, 3),
                "sent": report.sent,
            }
        )
    )


if __name__ == "__main__":
    main()
