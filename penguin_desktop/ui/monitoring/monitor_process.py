"""The console's monitor runs in a process of its own, not on a thread of the window's: probing
thousands of services is Python work, and on threads it holds the interpreter lock long enough
to freeze the window for a few hundred milliseconds at a time. The child opens its own
container on the same data directory and database (SQLite in WAL mode takes the two writers),
acts as the signed-in user, and reports each round on a queue.

Nothing here imports Qt: the child starts by importing this module alone.

The child has no way to ask for the secrets file's master password; with that backend, checks
that need a secret (SSH health, notifiers) say the file is locked, and `penguin monitor run`
on a box of its own is the way."""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
from multiprocessing.synchronize import Event

from penguin_desktop.config import Settings
from penguin_desktop.core.platform.models import Actor

NICENESS = 10


def serve(settings: Settings, actor: Actor, stop: Event, reports: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The child's whole life: rounds on the schedules until `stop` is set."""
    from penguin_desktop.container import Container

    if hasattr(os, "nice"):
        os.nice(NICENESS)  # the window the user is looking at comes first on a busy machine
    threading.Thread(target=_stop_when_orphaned, args=(stop,), daemon=True).start()
    container = Container(settings, create=False)
    try:
        container.monitoring.runner.run_forever(actor, stop, on_round=reports.put)  # type: ignore[arg-type]
    finally:
        container.close()


def _stop_when_orphaned(stop: Event) -> None:
    """The child is not a daemon (the DNS checks start worker processes of their own, which a
    daemon may not), so it must end by itself when the console dies without stopping it."""
    parent = multiprocessing.parent_process()
    while not stop.wait(2.0):
        if parent is not None and not parent.is_alive():
            stop.set()


class MonitorProcess:
    """Starts, polls and stops the child."""

    def __init__(self, settings: Settings, actor: Actor) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._reports: multiprocessing.Queue = self._context.Queue()  # type: ignore[type-arg]
        self._process = self._context.Process(
            target=serve,
            args=(settings, actor, self._stop, self._reports),
            name="penguin-monitor",
        )

    def start(self) -> None:
        self._process.start()

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

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
        self._stop.set()
        if self._process.pid is not None:
            self._process.join(wait)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(2)
