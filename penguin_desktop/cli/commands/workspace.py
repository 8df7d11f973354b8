"""`penguin workspace ...`: client workspaces."""

from __future__ import annotations

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state

COLUMNS = [
    ("name", "name"),
    ("my_role", "your role"),
    ("archived", "archived"),
    ("created_at", "created"),
]


@click.group("workspace")
def workspace() -> None:
    """Create, list, rename and archive client workspaces."""


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
