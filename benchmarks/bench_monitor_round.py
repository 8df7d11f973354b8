"""Monitoring round figure: one round of every check over 200 servers and 500 domains against
loopback servers (a real sshd with MailU's stand-in for SSH health, aiosmtpd with STARTTLS and
implicit TLS, a TLS IMAP greeter and an HTTPS server from the test CA, a real BIND answering the
DNS and blocklist queries), through MonitoringService (defaults, probes, results, roll-ups,
alerts, audit). Target: under 20 s on 2 cores, with the GUI thread never stalled over 50 ms:
a Qt timer ticking every 10 ms on the main thread measures the longest gap while the round
runs on a worker thread, as the console's background monitor does. Baseline: the same round
with the probes one at a time (concurrency 1) for the network checks.

Run: .venv/bin/python benchmarks/bench_monitor_round.py [--servers N] [--domains N]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QTimer

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.monitoring import CheckChange, CheckKind
from penguin_desktop.core.platform.models import Face
from tests.servers.bind import running_bind
from tests.servers.dns_zones import zones_under_test
from tests.servers.mail_tls import (
    SERVER_NAME,
    TlsIdentity,
    make_pki,
    running_https,
    running_imaps,
    running_smtp,
)
from tests.servers.sshd import running_sshd

TARGET_S = 20.0
STALL_MS = 50.0


def _stall_probe(work: threading.Thread) -> float:
    """Longest gap between 10 ms ticks on this (the GUI) thread while `work` runs."""
    app = QCoreApplication.instance() or QCoreApplication([])
    longest = 0.0
    last = time.perf_counter()

    def tick() -> None:
        nonlocal longest, last
        now = time.perf_counter()
        longest = max(longest, (now - last) * 1000)
        last = now
        if not work.is_alive():
            app.quit()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    work.start()
    app.exec()
    return longest - 10.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--domains", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_sshd() as sshd, \
            running_bind(zones_under_test()) as bind:  # fmt: skip
        pki = make_pki(Path(tmp))
        identity = TlsIdentity(pki.valid)
        with running_smtp(identity) as smtp, running_smtp(identity, implicit=True) as smtps, \
                running_imaps(identity) as imaps, running_https(identity) as https:  # fmt: skip
            sshd.install_docker_standin()
            sshd.run_mailu()
            os.environ["PENGUIN_DNS_NAMESERVER"] = f"127.0.0.1:{bind.port}"
            os.environ["PENGUIN_CA_BUNDLE"] = str(pki.ca_file)
            container = Container(
                Settings(data_dir=Path(tmp), db_url=f"sqlite:///{tmp}/w.db"),
                lambda _c: "Bench-master-1",
            )
            owner = container.auth.initialize("Bench", "o@b.test", "Velvet-otter-2026!x", Face.CLI)
            container.workspaces.create(owner, "Bench")
            _seed(container, owner, sshd, args, tmp)
            ports = {CheckKind.SMTP: smtp.port, CheckKind.SUBMISSION: smtp.port,
                     CheckKind.SMTPS: smtps.port, CheckKind.IMAPS: imaps.port,
                     CheckKind.HTTPS: https.port}  # fmt: skip
            monitoring = container.monitoring
            monitoring.checks.ensure_defaults(owner)
            for check in monitoring.checks.all(owner, "Bench"):
                if check.kind in ports:
                    change = CheckChange(port=ports[check.kind], tls_name=SERVER_NAME)
                    monitoring.checks.set(owner, check.id, change)
            reports = []
            work = threading.Thread(
                target=lambda: reports.append(monitoring.runner.run_round(owner))
            )
            start = time.perf_counter()
            stall = _stall_probe(work)
            ours = time.perf_counter() - start
            report = reports[0]
            container.close()
    print(f"one round: {report.checks} checks in {ours:.2f} s; statuses {report.statuses}")
    print(f"longest GUI-thread stall during the round: {stall:.1f} ms")
    print(
        json.dumps(
            {
                "figure": "monitor_round_s",
                "servers": args.servers,
                "domains": args.domains,
                "checks": report.checks,
                "seconds": round(ours, 3),
                "target_s": TARGET_S,
                "gui_stall_ms": round(stall, 1),
                "stall_target_ms": STALL_MS,
                "ok": ours < TARGET_S and stall < STALL_MS,
            }
        )
    )


def _seed(container: Container, owner: object, sshd: object, args: argparse.Namespace,
          tmp: str) -> None:  # fmt: skip
    for i in range(args.servers):
        container.servers.adopt(
            owner,  # type: ignore[arg-type]
            "Bench",
            f"mx{i:03d}",
            sshd.host,  # type: ignore[attr-defined]
            sshd.port,  # type: ignore[attr-defined]
            sshd.user,  # type: ignore[attr-defined]
            private_key=sshd.client_key.private_openssh,  # type: ignore[attr-defined]
            accept_fingerprint=sshd.host_fingerprint,  # type: ignore[attr-defined]
            mailu_dir=tmp,
        )
    for i in range(args.domains):
        container.domains.add(
            owner,  # type: ignore[arg-type]
            "Bench",
            f"client{i:03d}.example.test",
            ips=["127.0.0.1"],
            lab=True,
        )


if __name__ == "__main__":
    main()
