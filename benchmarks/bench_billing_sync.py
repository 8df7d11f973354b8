"""Billing sync figures: the first sync of an account with 10,000 customers, each with a
subscription, its paid invoice and its charge (10,000 invoices), from a loopback server of
Stripe's list API in a process of its own (`tests/servers/stripe_lists.py`: localstripe pages
by scanning its whole store, which at this size takes an hour and measures localstripe),
through BillingService.sync (library auto-pagination, parsing, upserts, MRR log, audit), with
the number of requests it took; then a sync with nothing new, which must cost at most 2
requests (the issue's figure). Baseline: the requests themselves, the time the same pages take
to fetch with the library alone and nothing written, printed beside the sync's time.

Run: .venv/bin/python benchmarks/bench_billing_sync.py [--customers N]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("PENGUIN_MASTER_PASSWORD", "Bench-master-2026")

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.billing.client import connect
from penguin_desktop.core.billing.sync import LISTS, PAGE
from penguin_desktop.core.platform.models import Face
from tests.servers.stripe_lists import KEY, running_list_server


def fetch_only(url: str) -> tuple[float, int]:
    api = connect(KEY, url)
    started = time.perf_counter()
    for name, params in LISTS:
        listing = getattr(api.client.v1, name).list(params={**params, "limit": PAGE})
        for _ in listing.auto_paging_iter():
            pass
    return time.perf_counter() - started, api.requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args()
    with running_list_server(args.customers) as url, tempfile.TemporaryDirectory() as tmp:
        baseline_s, baseline_requests = fetch_only(url)
        print(f"fetching the pages alone: {baseline_s:.1f} s, {baseline_requests} requests")
        c = Container(
            Settings(data_dir=Path(tmp), db_url=f"sqlite:///{tmp}/w.db"),
            lambda _creating: os.environ["PENGUIN_MASTER_PASSWORD"],
        )
        owner = c.auth.initialize("Bench", "o@bench.test", "Bench-pass-2026!x", Face.CLI)
        c.billing.connect(owner, KEY, api_base=url)
        started = time.perf_counter()
        first = c.billing.sync(owner)
        first_s = time.perf_counter() - started
        counts = dict(c.billing.status(owner).counts)
        print(
            f"first sync: {first_s:.1f} s, {first.requests} requests, "
            f"{first.written} rows written, "
            f"{counts['invoices']} invoices, {counts['charges']} charges, "
            f"{counts['customers']} customers; {first_s / baseline_s:.2f}x fetching alone"
        )
        started = time.perf_counter()
        again = c.billing.sync(owner)
        again_s = time.perf_counter() - started
        print(
            f"sync with nothing new: {again.requests} requests (target <= 2), "
            f"{again_s * 1000:.0f} ms"
        )
        c.close()
        print(
            json.dumps(
                {
                    "customers": args.customers,
                    "invoices": counts["invoices"],
                    "first_sync_s": round(first_s, 2),
                    "first_sync_requests": first.requests,
                    "fetch_only_s": round(baseline_s, 2),
                    "incremental_requests": again.requests,
                    "incremental_ms": round(again_s * 1000),
                    "target_incremental_requests": 2,
                }
            )
        )


if __name__ == "__main__":
    main()
