"""One job at a time per resource (e.g. per server), within this process."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from penguin_desktop.core.platform.errors import ConflictError


class ResourceLocks:
    """Non-blocking locks by key: a second job on a busy resource is refused, not queued, so a
    person sees at once that the server is busy instead of a frozen progress bar."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[str, str] = {}

    @contextmanager
    def hold(self, key: str, what: str) -> Iterator[None]:
        with self._guard:
            running = self._held.get(key)
            if running is not None:
                raise ConflictError(f"{key} is busy ({running}); wait for it to finish")
            self._held[key] = what
        try:
            yield
        finally:
            with self._guard:
                self._held.pop(key, None)

    def busy(self, key: str) -> str | None:
        with self._guard:
            return self._held.get(key)
