"""One console per data directory: two windows writing the same SQLite file would only
confuse their users (the database itself stays consistent either way)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

LOCK_NAME = "console.lock"


def acquire(data_dir: Path) -> QLockFile | None:
    """The held lock, or None when another live console owns this data directory.

    QLockFile records the owner's PID and treats a lock left by a crashed process as stale, so
    a crash never keeps the console from starting again.
    """
    lock = QLockFile(str(data_dir / LOCK_NAME))
    lock.setStaleLockTime(0)
    return lock if lock.tryLock(200) else None
