"""Nothing committed is lost and the chain stays valid when processes die or race."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.platform.models import Actor
from tests.conftest import OWNER_EMAIL, OWNER_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _writer(db_url: str, prefix: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.writer",
            db_url,
            OWNER_EMAIL,
            OWNER_PASSWORD,
            prefix,
            str(count),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PENGUIN_DATA_DIR": str(ROOT / ".never-used")},
    )


def test_sigkill_mid_burst_keeps_every_committed_event(
    container: Container, owner: Actor, db_url: str
) -> None:
    proc = _writer(db_url, "burst", 100_000)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    committed = [proc.stdout.readline().strip() for _ in range(40)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    committed += [line.strip() for line in proc.stdout if line.strip()]

    names = {w.name for w in container.workspaces.all(owner)}
    assert set(committed) <= names
    assert len(names) >= 40
    created = container.audit.page(owner, AuditFilter(action="workspace.create"), limit=100_000)
    assert {e.target.removeprefix("workspace:") for e in created} == names
    result = container.audit.verify(owner)
    assert result.ok, result.problem


def test_two_writers_at_once_keep_one_valid_chain(
    container: Container, owner: Actor, db_url: str
) -> None:
    writers = [_writer(db_url, prefix, 25) for prefix in ("left", "right")]
    for proc in writers:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    names = {w.name for w in container.workspaces.all(owner)}
    assert len(names) == 50
    result = container.audit.verify(owner)
    assert result.ok, result.problem
    assert result.checked == 2 + 50
