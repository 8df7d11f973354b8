"""Core's errors carry the input at fault and the remedy as data; the CLI phrases them in its
own words (flags and commands) and core never spells a command line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import penguin_desktop.core
from penguin_desktop.cli.errors import phrase
from penguin_desktop.core.platform.errors import NotFoundError, Remedy, ValidationError

CORE = Path(penguin_desktop.core.__file__).resolve().parent
CLI_SYNTAX = re.compile(r"(?<![\w-])--[a-z]|`penguin |\bpenguin [a-z]+ [a-z-]+ ")


def test_a_field_becomes_its_flag_and_a_remedy_the_command_to_run() -> None:
    ambiguous = ValidationError(
        "x.test is in several workspaces (A, B): say which workspace", field="workspace"
    )
    assert phrase(ambiguous).endswith("say which workspace (--workspace)")
    secret = ValidationError("no API key", field="value")
    assert phrase(secret) == "no API key (--value-stdin)"
    remedy = Remedy("server.accept-host-key", "mx 1", (("workspace", "Client One"),))
    pending = ValidationError("host key not accepted yet", remedy=remedy)
    assert phrase(pending) == (
        "host key not accepted yet: run "
        "`penguin server accept-host-key 'mx 1' --workspace 'Client One'`"
    )
    kinds = ValidationError("unknown kind 'x'", field="kind", allowed=["a", "b"])
    assert phrase(kinds) == "unknown kind 'x' (choose one of a, b) (--kind)"
    assert phrase(NotFoundError("no such thing")) == "no such thing"


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def test_no_core_error_message_spells_a_flag_or_a_command() -> None:
    """Console users see core's messages too: a flag or a command line means nothing to them."""
    found = []
    for source in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Raise) and node.exc is not None:
                found += [
                    f"{source.relative_to(CORE)}:{node.lineno}: {text!r}"
                    for text in _strings(node.exc)
                    if CLI_SYNTAX.search(text)
                ]
    assert found == []
