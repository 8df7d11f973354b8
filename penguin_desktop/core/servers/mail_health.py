"""The figures monitoring watches on a mail server: load, free memory, the use of the volume
holding MailU, MailU's containers and Postfix's queue. They are read over one SSH session with
read-only commands and handed back as they are; monitoring judges them and keeps their history.

Each figure is read on its own: one that cannot be read (output not understood, a stopped
container, a command that does not answer) is left empty and named in the error, never raised,
so one odd server cannot stop a monitoring round. Only failing to get a session at all makes
the server unreachable.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from penguin_desktop.core.platform.errors import ExternalServiceError
from penguin_desktop.core.servers.access import Login
from penguin_desktop.core.servers.health import disk_used_percent, load_figures, memory_figures
from penguin_desktop.core.servers.models import MailHealth
from penguin_desktop.core.servers.ssh.client import SshConnection
from penguin_desktop.core.servers.ssh.errors import HostKeyNotAccepted

FIGURE_TIMEOUT = 20.0
QUEUE_TIMEOUT = 60.0  # a queue of many thousand messages takes a while to print
MAILU_PROJECT = "mailu"  # the compose project provisioning names (`docker compose -p mailu`)
POSTFIX_SERVICE = "smtp"  # MailU's Postfix
NOT_TRUSTED = "host key not accepted yet: check its fingerprint and accept it first"
_MARK = "--penguin-mail-health--"


def read_mail_health(
    login: Login, session: Callable[[], AbstractContextManager[SshConnection]]
) -> MailHealth:
    """The figures of one server; `session` logs in. A server whose host key is not accepted
    yet, or that cannot be reached or logged in to, comes back unreachable with the reason."""
    started = time.monotonic()

    def unreachable(reason: str) -> MailHealth:
        elapsed = time.monotonic() - started
        return MailHealth(login.workspace, login.name, False, reason, elapsed=elapsed)

    if login.pinned is None:
        return unreachable(NOT_TRUSTED)
    try:
        with session() as conn:
            figures = _Reader(conn, login.mailu_dir).read()
    except (ExternalServiceError, HostKeyNotAccepted) as exc:
        return unreachable(exc.message)
    return figures.health(login, time.monotonic() - started)


def parse_compose_ps(text: str) -> tuple[dict[str, bool] | None, str | None]:
    """Each service and whether its containers are up (running, and not unhealthy), from
    `docker compose ps --format json`: one JSON array before Compose 2.21, one object a line
    since. (None, the reason) when the output is not understood."""
    items, bad = _json_items(text)
    if bad is not None:
        return None, f"`docker compose ps` printed {bad!r}"
    services: dict[str, bool] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("Service"), str):
            return None, f"`docker compose ps` printed {_sample(json.dumps(item))!r}"
        state = str(item.get("State", "")).lower()
        up = state.startswith(("running", "up")) and str(item.get("Health", "")) != "unhealthy"
        services[item["Service"]] = services.get(item["Service"], True) and up
    return services, None


def parse_queue(text: str, now: float) -> tuple[int | None, float | None, str | None]:
    """(messages, age of the oldest in seconds, None) from `postqueue -j`, one JSON object a
    message; the age is None for an empty queue. (None, None, the reason) when not understood."""
    items, bad = _json_items(text, whole=False)
    if bad is not None:
        return None, None, f"postqueue printed {bad!r}"
    arrivals = []
    for item in items:
        if not isinstance(item, dict):
            return None, None, f"postqueue printed {_sample(json.dumps(item))!r}"
        arrival = item.get("arrival_time")
        if isinstance(arrival, int | float) and not isinstance(arrival, bool):
            arrivals.append(float(arrival))
    oldest = max(0.0, now - min(arrivals)) if arrivals else None
    return len(items), oldest, None


def _json_items(text: str, whole: bool = True) -> tuple[list[object], str | None]:
    """The JSON values of `text`: all of it as one value (a list gives its items) when
    `whole`, else one value a line; (what was read, the first line not understood)."""
    text = text.strip()
    if not text:
        return [], None
    if whole:
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            return (value if isinstance(value, list) else [value]), None
    items = []
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        try:
            items.append(json.loads(line))
        except (ValueError, RecursionError):
            return items, _sample(line)
    return items, None


def _sample(text: str) -> str:
    line = next((raw.strip() for raw in text.splitlines() if raw.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


@dataclass
class _Figures:
    """What has been read so far, and what could not be."""

    load_per_cpu: float | None = None
    memory_free_percent: float | None = None
    disk_percent: float | None = None
    expected: tuple[str, ...] = ()
    up: tuple[str, ...] = ()
    queue_size: int | None = None
    queue_oldest: float | None = None
    problems: list[str] = field(default_factory=list)

    def health(self, login: Login, elapsed: float) -> MailHealth:
        return MailHealth(
            login.workspace, login.name, True, "; ".join(self.problems) or None,
            self.load_per_cpu, self.memory_free_percent, self.disk_percent,
            self.expected, self.up, self.queue_size, self.queue_oldest, elapsed,
        )  # fmt: skip


class _Reader:
    """Reads the figures over one connection, in four to five commands."""

    def __init__(self, conn: SshConnection, folder: str) -> None:
        self.conn = conn
        self.folder = folder.rstrip("/") or "/"
        self.where = shlex.quote(self.folder)
        self.found = _Figures()

    def read(self) -> _Figures:
        docker = self._system()
        if docker is not None:
            compose = self._containers(docker)
            if POSTFIX_SERVICE in self.found.up:
                self._queue(compose)
            elif self.found.expected:
                self.found.problems.append(
                    f"the mail queue was not read: MailU's {POSTFIX_SERVICE} container is not "
                    "running"
                )
        return self.found

    def _ask(
        self, command: str, what: str, timeout: float = FIGURE_TIMEOUT, note: bool = True
    ) -> str | None:
        """`command`'s output; None when it fails or does not answer, the problem noted unless
        the caller can do without (`note` False)."""
        try:
            result = self.conn.run(command, timeout=timeout)
        except ExternalServiceError as exc:
            problem = exc.message
        else:
            if result.ok:
                return result.stdout
            last = result.output.splitlines()[-1:] or [f"exit status {result.exit_code}"]
            problem = _sample(last[0])
        if note:
            self.found.problems.append(f"{what} could not be read: {problem}")
        return None

    def _system(self) -> str | None:
        """Load, memory and disk in one command; returns how to call docker (through `sudo -n`
        for a login that is not root and cannot reach Docker itself), None without a MailU
        folder."""
        mark = f"echo {_MARK}"
        output = self._ask(
            f"nproc && cat /proc/loadavg; {mark}; "
            f"grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; {mark}; "
            f"if [ -d {self.where} ]; then df -P {self.where}; else df -P /; fi; {mark}; "
            f"[ -d {self.where} ] && echo folder; "
            '[ "$(id -u)" = 0 ] || docker info >/dev/null 2>&1 || '
            "{ sudo -n true 2>/dev/null && echo sudo; }; true",
            "the load, memory and disk figures",
        )
        if output is None:
            return None
        load, memory, disk, access = [*output.split(f"{_MARK}\n"), "", "", ""][:4]
        self._figures(load, memory, disk)
        if "folder" not in access.split():
            self.found.problems.append(
                f"the MailU directory {self.folder} does not exist, so MailU's containers and "
                "mail queue were not read"
            )
            return None
        return "sudo -n docker" if "sudo" in access.split() else "docker"

    def _figures(self, load: str, memory: str, disk: str) -> None:
        if (loads := load_figures(load)) is not None:
            self.found.load_per_cpu = loads[0] / max(loads[1], 1)
        else:
            self.found.problems.append(f"the load was not understood: {_sample(load)!r}")
        if (mem := memory_figures(memory)) is not None:
            self.found.memory_free_percent = 100 * mem[0] / max(mem[1], 1)
        else:
            self.found.problems.append(
                f"the memory figures were not understood: {_sample(memory)!r}"
            )
        if (used := disk_used_percent(disk)) is not None:
            self.found.disk_percent = float(used)
        else:
            self.found.problems.append(f"the disk use was not understood: {_sample(disk)!r}")

    def _containers(self, docker: str) -> str:
        """Fill in MailU's services and the ones up; returns the compose command that found
        them. The folder's own project comes first (the name its compose file or folder
        gives), then the one provisioning names, for a MailU provisioned in another folder."""
        compose = f"{docker} compose"
        services = self._listed(compose)
        if services == {}:
            compose = f"{docker} compose -p {MAILU_PROJECT}"
            services = self._listed(compose)
        if services is None:
            return compose
        declared = self._ask(
            f"cd {self.where} && {compose} config --services", "MailU's services", note=False
        )
        names = set(services) | set((declared or "").split())
        self.found.expected = tuple(sorted(names))
        self.found.up = tuple(sorted(name for name, up in services.items() if up))
        if not names:
            self.found.problems.append(f"no MailU containers were found in {self.folder}")
        return compose

    def _listed(self, compose: str) -> dict[str, bool] | None:
        listed = self._ask(
            f"cd {self.where} && {compose} ps -a --format json", "MailU's containers"
        )
        if listed is None:
            return None
        services, problem = parse_compose_ps(listed)
        if problem is not None:
            self.found.problems.append(f"MailU's containers could not be read: {problem}")
        return services

    def _queue(self, compose: str) -> None:
        """Postfix's queue, aged by the server's own clock (no skew with this machine's)."""
        output = self._ask(
            f"date +%s && cd {self.where} && {compose} exec -T {POSTFIX_SERVICE} postqueue -j",
            "the mail queue",
            QUEUE_TIMEOUT,
        )
        if output is None:
            return
        clock, _, queue = output.partition("\n")
        try:
            now = float(clock.strip())
        except ValueError:
            self.found.problems.append(f"the server's clock was not understood: {_sample(clock)!r}")
            return
        size, oldest, problem = parse_queue(queue, now)
        if problem is not None:
            self.found.problems.append(f"the mail queue could not be read: {problem}")
        self.found.queue_size, self.found.queue_oldest = size, oldest
