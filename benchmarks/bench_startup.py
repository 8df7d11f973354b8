"""Console cold start: process start to an interactive main window (target: under 1.5 s).

Prepares an initialized data directory (an owner and a few workspaces), then launches fresh
Python processes that run the real start-up path, `penguin_desktop.ui.app.run`, offscreen,
signing in with PENGUIN_USER / PENGUIN_PASSWORD. Each child prints a line as soon as the main
window is shown and the event loop is running, and quits. The figure is the median wall time
from spawning the process to reading that line, as seen by this parent.

    .venv/bin/python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.models import Face

BASELINE_MS = 1500.0
OWNER = "owner@bench.example"
PASSWORD = "correct horse battery staple 42"

CHILD = """
import sys
from PySide6.QtWidgets import QApplication
from penguin_desktop.ui import app

def shown(window):
    print("WINDOW-SHOWN", window.isVisible(), flush=True)
    QApplication.quit()

sys.exit(app.run(sys.argv[1:], on_window_shown=shown))
"""


def prepare(folder: Path) -> None:
    container = Container(Settings.resolve(data_dir=folder, env={}))
    owner = container.auth.initialize("Bench Agency", OWNER, PASSWORD, Face.CLI)
    for name in ("Acme Corp", "Globex", "Initech", "Umbrella Health", "Wayne Outreach"):
        container.workspaces.create(owner, name)
    container.close()


def launch(folder: Path) -> float:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PENGUIN_USER": OWNER,
        "PENGUIN_PASSWORD": PASSWORD,
        "QT_LOGGING_RULES": "*.warning=false",
    }
    env.pop("PENGUIN_DB_URL", None)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "--data-dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = (time.perf_counter() - start) * 1000
    _, err = child.communicate(timeout=60)
    if not line.startswith("WINDOW-SHOWN True") or child.returncode != 0:
        raise SystemExit(f"start-up failed (exit {child.returncode}): {line!r}\n{err}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="penguin-bench-startup-"))
    prepare(folder)
    launch(folder)  # warm the OS file cache once; every measured run is a fresh process
    runs = [launch(folder) for _ in range(args.runs)]
    median = statistics.median(runs)
    print(f"start to interactive window: {median:.0f} ms median")
    print(f"runs: {', '.join(f'{r:.0f}' for r in runs)} ms")
    print(
        json.dumps(
            {
                "figure": "startup_to_window_ms",
                "value": round(median, 1),
                "baseline": BASELINE_MS,
                "ratio": round(median / BASELINE_MS, 3),
                "runs": [round(r, 1) for r in runs],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
