"""What a frozen (PyInstaller) `penguin` or `penguin-desktop` does before the real entry point.

In the bundle `sys.executable` is our own program, not a Python interpreter. The children that
multiprocessing starts with it (`spawn` for the console's background monitor, `forkserver` for
the DNS check pool) come back through here: `freeze_support()` recognises their arguments, runs
them and exits, before any of our argument parsing sees them. (The audit verification helper,
`sys.executable -I -c ...`, is not started when frozen: core/audit/verify.py checks
`sys.frozen` and walks the chain in one process.)
"""

from __future__ import annotations

import multiprocessing


def prepare() -> None:
    multiprocessing.freeze_support()
