"""`penguin workspace ...`: client workspaces."""

from __future__ import annotations

from pathlib import Path

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress, stop_on_signals
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.platform.errors import ValidationError

COLUMNS = [
    ("name", "name"),
    ("my_role", "your role"),
    ("archived", "archived"),
    ("created_at", "created"),
]


@click.group("workspace")
def workspace() -> None:
    """Create, list, rename, archive and export client workspaces."""


@workspace.command("create")
@click.argument("name")
@shared_options()
@pass_state
def create(state: CliState, name: str) -> None:
    """Create a client workspace; you become its owner."""
    info = state.container.workspaces.create(state.actor(), name)
    emit_object(state, info, f"Created workspace {info.name!r}")


@workspace.command("list")
@click.option("--all", "include_archived", is_flag=True, help="Include archived workspaces.")
@shared_options()
@pass_state
def list_(state: CliState, include_archived: bool) -> None:
    """List the workspaces you belong to."""
    rows = state.container.workspaces.all(state.actor(), include_archived)
    emit_table(
        state, rows, COLUMNS, "No workspaces yet: create one with `penguin workspace create NAME`."
    )


@workspace.command("rename")
@click.argument("old")
@click.argument("new")
@shared_options()
@pass_state
def rename(state: CliState, old: str, new: str) -> None:
    """Rename the workspace OLD to NEW."""
    info = state.container.workspaces.rename(state.actor(), old, new)
    emit_object(state, info, f"Renamed workspace {old!r} to {info.name!r}")


@workspace.command("archive")
@click.argument("name")
@shared_options()
@pass_state
def archive(state: CliState, name: str) -> None:
    """Archive a workspace: it stays readable and audited, but no longer changes."""
    info = state.container.workspaces.archive(state.actor(), name)
    emit_object(state, info, f"Archived workspace {info.name!r}")


@workspace.command("export")
@click.argument("name")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write; it must not exist yet.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(["bundle", "sqlite"]),
    default="bundle",
    show_default=True,
    help="sqlite: the workspace's data without secrets, as a SQLite file for Datasette, "
    "sqlite-utils or a spreadsheet tool; bundle: a full hand-over (not in this version).",
)
@shared_options()
@pass_state
def export(state: CliState, name: str, out: Path, format_: str) -> None:
    """Export the workspace NAME to a file."""
    if format_ == "bundle":
        raise ValidationError(
            "the bundle format is not available in this version; use --format sqlite for the "
            "workspace's data",
            field="format",
        )
    with progress(state) as ctx, stop_on_signals(ctx.cancel):
        info = state.container.sqlite_export.export(state.actor(), name, out, ctx)
    rows = sum(info.tables.values())
    emit_object(
        state,
        {**vars(info), "path": str(info.path)},
        f"Exported {info.workspace!r} to {info.path}: {rows} rows in {len(info.tables)} tables "
        f"({info.size} bytes)",
    )
