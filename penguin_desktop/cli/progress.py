"""One progress line for slow commands, drawn on a terminal's stderr only (never when piped or
in --json mode) and wiped when the command ends, whether it succeeded or not."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

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
