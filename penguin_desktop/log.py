"""Logging to a rotating file in the data directory, through a filter that redacts secrets.

Values handed to `redact()` (passwords typed this session, later every secret read) are masked
in every record, including its arguments and any exception text.
"""

from __future__ import annotations

import logging
import logging.handlers
import threading
from pathlib import Path

_MASK = "[REDACTED]"
_secrets: set[str] = set()
_lock = threading.Lock()


_MIN_SECRET = 8


def redact(value: str) -> None:
    """Never let `value` reach a log line or an error message from now on.

    Values shorter than eight characters are not secrets worth the name (the password policy
    refuses them) and would mask ordinary words in messages.
    """
    if len(value) >= _MIN_SECRET:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure(log_dir: Path, debug: bool = False) -> None:
    # The data directory above the logs is private too; `parents=True` alone would make it 0755.
    log_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_dir.mkdir(exist_ok=True, mode=0o700)
    handler = logging.handlers.RotatingFileHandler(
        log_dir / "penguin.log", maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("penguin_desktop")
    root.handlers = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.propagate = False
    # paramiko reports a refused or failed connection at ERROR with a traceback; it belongs in
    # the log file, not on the terminal beside our one-line error.
    ssh = logging.getLogger("paramiko")
    ssh.handlers = [handler]
    ssh.setLevel(logging.DEBUG if debug else logging.WARNING)
    ssh.propagate = False
