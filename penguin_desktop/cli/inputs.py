"""Reading what people hand the command line (key files, standard input) with a size limit and
a clear refusal, so `--key-file /dev/zero` or binary bytes on stdin end in a sentence, not in
exhausted memory or a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

from penguin_desktop import log
from penguin_desktop.core.platform.errors import ValidationError

KEY_FILE_LIMIT = 64 * 1024  # an RSA-8192 private key in PEM is under 7 KiB
STDIN_LIMIT = 64 * 1024  # the secret store's own limit on a value


def _text(data: bytes, limit: int, what: str) -> str:
    if len(data) > limit:
        raise ValidationError(f"{what} is larger than {limit // 1024} KiB; refused unread")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"{what} is not UTF-8 text") from None


def read_text_file(path: Path, what: str, limit: int = KEY_FILE_LIMIT) -> str:
    """A small text file (a key); `what` names it in errors ("the key file /x")."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ValidationError(f"cannot read {what}: {exc.strerror or exc}") from None
    return _text(data, limit, what)


def _stdin() -> BinaryIO:
    return sys.stdin.buffer


def read_stdin(what: str, limit: int = STDIN_LIMIT) -> str:
    """All of standard input (a secret value), redacted from the logs."""
    value = _text(_stdin().read(limit + 1), limit, f"the {what} on standard input")
    log.redact(value)
    return value


def read_stdin_line(what: str, limit: int = STDIN_LIMIT) -> str:
    """The first line of standard input (a password, a token), redacted from the logs."""
    line = _text(_stdin().readline(limit + 1), limit, f"the {what} on standard input")
    value = line.rstrip("\r\n")
    if not value:
        raise ValidationError(f"no {what} on standard input")
    log.redact(value)
    return value
