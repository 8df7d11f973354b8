"""The encrypted secrets file under concurrent writers and a writer killed mid-write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from penguin_desktop.core.secrets.backends.file_store import EncryptedFileStore, KdfParams

ROOT = Path(__file__).resolve().parents[2]
MASTER = "Master-of-secrets-2026"
FAST = KdfParams(time_cost=1, memory_kib=8192, parallelism=1)


def _writer(path: Path, prefix: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.file_writer",
            str(path),
            MASTER,
            prefix,
            str(count),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "secrets.penc"
    EncryptedFileStore.create(path, MASTER, FAST)
    writers = [_writer(path, p, 30) for p in ("left", "right", "middle")]
    for proc in writers:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    store = EncryptedFileStore(path, MASTER, FAST)
    assert len(store.locators()) == 90
    assert store.get("middle-00029") == "value of middle-00029"


def test_a_writer_killed_mid_write_leaves_the_last_committed_state(tmp_path: Path) -> None:
    path = tmp_path / "secrets.penc"
    EncryptedFileStore.create(path, MASTER, FAST)
    proc = _writer(path, "burst", 100_000)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    committed = [proc.stdout.readline().strip() for _ in range(25)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    committed += [line.strip() for line in proc.stdout if line.strip()]
    store = EncryptedFileStore(path, MASTER, FAST)
    keys = set(store.locators())
    assert set(committed) <= keys
    assert all(store.get(k) == f"value of {k}" for k in keys)
    assert stat_mode(path) == 0o600


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
