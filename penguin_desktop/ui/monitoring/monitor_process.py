"""The console's monitor runs in a process of its own, not on a thread of the window's: probing
thousands of services is Python work, and on threads it holds the interpreter lock long enough
to freeze the window for a few hundred milliseconds at a time. The child opens its own
container on the same data directory and database (SQLite in WAL mode takes the two writers),
acts as the signed-in user, and reports each round on a queue.

Nothing here imports Qt: the child starts by importing this module alone.

The child cannot ask the person for the secrets file's master password. When the window has the
file open, it hands the unlock over (SecretService.hand_over_file, audited) through a pipe
between the two processes, and the child opens the file as the signed-in user (audited too);
until then, checks that need a secret from the file (SSH health, notifiers) say it is locked."""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING

from penguin_desktop.config import Settings
from penguin_desktop.core.platform.models import Actor

if TYPE_CHECKING:
    from penguin_desktop.container import Container

NICENESS = 10
POLL_S = 1.0
log = logging.getLogger(__name__)


class _HandedOver:
    """The master password the window handed over, as the child's container asks for it."""

    def __init__(self) -> None:
        self.password: str | None = None

    def __call__(self, creating: bool) -> str:
        if creating or self.password is None:
            from penguin_desktop.core.platform.errors import AuthenticationError

            raise AuthenticationError("the secrets file is locked: unlock it in the console")
        return self.password


def serve(
    settings: Settings,
    actor: Actor,
    stop: Event,
    reports: multiprocessing.Queue,  # type: ignore[type-arg]
    keys: Connection,
) -> None:
    """The child's whole life: rounds on the schedules until `stop` is set."""
    from penguin_desktop.container import Container

    if hasattr(os, "nice"):
        os.nice(NICENESS)  # the window the user is looking at comes first on a busy machine
    threading.Thread(target=_stop_when_orphaned, args=(stop,), daemon=True).start()
    handed = _HandedOver()
    container = Container(settings, handed, create=False)
    threading.Thread(
        target=_open_when_handed, args=(keys, handed, container, actor, stop), daemon=True
    ).start()
    try:
        container.monitoring.runner.run_forever(actor, stop, on_round=reports.put)  # type: ignore[arg-type]
    finally:
        container.close()


def _open_when_handed(
    keys: Connection, handed: _HandedOver, container: Container, actor: Actor, stop: Event
) -> None:
    """Wait for the window's hand-over, then open the secrets file with it."""
    from penguin_desktop.core.platform.errors import PenguinError

    while not stop.is_set():
        try:
            if not keys.poll(1.0):
                continue
            handed.password = keys.recv()
        except (EOFError, OSError):
            return  # the window is gone; the orphan watch ends the child
        try:
            container.secrets.open_file(actor)
        except PenguinError as exc:
            log.warning("the monitor could not open the secrets file: %s", exc.message)


def _stop_when_orphaned(stop: Event) -> None:
    """The child is not a daemon (the DNS checks start worker processes of their own, which a
    daemon may not), so it must end by itself when the console dies without stopping it.
    It polls rather than waits on `stop`: a process that ends while one of its threads waits on
    a multiprocessing Event leaves that wait counted, and the window's `set()` then blocks for
    ever (the child ends by itself when the user's role runs no checks)."""
    parent = multiprocessing.parent_process()
    while not stop.is_set():
        time.sleep(POLL_S)
        if parent is not None and not parent.is_alive():
            stop.set()


class MonitorProcess:
    """Starts, polls and stops the child."""

    def __init__(self, settings: Settings, actor: Actor) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._reports: multiprocessing.Queue = self._context.Queue()  # type: ignore[type-arg]
        self._keys, keys = self._context.Pipe()
        self._process = self._context.Process(
            target=serve,
            args=(settings, actor, self._stop, self._reports, keys),
            name="penguin-monitor",
        )

    def start(self) -> None:
        self._process.start()

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    def hand_over(self, password: str) -> None:
        """Pass the secrets file's master password to the child (see the module's docstring)."""
        self._keys.send(password)

    def reports(self) -> list[object]:
        """The rounds reported since the last call, without waiting."""
        found: list[object] = []
        while True:
            try:
                found.append(self._reports.get_nowait())
            except queue.Empty:
                return found

    def stop(self, wait: float = 15.0) -> None:
        """Ask the child to finish the probe under way; end it if it does not in `wait` s."""
        if self._process.is_alive():  # one that ended by itself has nobody left to tell
            self._stop.set()
        if self._process.pid is not None:
            self._process.join(wait)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(2)
