"""`penguin member ...`: who belongs to a workspace, with which role."""

from __future__ import annotations

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.accounts.users import parse_role

workspace_option = click.option("--workspace", "-w", required=True, help="Workspace name.")


@click.group("member")
def member() -> None:
    """Add members to workspaces, change their roles, remove them."""


@member.command("add")
@click.argument("email")
@workspace_option
@click.option("--role", required=True, help="owner, admin, manager, member or viewer.")
@shared_options()
@pass_state
def add(state: CliState, email: str, workspace: str, role: str) -> None:
    """Give a user a role in a workspace."""
    info = state.container.members.add(state.actor(), workspace, email, parse_role(role))
    emit_object(state, info, f"{info.email} is now {info.role} of {workspace!r}")


@member.command("list")
@workspace_option
@shared_options()
@pass_state
def list_(state: CliState, workspace: str) -> None:
    """List a workspace's members."""
    rows = state.container.members.all(state.actor(), workspace)
    emit_table(
        state, rows, [("email", "email"), ("role", "role"), ("added_at", "added")], "No members."
    )


@member.command("set-role")
@click.argument("email")
@workspace_option
@click.option("--role", required=True, help="owner, admin, manager, member or viewer.")
@shared_options()
@pass_state
def set_role(state: CliState, email: str, workspace: str, role: str) -> None:
    """Change a member's role."""
    info = state.container.members.set_role(state.actor(), workspace, email, parse_role(role))
    emit_object(state, info, f"{info.email} is now {info.role} of {workspace!r}")


@member.command("remove")
@click.argument("email")
@workspace_option
@shared_options()
@pass_state
def remove(state: CliState, email: str, workspace: str) -> None:
    """Remove a member from a workspace."""
    state.container.members.remove(state.actor(), workspace, email)
    emit_object(
        state,
        {"email": email, "workspace": workspace, "removed": True},
        f"Removed {email} from {workspace!r}",
    )
