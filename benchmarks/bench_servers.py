"""Health round figure: 50 adopted servers (SSH connect + 5 commands each, bounded concurrency)
against a real OpenSSH sshd on loopback, through ServerService (secret store, audit, status
writes included). Target: under 10 s on 2 cores. Baseline: the same 50 rounds one after the
other (concurrency 1), so the ratio shows what the bounded concurrency buys.

Run: .venv/bin/python benchmarks/bench_servers.py [--servers N] [--concurrency C].
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face
from penguin_desktop.core.servers.models import Health
from tests.servers.sshd import running_sshd

TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    with running_sshd() as sshd, tempfile.TemporaryDirectory() as tmp:
        sshd.install_docker_standin()
        container = Container(
            Settings(data_dir=Path(tmp), db_url=f"sqlite:///{tmp}/w.db"),
            lambda _c: "Bench-master-1",
        )
        owner = container.auth.initialize("Bench", "o@bench.test", "Velvet-otter-2026!x", Face.CLI)
        container.workspaces.create(owner, "Bench")
        for i in range(args.servers):
            container.servers.adopt(
                owner,
                "Bench",
                f"mx{i:03d}",
                sshd.host,
                sshd.port,
                sshd.user,
                private_key=sshd.client_key.private_openssh,
                accept_fingerprint=sshd.host_fingerprint,
            )
        start = time.perf_counter()
        reports = container.servers.check_all(owner, "Bench", concurrency=args.concurrency)
        ours = time.perf_counter() - start
        healthy = sum(r.health is Health.HEALTHY for r in reports)
        start = time.perf_counter()
        container.servers.check_all(owner, "Bench", concurrency=1)
        serial = time.perf_counter() - start
        container.close()
    print(f"health round over {args.servers} servers: {ours:.2f} s ({healthy} healthy)")
    print(f"same round one server at a time: {serial:.2f} s")
    print(
        json.dumps(
            {
                "figure": "server_health_round_s",
                "servers": args.servers,
                "seconds": round(ours, 3),
                "target_s": TARGET_S,
                "baseline_serial_s": round(serial, 3),
                "ratio_to_baseline": round(ours / serial, 3),
                "ok": ours < TARGET_S and healthy == args.servers,
            }
        )
    )


if __name__ == "__main__":
    main()
