"""`penguin mailbox ...`: mailboxes (MailU users) on a workspace's servers."""

from __future__ import annotations

import click

from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.models import MailboxInfo

WORKSPACE_HELP = "The client workspace (needed when the name is in several)."


@click.group("mailbox")
def mailbox() -> None:
    """Mailboxes on MailU servers; passwords are generated into the secret store."""


def _settings(info: MailboxInfo) -> str:
    return (
        f"SMTP {info.smtp_host}:{info.smtp_port} (STARTTLS), IMAP {info.imap_host}:"
        f"{info.imap_port} (TLS), login {info.email}, password in secret {info.password_secret}"
    )


@mailbox.command("create")
@click.argument("email")
@click.option("--server", "server_name", required=True, help="The MailU server to create it on.")
@click.option("--quota-mb", type=int, help="Mailbox quota in MB (default: MailU's).")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def create(
    state: CliState, email: str, server_name: str, quota_mb: int | None, workspace: str | None
) -> None:
    """Create a mailbox with a generated password kept in the secret store."""
    info = state.container.mailboxes.create(state.actor(), email, server_name, workspace, quota_mb)
    emit_object(state, info, f"Created {info.email} on {info.server}: {_settings(info)}")


@mailbox.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@click.option("--server", "server_name", help="Only this server.")
@shared_options()
@pass_state
def list_(state: CliState, workspace: str | None, server_name: str | None) -> None:
    """List mailboxes with their SMTP/IMAP settings (never their passwords)."""
    rows = state.container.mailboxes.all(state.actor(), workspace, server_name)
    emit_table(
        state,
        rows,
        [
            ("workspace", "workspace"),
            ("email", "email"),
            ("server", "server"),
            ("enabled", "enabled"),
            ("quota_mb", "quota MB"),
            ("smtp_host", "smtp host"),
            ("smtp_port", "smtp"),
            ("imap_port", "imap"),
        ],
        "No mailboxes yet: penguin mailbox create EMAIL --server NAME",
    )


@mailbox.command("disable")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def disable(state: CliState, email: str, workspace: str | None) -> None:
    """Disable a mailbox in MailU: no login and no sending; its mail is kept."""
    info = state.container.mailboxes.disable(state.actor(), email, workspace)
    emit_object(state, info, f"Disabled {info.email}")


@mailbox.command("passwd")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def passwd(state: CliState, email: str, workspace: str | None) -> None:
    """Give a mailbox a new generated password (set in MailU, kept in the secret store)."""
    info = state.container.mailboxes.passwd(state.actor(), email, workspace)
    emit_object(
        state, info, f"New password for {info.email} stored in secret {info.password_secret}"
    )


@mailbox.command("remove")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def remove(state: CliState, email: str, workspace: str | None) -> None:
    """Delete a mailbox from MailU (with its mail) and forget its password."""
    state.container.mailboxes.remove(state.actor(), email, workspace)
    emit_object(state, {"removed": email}, f"Removed {email}")
