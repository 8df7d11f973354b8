"""The PyInstaller bundle: its size, the .deb's size, and the bundled console's cold start.

Builds the bundle and the Debian package with `installers/build.sh` (with `--reuse`, measures
the dist/penguin/ and .deb already there, building only what is missing), prepares an
initialized data directory with the bundled `penguin` (an owner and a few workspaces), then
starts dist/penguin/penguin-desktop offscreen, signed in with PENGUIN_USER / PENGUIN_PASSWORD
and PENGUIN_SMOKE_EXIT=1, which prints a line as soon as the main window is shown and quits.
The figure is the median wall time from spawning the process to reading that line; the target
is the 1.5 s of bench_startup.py (the same path run from the venv). Linux only; the .deb needs
dpkg-deb (Debian/Ubuntu).

    .venv/bin/python benchmarks/bench_bundle.py [--reuse] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from penguin_desktop import __version__

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "penguin"
BASELINE_MS = 1500.0
OWNER = "owner@bench.example"
PASSWORD = "correct horse battery staple 42"
WORKSPACES = ("Acme Corp", "Globex", "Initech", "Umbrella Health", "Wayne Outreach")


def folder_bytes(folder: Path) -> int:
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir())


def clean_env(data_dir: Path) -> dict[str, str]:
    """No venv, no PYTHONPATH: only what the bundle carries."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(data_dir.parent),
        "LANG": "C.UTF-8",
        "PENGUIN_DATA_DIR": str(data_dir),
        "PENGUIN_USER": OWNER,
        "PENGUIN_PASSWORD": PASSWORD,
    }


def debs() -> list[Path]:
    return sorted((ROOT / "dist").glob(f"penguin-desktop_{__version__}_*.deb"))


def build(reuse: bool) -> float | None:
    """Seconds `installers/build.sh` took; None when --reuse found both products in dist/."""
    if reuse and (BUNDLE / "penguin").is_file() and debs():
        return None
    start = time.perf_counter()
    args = ["bash", str(ROOT / "installers" / "build.sh"), *(["--reuse"] if reuse else [])]
    subprocess.run(args, check=True)
    return time.perf_counter() - start


def prepare(data_dir: Path) -> None:
    env = clean_env(data_dir)
    penguin = str(BUNDLE / "penguin")
    commands = [[penguin, "init", "--org", "Bench Agency", "--owner-email", OWNER]]
    commands += [[penguin, "workspace", "create", name] for name in WORKSPACES]
    for command in commands:
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)


def launch(data_dir: Path) -> float:
    env = {
        **clean_env(data_dir),
        "QT_QPA_PLATFORM": "offscreen",
        "QT_LOGGING_RULES": "*.warning=false",
        "PENGUIN_SMOKE_EXIT": "1",
        "PENGUIN_NO_BACKGROUND_MONITOR": "1",
    }
    start = time.perf_counter()
    child = subprocess.Popen(
        [str(BUNDLE / "penguin-desktop")],
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
        raise SystemExit(f"bundled console failed (exit {child.returncode}): {line!r}\n{err}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep an existing dist/penguin/")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    build_s = build(args.reuse)
    built = debs()
    bundle_mib = folder_bytes(BUNDLE) / 2**20
    deb_mib = built[-1].stat().st_size / 2**20 if built else None
    scratch = Path(tempfile.mkdtemp(prefix="penguin-bench-bundle-"))
    try:
        data_dir = scratch / "data"
        prepare(data_dir)
        # Cold: the first start after the build, nothing of the bundle run before it except
        # the `penguin` commands above; then warm runs for the median.
        first = launch(data_dir)
        runs = [launch(data_dir) for _ in range(args.runs)]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    median = statistics.median(runs)
    print(f"build: {build_s:.0f} s" if build_s is not None else "build: reused dist/")
    print(f"bundle dist/penguin/: {bundle_mib:.1f} MiB")
    print(f".deb: {deb_mib:.1f} MiB" if deb_mib is not None else ".deb: not built")
    print(f"bundled console, start to window: first {first:.0f} ms, median {median:.0f} ms")
    print(f"runs: {', '.join(f'{r:.0f}' for r in runs)} ms (target {BASELINE_MS:.0f} ms)")
    print(
        json.dumps(
            {
                "figure": "bundle_startup_to_window_ms",
                "value": round(median, 1),
                "baseline": BASELINE_MS,
                "ratio": round(median / BASELINE_MS, 3),
                "runs": [round(r, 1) for r in runs],
                "first_run_ms": round(first, 1),
                "bundle_mib": round(bundle_mib, 1),
                "deb_mib": round(deb_mib, 1) if deb_mib is not None else None,
                "build_s": round(build_s, 1) if build_s is not None else None,
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
