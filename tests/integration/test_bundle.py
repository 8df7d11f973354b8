"""The Debian package of the PyInstaller bundle, built and installed on this machine.

Builds `installers/build.sh` (bundle + .deb), installs the package with `dpkg -i`, then runs
the installed programs with an environment holding no Python of ours (no venv on PATH, no
PYTHONPATH): `penguin --version`, `penguin init` and `penguin workspace create` in a scratch
data directory (the Alembic migrations must be found inside the bundle), and the console
offscreen until its main window is shown (`PENGUIN_SMOKE_EXIT=1`), and opens a data directory
left at the previous schema (backed up, then upgraded). The package is purged at the end,
whatever happened.

It is marked `heavy`: freezing PySide6 takes minutes, so the normal test command (`scripts/test`,
which CI runs: pytest's `addopts` deselect `heavy`) leaves it out. Run it on demand, as root on a
Debian/Ubuntu machine:

    .venv/bin/python -m pytest -m heavy tests/integration/test_bundle.py

Not root: skipped (dpkg -i needs root), except under CI=true, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from penguin_desktop import __version__

pytestmark = pytest.mark.heavy

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "penguin-desktop"
OWNER = "owner@bundle.test"
PASSWORD = "Glacier-walrus-2026!z"
BUILD_TIMEOUT_S = 3600


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """What a user's shell would give the installed program: system PATH, no Python of ours."""
    return {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(data_dir.parent),
        "LANG": "C.UTF-8",
        "PENGUIN_DATA_DIR": str(data_dir),
        **extra,
    }


def run(
    args: list[str], env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


# postinst makes these and purge keeps them (the agency's data and settings); the test removes
# them again when it made them, so the machine is left as it was.
KEPT_ON_PURGE = (Path("/var/lib/penguin"), Path("/etc/penguin"))


def dpkg_purge(made_here: list[Path]) -> None:
    run(["dpkg", "--purge", PACKAGE], timeout=300)
    for folder in made_here:
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty: never someone's data


@pytest.fixture(scope="module")
def installed() -> Iterator[Path]:
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the bundle test installs a .deb with dpkg -i: run it as root in CI")
        pytest.skip("installing the .deb needs root (dpkg -i); run this test as root")
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb not found: the package is built on Debian/Ubuntu only")
    build = run(["bash", str(ROOT / "installers" / "build.sh")], timeout=BUILD_TIMEOUT_S)
    assert build.returncode == 0, build.stdout + build.stderr
    print(build.stdout)  # build time, bundle and .deb sizes (pytest -s shows them)
    debs = sorted((ROOT / "dist").glob(f"{PACKAGE}_{__version__}_*.deb"))
    assert debs, f"no .deb in dist/:\n{build.stdout}"
    made_here = [folder for folder in KEPT_ON_PURGE if not folder.exists()]
    # apt-get pulls in the Depends that are missing (the .deb lists the Qt system libraries).
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = run(["apt-get", "install", "-y", "-q", str(debs[-1])], env=apt_env, timeout=900)
    if install.returncode != 0:  # no apt repository reachable: dpkg alone, Depends must be met
        install = run(["dpkg", "-i", str(debs[-1])], timeout=300)
    try:
        assert install.returncode == 0, install.stdout + install.stderr
        yield Path("/usr/bin")
    finally:
        dpkg_purge(made_here)


def test_version_without_python(installed: Path, tmp_path: Path) -> None:
    result = run([str(installed / "penguin"), "--version"], env=clean_env(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == __version__


def test_package_contents(installed: Path) -> None:
    assert Path("/usr/share/applications/penguin-desktop.desktop").is_file()
    assert Path("/usr/share/icons/hicolor/scalable/apps/penguin-desktop.svg").is_file()
    units = sorted(Path("/lib/systemd/system").glob("penguin-*.service"))
    assert {unit.name for unit in units} >= {
        "penguin-monitor.service",
        "penguin-unsubscribe.service",
    }
    for unit in units:
        text = unit.read_text()
        assert "ExecStart=/usr/bin/penguin " in text and "/usr/local/bin" not in text
    user = run(["getent", "passwd", "penguin"])
    assert user.returncode == 0 and ":/var/lib/penguin:" in user.stdout


def test_cli_and_console_from_package(installed: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = clean_env(data, PENGUIN_PASSWORD=PASSWORD)
    penguin = str(installed / "penguin")
    init = run([penguin, "init", "--org", "Bundle Agency", "--owner-email", OWNER], env=env)
    assert init.returncode == 0, init.stderr
    env["PENGUIN_USER"] = OWNER
    created = run([penguin, "workspace", "create", "Client One"], env=env)
    assert created.returncode == 0, created.stderr
    listed = run([penguin, "--json", "workspace", "list"], env=env)
    assert listed.returncode == 0 and "Client One" in listed.stdout, listed.stderr
    verified = run([penguin, "audit", "verify"], env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    gui_env = {
        **env,
        "QT_QPA_PLATFORM": "offscreen",
        "PENGUIN_SMOKE_EXIT": "1",
        "PENGUIN_NO_BACKGROUND_MONITOR": "1",
    }
    console = run([str(installed / "penguin-desktop")], env=gui_env, timeout=120)
    assert console.returncode == 0, console.stdout + console.stderr
    assert "WINDOW-SHOWN True" in console.stdout, console.stdout + console.stderr


def test_older_data_directory_upgrades_after_backup(installed: Path, tmp_path: Path) -> None:
    """A data directory at the previous schema opens in the bundle: backed up, then migrated
    by the migration scripts shipped inside it (Alembic loads them by path)."""
    from alembic import command
    from sqlalchemy import create_engine

    from penguin_desktop.config import DB_FILE
    from penguin_desktop.core.platform.store import schema

    data = tmp_path / "data"
    env = clean_env(data, PENGUIN_PASSWORD=PASSWORD)
    penguin = str(installed / "penguin")
    init = run([penguin, "init", "--org", "Old Agency", "--owner-email", OWNER], env=env)
    assert init.returncode == 0, init.stderr
    env["PENGUIN_USER"] = OWNER
    assert run([penguin, "workspace", "create", "Kept"], env=env).returncode == 0
    previous = f"{int(schema.SCHEMA_HEAD) - 1:04d}"
    engine = create_engine(f"sqlite:///{data / DB_FILE}")
    try:
        with engine.begin() as conn:
            command.downgrade(schema.alembic_config(conn), previous)
    finally:
        engine.dispose()

    listed = run([penguin, "workspace", "list"], env=env)
    assert listed.returncode == 0 and "Kept" in listed.stdout, listed.stdout + listed.stderr
    assert len(list(data.glob(f"{DB_FILE}.bak-{previous}-*"))) == 1
    engine = create_engine(f"sqlite:///{data / DB_FILE}")
    try:
        with engine.connect() as conn:
            assert schema.current_revision(conn) == schema.SCHEMA_HEAD
    finally:
        engine.dispose()
