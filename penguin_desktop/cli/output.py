"""Printing results: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from penguin_desktop.cli.state import CliState


def plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def emit_table(
    state: CliState, rows: Sequence[Any], columns: Sequence[tuple[str, str]], empty: str
) -> None:
    """`columns` are (attribute, heading) pairs; JSON mode prints every field instead."""
    if state.json:
        click.echo(json.dumps(plain(list(rows)), indent=2))
        return
    if not rows:
        click.echo(empty)
        return
    cells = [[_cell(getattr(r, attr)) for attr, _ in columns] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (_, h) in enumerate(columns)]
    click.echo("  ".join(h.upper().ljust(w) for (_, h), w in zip(columns, widths, strict=True)))
    for row in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def emit_object(state: CliState, obj: Any, message: str) -> None:
    if state.json:
        click.echo(json.dumps(plain(obj), indent=2))
    else:
        click.echo(message)
