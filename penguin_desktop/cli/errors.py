"""Core's errors in the command line's words: a field becomes its flag, a remedy the command
to run. The one place where the CLI phrases an error (cli.main prints it)."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager

from penguin_desktop.core.platform.errors import PenguinError, Remedy

# A field whose flag is not simply --field-name (values and credentials are read from stdin).
_FLAGS: dict[str, str] = {
    "value": "--value-stdin",
    "token": "--token-stdin",
    "secret_id": "--secret-id-stdin",
    "ca_cert": "--cacert",
    "org": "--org",
    "routing_key": "--routing-key-stdin",
    "secret": "--secret-stdin",
}
# An action whose command is not simply `penguin <capability> <verb>`.
_COMMANDS: dict[str, str] = {
    "init": "penguin init",
}


def flag(field: str) -> str:
    """The option a field is given with."""
    return _FLAGS.get(field, "--" + field.replace("_", "-"))


@contextmanager
def arguments(*fields: str) -> Iterator[None]:
    """Within a command that takes these fields as arguments (`penguin alert ack ID`), an error
    about one of them gets no flag after it: the message already names the value given."""
    try:
        yield
    except PenguinError as exc:
        if exc.field in fields:
            exc.field = None
        raise


def command(remedy: Remedy) -> str:
    """The command line that carries out `remedy`."""
    words = _COMMANDS.get(remedy.action) or "penguin " + remedy.action.replace(".", " ")
    for argument in (remedy.subject, *remedy.arguments):
        if argument:
            words += " " + shlex.quote(argument)
    for field, value in remedy.fields:
        words += f" {flag(field)}" + (f" {shlex.quote(value)}" if value else "")
    return words


def phrase(error: PenguinError) -> str:
    """The one line printed after `error:`."""
    text = error.message
    if error.allowed:
        text += f" (choose one of {', '.join(error.allowed)})"
    if error.field is not None:
        text += f" ({flag(error.field)})"
    if error.remedy is not None:
        text += f": run `{command(error.remedy)}`"
    return text
