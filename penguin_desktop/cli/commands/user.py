"""`penguin user ...` and `penguin login-activity`: accounts."""

from __future__ import annotations

import os

import click

from penguin_desktop.cli.inputs import read_stdin_line
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state, prompt_secret
from penguin_desktop.core.accounts.users import parse_role

COLUMNS = [
    ("email", "email"),
    ("org_role", "org role"),
    ("locked_until", "locked until"),
    ("idle_timeout_minutes", "idle min"),
    ("created_at", "created"),
]


@click.group("user")
def user() -> None:
    """Add and list user accounts, unlock them, change your own password or email."""


def _new_password(from_stdin: bool, label: str) -> str:
    if from_stdin:
        return read_stdin_line("password")
    return prompt_secret(label, confirm=True)


@user.command("add")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new user's password from stdin.")
@click.option(
    "--org-role",
    default="member",
    show_default=True,
    help="Organization role: owner, admin, manager, member or viewer.",
)
@shared_options()
@pass_state
def add(state: CliState, email: str, password_stdin: bool, org_role: str) -> None:
    """Add a user account (they get workspace access through `penguin member add`)."""
    role = parse_role(org_role)
    actor = state.actor()
    password = _new_password(password_stdin, f"Password for {email}")
    info = state.container.users.add(actor, email, password, role)
    emit_object(state, info, f"Added user {info.email} ({info.org_role})")


@user.command("list")
@shared_options()
@pass_state
def list_(state: CliState) -> None:
    """List user accounts."""
    emit_table(state, state.container.users.all(state.actor()), COLUMNS, "No users.")


@user.command("unlock")
@click.argument("email")
@shared_options()
@pass_state
def unlock(state: CliState, email: str) -> None:
    """Unlock an account locked after failed logins."""
    info = state.container.users.unlock(state.actor(), email)
    emit_object(state, info, f"Unlocked {info.email}")


@user.command("set-role")
@click.argument("email")
@click.argument("role")
@shared_options()
@pass_state
def set_role(state: CliState, email: str, role: str) -> None:
    """Give a user the organization role ROLE: owner, admin, manager, member or viewer.

    Only an owner may change organization roles.
    """
    info = state.container.users.set_org_role(state.actor(), email, parse_role(role))
    emit_object(state, info, f"{info.email} is now organization {info.org_role}")


def _current_password(state: CliState) -> str:
    return os.environ.get("PENGUIN_PASSWORD") or prompt_secret("Current password")


@user.command("passwd")
@click.option("--new-password-stdin", is_flag=True, help="Read the new password from stdin.")
@shared_options()
@pass_state
def passwd(state: CliState, new_password_stdin: bool) -> None:
    """Change your own password (the current one is required)."""
    actor = state.actor()
    current = _current_password(state)
    new = _new_password(new_password_stdin, "New password")
    state.container.users.change_password(actor, current, new)
    emit_object(state, {"email": actor.email, "changed": True}, "Password changed")


@user.command("set-email")
@click.argument("new_email")
@shared_options()
@pass_state
def set_email(state: CliState, new_email: str) -> None:
    """Change your own email address to NEW_EMAIL (the current password is required)."""
    actor = state.actor()
    info = state.container.users.change_email(actor, _current_password(state), new_email)
    emit_object(state, info, f"Your email is now {info.email}")


@user.command("idle-timeout")
@click.argument("minutes", type=int)
@shared_options()
@pass_state
def idle_timeout(state: CliState, minutes: int) -> None:
    """Lock the console for you after MINUTES idle minutes (1 to 1440; 30 by default)."""
    info = state.container.users.set_idle_timeout(state.actor(), minutes)
    emit_object(state, info, f"Idle timeout set to {info.idle_timeout_minutes} min")


@user.command("whoami")
@shared_options()
@pass_state
def whoami(state: CliState) -> None:
    """Show the acting user."""
    info = state.container.users.me(state.actor())
    emit_object(state, info, f"{info.email} ({info.org_role})")


@click.command("login-activity")
@click.option(
    "--user", "email", metavar="EMAIL", help="Only this user's logins (default: all you may see)."
)
@click.option(
    "--limit",
    default=200,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Show at most this many logins.",
)
@shared_options(identity=False)
@pass_state
def login_activity(state: CliState, email: str | None, limit: int) -> None:
    """Show logins: when, which face, success or failure and why."""
    rows = state.container.users.login_activity(state.actor(), email, limit)
    emit_table(
        state,
        rows,
        [
            ("at", "when"),
            ("email", "email"),
            ("face", "face"),
            ("success", "ok"),
            ("reason", "reason"),
        ],
        "No login activity.",
    )
