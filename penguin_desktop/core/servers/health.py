"""Whether a server is well: a few read-only commands over SSH (OS, load, memory, disk,
Docker) and its MailU version make a report; the report is saved with the server as JSON and
read back from there."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TypeVar

from penguin_desktop.core.platform.errors import ConflictError, PenguinError
from penguin_desktop.core.servers.access import Login
from penguin_desktop.core.servers.mailu_files import read_mailu_version
from penguin_desktop.core.servers.models import Health, HealthCheck, HealthReport
from penguin_desktop.core.servers.ssh.client import SshConnection

HEALTH_CONCURRENCY = 10
DISK_FULL_PERCENT = 90
LOAD_PER_CPU = 4.0  # a 1-minute load above this many runnable tasks per CPU is trouble
T = TypeVar("T")


def check_one(
    login: Login, session: Callable[[], AbstractContextManager[SshConnection]]
) -> HealthReport:
    """The report on one server; `session` holds its lock and logs in. A server that is busy
    or not trusted yet is skipped, one that cannot be reached says why."""
    started = time.monotonic()

    def failed(health: Health, message: str) -> HealthReport:
        elapsed = time.monotonic() - started
        return HealthReport(login.workspace, login.name, health, [], elapsed, message)

    if login.pinned is None:
        return failed(
            Health.SKIPPED,
            "host key not accepted yet: check its fingerprint and accept it first",
        )
    try:
        with session() as conn:
            checks = health_checks(conn)
            version = read_mailu_version(conn, login.mailu_dir)
    except ConflictError as busy:
        return failed(Health.SKIPPED, busy.message)
    except PenguinError as exc:
        return failed(Health.UNREACHABLE, exc.message)
    health = Health.HEALTHY if all(c.ok for c in checks) else Health.DEGRADED
    return HealthReport(
        login.workspace, login.name, health, checks, time.monotonic() - started,
        mailu_version=version,
    )  # fmt: skip


def in_parallel(work: Callable[[Login], T], items: Sequence[Login], concurrency: int) -> list[T]:
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
        return list(pool.map(work, items))


def health_checks(conn: SshConnection) -> list[HealthCheck]:
    """Five read-only commands: OS, load, memory, disk, Docker."""
    os_name = conn.run('. /etc/os-release && echo "$PRETTY_NAME"', timeout=20)
    checks = [HealthCheck("os", os_name.ok, os_name.stdout.strip() or os_name.output)]
    checks += [_load(conn), _memory(conn), _disk(conn)]
    docker = conn.run("docker compose version", timeout=20)
    checks.append(
        HealthCheck(
            "docker",
            docker.ok,
            docker.stdout.strip() if docker.ok else "Docker Compose is not installed",
        )
    )
    return checks


def load_figures(text: str) -> tuple[float, int] | None:
    """(1-minute load, CPUs) from `nproc && cat /proc/loadavg`; None if not understood. Shared
    with the mail-health figures, so both read the same numbers the same way."""
    try:
        cpus_text, loadavg = text.split("\n", 1)
        return float(loadavg.split()[0]), int(cpus_text)
    except (ValueError, IndexError):
        return None


def memory_figures(text: str) -> tuple[int, int] | None:
    """(available, total) in KiB from the MemAvailable and MemTotal lines of /proc/meminfo."""
    figures = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if rest.split() and rest.split()[0].isdigit():
            figures[key.strip()] = int(rest.split()[0])
    if not {"MemTotal", "MemAvailable"} <= figures.keys():
        return None
    return figures["MemAvailable"], figures["MemTotal"]


def disk_used_percent(text: str) -> int | None:
    """The use in percent that `df -P` prints for its one filesystem; None if not understood."""
    try:
        return int(text.splitlines()[1].split()[4].rstrip("%"))
    except (ValueError, IndexError):
        return None


def _load(conn: SshConnection) -> HealthCheck:
    load = conn.run("nproc && cat /proc/loadavg", timeout=20)
    figures = load_figures(load.stdout)
    if figures is None:
        return HealthCheck("load", False, load.output or "no load figures")
    load1, cpus = figures
    return HealthCheck("load", load1 < LOAD_PER_CPU * cpus, f"{load1:.2f} on {cpus} CPUs")


def _memory(conn: SshConnection) -> HealthCheck:
    mem = conn.run("grep -E '^(MemTotal|MemAvailable):' /proc/meminfo", timeout=20)
    figures = memory_figures(mem.stdout)
    if figures is None:
        return HealthCheck("memory", False, mem.output or "no memory figures")
    available, total = figures
    return HealthCheck(
        "memory",
        100 * available / max(total, 1) >= 5,
        f"{available // 1024} MiB free of {total // 1024} MiB",
    )


def _disk(conn: SshConnection) -> HealthCheck:
    disk = conn.run("df -P /", timeout=20)
    used = disk_used_percent(disk.stdout)
    if used is None:
        return HealthCheck("disk", False, disk.output or "no disk figures")
    return HealthCheck("disk", used < DISK_FULL_PERCENT, f"{used}% used on /")


def saved_form(report: HealthReport) -> str:
    """The report as the server's row keeps it (its last check)."""
    return json.dumps(
        {
            "health": report.health.value,
            "error": report.error,
            "checks": [[c.name, c.ok, c.detail] for c in report.checks],
        }
    )


def from_saved(workspace: str, server: str, raw: str | None) -> HealthReport | None:
    """The report `saved_form` kept, or None if never checked."""
    try:
        data = json.loads(raw or "{}")
        if "health" not in data:
            return None
        checks = [HealthCheck(str(n), bool(ok), str(d)) for n, ok, d in data["checks"]]
        health = Health(data["health"])
    except (ValueError, TypeError, KeyError):
        return None  # written by another version: shown as not checked
    return HealthReport(workspace, server, health, checks, 0.0, data.get("error"))
