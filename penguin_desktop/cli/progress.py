"""One progress line for slow commands, drawn on a terminal's stderr only (never when piped or
in --json mode) and wiped when the command ends, whether it succeeded or not."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from penguin_desktop.cli.state import CliState
from penguin_desktop.core.platform.jobs import JobContext


@contextmanager
def progress(state: CliState) -> Iterator[JobContext]:
    tty = sys.stderr.isatty() and not state.json

    def show(fraction: float, text: str) -> None:
        sys.stderr.write(f"\r{fraction:6.1%}  {text}\x1b[K")
        sys.stderr.flush()

    try:
        yield JobContext(show) if tty else JobContext()
    finally:
        if tty:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT (Ctrl-C) and SIGTERM (systemd stopping the service) call `stop`: the job under
    way ends where it can stop cleanly; a second signal stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.getsignal(sig) for sig in caught}
    asked = threading.Event()

    def handle(_signum: int, _frame: FrameType | None) -> None:
        if asked.is_set():
            raise KeyboardInterrupt
        asked.set()
        stop()

    for sig in caught:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
