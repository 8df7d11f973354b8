"""`penguin workspace ...`: client workspaces."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.passphrase import passphrase_option, read_passphrase
from penguin_desktop.cli.progress import progress, stop_on_signals
from penguin_desktop.cli.state import CliState, pass_state

if TYPE_CHECKING:
    from penguin_desktop.core.portable import ImportPlan

COLUMNS = [
    ("name", "name"),
    ("my_role", "your role"),
    ("archived", "archived"),
    ("created_at", "created"),
]


@click.group("workspace")
def workspace() -> None:
    """Create, list, rename, archive, export and import client workspaces."""


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
    help="bundle: the whole workspace with its secrets and audit events, sealed with a "
    "passphrase, for `penguin workspace import` in another agency (owners and admins); "
    "sqlite: the workspace's data without secrets, as a SQLite file for Datasette, "
    "sqlite-utils or a spreadsheet tool.",
)
@passphrase_option("bundle")
@shared_options()
@pass_state
def export(state: CliState, name: str, out: Path, format_: str, passphrase_stdin: bool) -> None:
    """Export the workspace NAME to a file."""
    if format_ == "bundle":
        actor = state.actor()
        passphrase = read_passphrase(passphrase_stdin, creating=True, what="bundle")
        with progress(state) as ctx, arguments("passphrase"):
            made = state.container.bundles.export(actor, name, out, passphrase, ctx)
        emit_object(
            state,
            made,
            f"Exported {made.workspace!r} to {made.path}: {sum(made.counts.values())} rows, "
            f"{made.counts['secrets']} secrets, {made.counts['audit_events']} audit events "
            f"({made.size_bytes} bytes, fingerprint {made.fingerprint[:16]})",
        )
        return
    with progress(state) as ctx, stop_on_signals(ctx.cancel):
        info = state.container.sqlite_export.export(state.actor(), name, out, ctx)
    rows = sum(info.tables.values())
    emit_object(
        state,
        {**vars(info), "path": str(info.path)},
        f"Exported {info.workspace!r} to {info.path}: {rows} rows in {len(info.tables)} tables "
        f"({info.size} bytes)",
    )


def _plan_text(plan: ImportPlan) -> str:
    """What the import does, for a person to read before it is done."""
    verb = "Replace" if plan.mode == "replace" else "Create"
    lines = [
        f"{verb} workspace {plan.workspace!r}; {plan.source_audit_events} audit events walk "
        f"the source's chain to its head {plan.source_audit_head[:16]}",
    ]
    lines += [
        f"  {c.table}: {c.added} added, {c.removed} removed, {c.changed} changed"
        for c in plan.changes
    ] or ["  no rows change"]
    if plan.changed_since:
        lines.append("  changed here since the bundle's base: " + "; ".join(plan.changed_since))
    if plan.secrets:
        lines.append(f"  secrets set: {', '.join(plan.secrets)}")
    if plan.members_added:
        lines.append(f"  members added: {', '.join(plan.members_added)}")
    if plan.members_unknown:
        lines.append(f"  not users here (not added): {', '.join(plan.members_unknown)}")
    return "\n".join(lines)


@workspace.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Replace the workspace of the bundle's name (refused when it changed since the "
    "bundle was based on it); without it, the bundle becomes a new workspace.",
)
@click.option(
    "--force", is_flag=True, help="With --replace: replace it even though it changed since."
)
@click.option("--yes", is_flag=True, help="Do not ask to confirm what would change.")
@passphrase_option("bundle")
@shared_options()
@pass_state
def import_(
    state: CliState,
    file: Path,
    replace: bool,
    force: bool,
    yes: bool,
    passphrase_stdin: bool,
) -> None:
    """Import a workspace bundle FILE made by `penguin workspace export`: its rows, the
    members who are users here, its secrets into this agency's secret store. What would
    change is shown first (asked to confirm at a terminal), and the bundle's audit events are
    checked against the source's chain before anything is written."""
    actor = state.actor()
    passphrase = read_passphrase(passphrase_stdin, creating=False, what="bundle")
    service = state.container.bundles
    with arguments("file", "passphrase"):
        plan = service.import_(actor, file, passphrase, replace, force, dry_run=True)
        if not state.json:
            click.echo(_plan_text(plan), err=True)
        if not yes and sys.stdin.isatty():
            click.confirm("Import the bundle?", abort=True, err=True)
        done = service.import_(actor, file, passphrase, replace, force)
    emit_object(state, done, f"Imported {done.workspace!r} ({done.mode})")
