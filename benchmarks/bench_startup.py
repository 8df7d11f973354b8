"""Console cold start: process start to an interactive main window (target: under 1.5 s).

Prepares an initialized data directory (an owner and a few workspaces), then launches fresh
Python processes that run the real start-up path, `penguin_desktop.ui.shell.app.run`, offscreen,
signing in with PENGUIN_USER / PENGUIN_PASSWORD. Each child prints a line as soon as the main
window is shown and the event loop is running, and quits. The figure is the median wall time
from spawning the process to reading that line, as seen by this parent.

    .venv/bin/python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from penguin_desktop.config import Settings
from penguin_desktop.container import Container
from penguin_desktop.core.platform.models import Face

BASELINE_MS = 1500.0
OWNER = "owner@bench.example"
PASSWORD = "correct horse battery staple 42"

CHILD = """
import json, sys, time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
t1 = time.perf_counter()
import penguin_desktop.container
t2 = time.perf_counter()
from penguin_desktop.ui.shell import app
t3 = time.perf_counter()

def shown(window):
    t4 = time.perf_counter()
    phases = {"qt_import": t1 - t0, "core_import": t2 - t1, "ui_import": t3 - t2,
              "sign_in_and_window": t4 - t3}
    print("WINDOW-SHOWN", window.isVisible(), json.dumps(phases), flush=True)
    QApplication.quit()

sys.exit(app.run(sys.argv[1:], on_window_shown=shown))
"""


def prepare(folder: Path) -> None:
    container = Container(Settings.resolve(data_dir=folder, env={}))
    owner = container.auth.initialize("Bench Agency", OWNER, PASSWORD, Face.CLI)
    for name in ("Acme Corp", "Globex", "Initech", "Umbrella Health", "Wayne Outreach"):
        container.workspaces.create(owner, name)
    container.close()


def launch(folder: Path) -> tuple[float, dict[str, float]]:
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
    phases = json.loads(line.split(" ", 2)[2])
    return elapsed, phases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="penguin-bench-startup-"))
    prepare(folder)
    launch(folder)  # warm the OS file cache once; every measured run is a fresh process
    try:
        measured = [launch(folder) for _ in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    runs = [total for total, _ in measured]
    median = statistics.median(runs)
    for phase in measured[0][1]:
        typical = statistics.median(phases[phase] for _, phases in measured) * 1000
        print(f"  {phase:20s} {typical:6.0f} ms (median, inside the process)")
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
