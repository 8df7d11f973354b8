"""Campaign forecast figure: the next day's sends planned for 100,000 active leads over 200
outside mailboxes (daily limit 50, minimum gap 60 s), with 2,000 sends of the last 24 hours
spread over the mailboxes, through CampaignInsight.plan_day (the loading queries and the
planner). Target (the issue's): under 2 s. The figure is the median of --repeat runs after one
warm-up.

The mailboxes are written as rows with one shared secret reference: planning never reads a
password, and 200 secret writes would only slow the setup.

Run: .venv/bin/python benchmarks/bench_campaign_plan.py [--leads N] [--mailboxes N] [--profile]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import pstats
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.campaigns.sending_tables import (
    CampaignLeadRow,
    CampaignRow,
    CampaignStepRow,
    SendRow,
)
from penguin_desktop.core.mailboxes.tables import OutsideMailboxRow, SendingLimitRow
from penguin_desktop.core.platform.models import Actor, Face
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

TARGET_S = 2.0
HISTORY = 2_000
COUNTRIES = ["DE", "FR", "GB", "US", "NL", "ES", "IT", "PL"]


def _leads_csv(path: Path, n: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Email", "First Name", "Company", "Country"])
        writer.writerows(
            [f"lead{i}@company{i % 5000}.example.com", f"First{i}", f"Company {i % 5000}",
             COUNTRIES[i % 8]]
            for i in range(n)
        )  # fmt: skip
    return path


def _mailboxes(c: Container, workspace: str, n: int) -> list[str]:
    """`n` outside mailboxes on ten sending domains, limits 50 a day and 60 s apart."""
    emails = [f"sender{i}@send{i % 10}.agency.test" for i in range(n)]
    with c.db.write() as session:
        ws_id = session.query(WorkspaceRow.id).filter(WorkspaceRow.name == workspace).scalar()
        session.execute(
            insert(OutsideMailboxRow),
            [{"workspace_id": ws_id, "email": e, "smtp_host": "127.0.0.1", "smtp_port": 25,
              "smtp_tls": "none", "smtp_user": e, "password_secret": "bench-smtp-password"}
             for e in emails],
        )  # fmt: skip
        session.execute(
            insert(SendingLimitRow),
            [{"workspace_id": ws_id, "email": e, "daily_limit": 50, "min_gap_seconds": 60}
             for e in emails],
        )  # fmt: skip
    return emails


def _history(c: Container, emails: list[str]) -> None:
    """The first HISTORY leads got step 1 within the last 24 h; their step 2 is days away."""
    now = utcnow()
    with c.db.write() as session:
        campaign = session.query(CampaignRow).one()
        step_id = (
            session.query(CampaignStepRow.id)
            .filter(CampaignStepRow.campaign_id == campaign.id, CampaignStepRow.position == 0)
            .scalar()
        )
        leads = [
            lid
            for (lid,) in session.query(CampaignLeadRow.lead_id)
            .filter(CampaignLeadRow.campaign_id == campaign.id)
            .order_by(CampaignLeadRow.lead_id)
            .limit(HISTORY)
        ]
        rows = []
        for i, lid in enumerate(leads):
            at = now - timedelta(seconds=86_000 * (i + 1) / len(leads))
            sender = emails[i % len(emails)]
            rows.append(
                {"workspace_id": campaign.workspace_id, "campaign_id": campaign.id,
                 "step_id": step_id, "lead_id": lid, "variant": "A", "sender": sender,
                 "recipient_domain": f"company{lid % 5000}.example.com",
                 "message_id": f"<bench{i}@agency.test>", "token": f"tok{i:029d}",
                 "status": "sent", "engine": "bench", "reserved_at": at, "sent_at": at}
            )  # fmt: skip
            session.execute(
                update(CampaignLeadRow)
                .where(CampaignLeadRow.campaign_id == campaign.id, CampaignLeadRow.lead_id == lid)
                .values(step=1, sender=sender, due_at=at + timedelta(days=3))
            )
        session.execute(insert(SendRow), rows)


def build(root: Path, leads: int, mailboxes: int) -> tuple[Container, Actor]:
    c = Container(
        Settings(data_dir=root, db_url=f"sqlite:///{root}/bench.db"), lambda _c: "Bench-master-1"
    )
    owner = c.auth.initialize("Bench", "o@agency.test", "Sturdy-pass-2026", Face.CLI)
    c.workspaces.create(owner, "Acme")
    c.leads.import_file(owner, "Acme", "bench", _leads_csv(root / "leads.csv", leads))
    emails = _mailboxes(c, "Acme", mailboxes)
    c.campaigns.create(owner, "Acme", "Q1", "bench", emails, window="Mon-Sun 00:00-24:00")
    c.campaigns.add_step(owner, "Acme", "Q1", "Hello {{first_name}}", "Hi {{first_name}}.")
    c.campaigns.add_step(owner, "Acme", "Q1", "Re: hello", "Following up.", delay_days=3)
    c.campaigns.start(owner, "Acme", "Q1")
    _history(c, emails)
    return c, owner


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        c, owner = build(Path(tmp), args.leads, args.mailboxes)
        setup_s = time.perf_counter() - start
        day = c.campaign_insight.plan_day(owner, "Acme")  # warm-up
        runs = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            day = c.campaign_insight.plan_day(owner, "Acme")
            runs.append(time.perf_counter() - start)
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(c.campaign_insight.plan_day, owner, "Acme")
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        c.close()
    seconds = statistics.median(runs)
    print(f"setup: {setup_s:.1f} s; runs: {', '.join(f'{r:.3f}' for r in runs)} s")
    print(
        f"{day.due:,} due, {day.planned:,} planned over {len(day.by_mailbox)} mailboxes: "
        f"{seconds:.3f} s ({seconds / TARGET_S:.2f} of the {TARGET_S:.0f} s target)"
    )
    print(
        json.dumps(
            {
                "benchmark": "campaign_plan",
                "seconds": round(seconds, 3),
                "target": TARGET_S,
                "ratio": round(seconds / TARGET_S, 3),
                "planned": day.planned,
                "held_by": day.held_by,
            }
        )
    )


if __name__ == "__main__":
    main()
