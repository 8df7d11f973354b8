"""Monitoring round figure: one round of every check over 200 servers and 500 domains against
loopback servers (a real sshd with MailU's stand-in for SSH health, aiosmtpd with STARTTLS and
implicit TLS, a TLS IMAP greeter and an HTTPS server from the test CA, a real BIND answering the
DNS and blocklist queries), through MonitoringService (defaults, probes, results, roll-ups,
alerts, audit). Target: under 20 s on 2 cores, with the GUI thread never stalled over 50 ms:
the round runs in the console's monitor process (`ui.monitoring.monitor_process`) while a Qt
timer ticking every 10 ms on this, the GUI, process's main thread measures the longest gap.
The mail servers run in a process of their own, as they would on other machines.
Baseline: the time the same probes take one at a time (the round's network checks with
concurrency 1), printed beside it.

Run: .venv/bin/python benchmarks/bench_monitor_round.py [--servers N] [--domains N]
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QTimer

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.monitoring import CheckChange, CheckKind, RoundReport
from penguin_desktop.core.platform.models import Face
from penguin_desktop.ui.monitoring.monitor_process import MonitorProcess
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


def _stall_probe(monitor: MonitorProcess) -> tuple[float, RoundReport]:
    """Longest gap between 10 ms ticks on this (the GUI) thread while the monitor process runs
    its first round, and that round's report."""
    app = QCoreApplication.instance() or QCoreApplication([])
    longest = 0.0
    last = time.perf_counter()
    found: list[object] = []

    def tick() -> None:
        nonlocal longest, last
        now = time.perf_counter()
        longest = max(longest, (now - last) * 1000)
        last = now
        found.extend(monitor.reports())
        if found:
            app.quit()

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    monitor.start()
    app.exec()
    report = found[0]
    assert isinstance(report, RoundReport)
    return longest - 10.0, report


def _serve_mail(directory: str, conn: Connection) -> None:
    """The loopback mail, IMAP and HTTPS servers, in their own process until told to stop."""
    identity = TlsIdentity(make_pki(Path(directory)).valid)
    with running_smtp(identity) as smtp, running_smtp(identity, implicit=True) as smtps, \
            running_imaps(identity) as imaps, running_https(identity) as https:  # fmt: skip
        conn.send({CheckKind.SMTP: smtp.port, CheckKind.SUBMISSION: smtp.port,
                   CheckKind.SMTPS: smtps.port, CheckKind.IMAPS: imaps.port,
                   CheckKind.HTTPS: https.port})  # fmt: skip
        conn.recv()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=200)
    parser.add_argument("--domains", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_sshd() as sshd, \
            running_bind(zones_under_test()) as bind:  # fmt: skip
        spawn = multiprocessing.get_context("spawn")
        ours, theirs = spawn.Pipe()
        mail = spawn.Process(target=_serve_mail, args=(tmp, theirs), daemon=True)
        mail.start()
        ports = ours.recv()
        sshd.install_docker_standin()
        sshd.run_mailu()
        # Secrets in a keyring both processes reach (the monitor process cannot ask for the
        # secrets file's master password), as on a desktop with its keychain.
        os.environ["PYTHON_KEYRING_BACKEND"] = "tests.servers.file_keyring.FileBackedKeyring"
        os.environ["PENGUIN_TEST_KEYRING_FILE"] = str(Path(tmp) / "keyring.json")
        os.environ["PENGUIN_DNS_NAMESERVER"] = f"127.0.0.1:{bind.port}"
        os.environ["PENGUIN_CA_BUNDLE"] = str(Path(tmp) / "ca.pem")
        settings = Settings(data_dir=Path(tmp), db_url=f"sqlite:///{tmp}/w.db")
        container = Container(settings, lambda _c: "Bench-master-1")
        owner = container.auth.initialize("Bench", "o@b.test", "Velvet-otter-2026!x", Face.CLI)
        container.workspaces.create(owner, "Bench")
        _seed(container, owner, sshd, args, tmp)
        monitoring = container.monitoring
        monitoring.checks.ensure_defaults(owner)
        for check in monitoring.checks.all(owner, "Bench"):
            if check.kind in ports:
                change = CheckChange(port=ports[check.kind], tls_name=SERVER_NAME)
                monitoring.checks.set(owner, check.id, change)
        container.close()
        monitor = MonitorProcess(settings, owner)
        stall, report = _stall_probe(monitor)
        monitor.stop()
        ours.send("stop")
        container = Container(settings)
        ssh_statuses = sorted(
            {(c.last_status or "-", (c.last_message or "")[:60])
             for c in container.monitoring.checks.all(owner, "Bench")
             if c.kind is CheckKind.SSH_HEALTH}
        )  # fmt: skip
        container.close()
        mail.join(10)
    seconds = report.elapsed
    print(f"one round: {report.checks} checks in {seconds:.2f} s; statuses {report.statuses}")
    print(f"ssh-health results: {ssh_statuses}")
    print(f"longest GUI-thread stall during the round: {stall:.1f} ms")
    print(
        json.dumps(
            {
                "figure": "monitor_round_s",
                "servers": args.servers,
                "domains": args.domains,
                "checks": report.checks,
                "seconds": round(seconds, 3),
                "target_s": TARGET_S,
                "gui_stall_ms": round(stall, 1),
                "stall_target_ms": STALL_MS,
                "ok": seconds < TARGET_S and stall < STALL_MS,
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
