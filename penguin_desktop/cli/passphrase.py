"""The passphrase of a sealed file (a backup, a workspace bundle), asked for the same way by
every command that makes or opens one."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

from penguin_desktop import log
from penguin_desktop.cli.inputs import read_stdin_line
from penguin_desktop.cli.state import prompt_secret

PASSPHRASE_ENV = "PENGUIN_BACKUP_PASSPHRASE"
F = TypeVar("F", bound=Callable[..., Any])


def passphrase_option(what: str) -> Callable[[F], F]:
    """`--passphrase-stdin`, its help naming the file (`what`: "backup", "bundle")."""
    return click.option(
        "--passphrase-stdin",
        is_flag=True,
        help=f"Read the {what}'s passphrase from stdin (else env {PASSPHRASE_ENV}, else a prompt).",
    )


def read_passphrase(from_stdin: bool, *, creating: bool, what: str = "backup") -> str:
    """--passphrase-stdin, then PENGUIN_BACKUP_PASSPHRASE, then a no-echo prompt at a terminal
    (asked twice when creating, since a mistyped one would seal the file for good); `what`
    names the file in the prompt."""
    if from_stdin:
        return read_stdin_line("passphrase")
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        log.redact(value)
        return value
    label = f"New {what} passphrase" if creating else f"{what.capitalize()} passphrase"
    return prompt_secret(label, confirm=creating, variable=PASSPHRASE_ENV)
