"""Provisioning figure: the whole MailU plan (every step: preflight, host name, render + SFTP
upload, compose up, wait for admin, first domain + postmaster, DKIM) against a real OpenSSH
sshd on loopback, with the stand-in `docker` and the loopback MailU admin API. Target: under
15 s. Baseline: a re-run of the same plan, where every step's check finds it done (the cost of
the checks alone).

Run: .venv/bin/python benchmarks/bench_provision.py. The last line is JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face
from tests.servers.mailu import running_mailu
from tests.servers.sshd import running_sshd

TARGET_S = 15.0


def main() -> None:
    with running_sshd() as sshd, tempfile.TemporaryDirectory() as tmp:
        sshd.install_docker_standin()
        remote = Path(tmp) / "remote"
        remote.mkdir()
        remote.chmod(0o777)
        started_by = sshd.directory / "compose-running"
        with running_mailu(env_file=remote / "mailu" / "mailu.env", started_by=started_by) as api:
            container = Container(
                Settings(data_dir=Path(tmp), db_url=f"sqlite:///{tmp}/w.db"),
                lambda _c: "Bench-master-1",
            )
            owner = container.auth.initialize("B", "o@bench.test", "Velvet-otter-2026!x", Face.CLI)
            container.workspaces.create(owner, "Bench")
            container.servers.adopt(
                owner,
                "Bench",
                "mx1",
                sshd.host,
                sshd.port,
                sshd.user,
                private_key=sshd.client_key.private_openssh,
                accept_fingerprint=sshd.host_fingerprint,
            )
            start = time.perf_counter()
            container.servers.provision(
                owner,
                "mx1",
                domain="bench.test",
                mailu_dir=str(remote / "mailu"),
                mailu_url=api.base_url,
                poll_s=0.2,
            )
            full = time.perf_counter() - start
            start = time.perf_counter()
            container.servers.provision(owner, "mx1", resume=True)
            checks = time.perf_counter() - start
            container.close()
    print(f"provisioning plan, all steps: {full:.2f} s")
    print(f"re-run, every step already done: {checks:.2f} s")
    print(
        json.dumps(
            {
                "figure": "provisioning_plan_s",
                "seconds": round(full, 3),
                "target_s": TARGET_S,
                "baseline_rerun_s": round(checks, 3),
                "ratio_to_baseline": round(full / checks, 2),
                "ok": full < TARGET_S,
            }
        )
    )


if __name__ == "__main__":
    main()
