"""The command line's documentation kept true by tests, as sqlite-utils does for its CLI: every
command, option and argument explains itself in `--help`, and the README's command list names
exactly the commands there are. A new command or option fails here until it is documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from penguin_desktop.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"
# The first argument of a subcommand called NAME or EMAIL names the thing the command works on
# (`penguin domain check NAME` checks the domain NAME); saying so in every docstring is noise.
IDENTIFIERS = frozenset({"name", "email"})


def _commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in group.commands.items():
        found.append((" ".join((*path, name)), command))
        if isinstance(command, click.Group):
            found += _commands(command, (*path, name))
    return found


COMMANDS = _commands()
COMMAND_IDS = [name for name, _command in COMMANDS]


def _runnable(group: click.Group = cli, path: tuple[str, ...] = ()) -> set[str]:
    """Commands that do something when run: leaves, and groups that run without a subcommand."""
    found: set[str] = set()
    for name, command in group.commands.items():
        full = (*path, name)
        if isinstance(command, click.Group):
            found |= _runnable(command, full)
            if command.invoke_without_command:
                found.add(" ".join(full))
        else:
            found.add(" ".join(full))
    return found


def _readme_commands() -> set[str]:
    """The README's `Commands:` paragraph: entries like `secrets backend show|set|clear`, each a
    group path and the `|`-separated commands in it."""
    match = re.search(r"^Commands: (.*?)(?:\n\n|\Z)", README.read_text(), re.MULTILINE | re.DOTALL)
    assert match, "README.md has no `Commands:` paragraph"
    listed: set[str] = set()
    for entry in re.findall(r"`([^`]+)`", match.group(1)):
        *group, last = entry.split()
        listed |= {" ".join((*group, name)) for name in last.split("|")}
    return listed


def _named_in(argument: click.Argument, text: str) -> bool:
    """Whether the help text names the argument as the usage line shows it (NAME, DEST for
    `DEST [DEST...]`, HOST for `[HOST[:PORT]]`)."""
    word = re.search(r"[A-Z][A-Z0-9_]*", argument.metavar or (argument.name or "").upper())
    assert word, f"argument {argument.name!r} has no name to look for"
    return re.search(rf"(?<![\w-]){word.group()}(?![\w-])", text) is not None


@pytest.mark.parametrize("command", [command for _name, command in COMMANDS], ids=COMMAND_IDS)
def test_every_command_says_what_it_does(command: click.Command) -> None:
    assert (command.help or "").strip(), "no docstring or help="


@pytest.mark.parametrize("command", [command for _name, command in COMMANDS], ids=COMMAND_IDS)
def test_every_option_has_help(command: click.Command) -> None:
    undocumented = [
        "/".join(param.opts)
        for param in command.params
        if isinstance(param, click.Option) and not (param.help or "").strip()
    ]
    assert not undocumented, f"options without help=: {undocumented}"


@pytest.mark.parametrize("command", [command for _name, command in COMMANDS], ids=COMMAND_IDS)
def test_every_argument_is_explained_in_the_command_help(command: click.Command) -> None:
    """Click arguments take no help=, and `--help` shows them only in the usage line; so the
    command's help text must name each one as the usage line spells it (`mail to ALIAS goes to
    every DEST`). The exception is a leading NAME or EMAIL, which is the thing the command's
    group is about (see IDENTIFIERS)."""
    arguments = [param for param in command.params if isinstance(param, click.Argument)]
    unexplained = [
        argument.human_readable_name
        for position, argument in enumerate(arguments)
        if not (position == 0 and argument.name in IDENTIFIERS)
        and not _named_in(argument, command.help or "")
    ]
    assert not unexplained, f"arguments the help text does not mention: {unexplained}"


def test_every_command_is_in_the_readme() -> None:
    missing = _runnable() - _readme_commands()
    assert not missing, f"add to the README's Commands paragraph: {sorted(missing)}"


def test_the_readme_lists_only_real_commands() -> None:
    unknown = _readme_commands() - _runnable()
    assert not unknown, f"the README's Commands paragraph names no such command: {sorted(unknown)}"
