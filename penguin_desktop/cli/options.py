"""Options every command accepts, before or after its name: `penguin --json workspace list`
and `penguin workspace list --json` mean the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from penguin_desktop.cli.state import CliState

F = TypeVar("F", bound=Callable[..., Any])


def _setter(attr: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> None:
        if value not in (None, False):
            setattr(ctx.ensure_object(CliState), attr, value)

    return store


def shared_options(identity: bool = True) -> Callable[[F], F]:
    """--data-dir, --db-url, --json, --debug (and --user unless the command needs the name)."""

    def decorate(func: F) -> F:
        opts = [
            click.option(
                "--data-dir",
                type=click.Path(file_okay=False),
                expose_value=False,
                callback=_setter("data_dir"),
                help="Data directory (env PENGUIN_DATA_DIR).",
            ),
            click.option(
                "--db-url",
                expose_value=False,
                callback=_setter("db_url"),
                help="Database URL, e.g. postgresql+psycopg://... (env PENGUIN_DB_URL).",
            ),
            click.option(
                "--json",
                "json_output",
                is_flag=True,
                expose_value=False,
                callback=_setter("json"),
                help="Machine-readable JSON on stdout.",
            ),
            click.option(
                "--debug",
                is_flag=True,
                expose_value=False,
                callback=_setter("debug"),
                help="Show tracebacks and log debug detail.",
            ),
        ]
        if identity:
            opts.append(
                click.option(
                    "--user",
                    metavar="EMAIL",
                    expose_value=False,
                    callback=_setter("user"),
                    help="Act as this user (env PENGUIN_USER); password from "
                    "PENGUIN_PASSWORD or a prompt.",
                )
            )
        for opt in reversed(opts):
            func = opt(func)
        return func

    return decorate
