"""`penguin mailbox ...`: mailboxes (MailU users) on a workspace's servers, their aliases and
the settings mail clients need."""

from __future__ import annotations

import click

from penguin_desktop.cli.commands import mailbox_outside
from penguin_desktop.cli.commands.billing_plans import warn_over_plan
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.mailboxes.models import MailboxInfo
from penguin_desktop.core.mailboxes.service import MailboxSettings

WORKSPACE_HELP = "The client workspace (needed when the name is in several)."


@click.group("mailbox")
def mailbox() -> None:
    """Mailboxes on MailU servers and hosted elsewhere, and how fast each may send; passwords
    live in the secret store."""


for _command in mailbox_outside.COMMANDS:
    mailbox.add_command(_command)


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
    warn_over_plan(state, info.workspace)


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


@mailbox.command("enable")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def enable(state: CliState, email: str, workspace: str | None) -> None:
    """Enable a disabled mailbox again: it logs in and sends with the same password."""
    info = state.container.mailboxes.enable(state.actor(), email, workspace)
    emit_object(state, info, f"Enabled {info.email}")


@mailbox.command("quota")
@click.argument("email")
@click.argument("mb", type=int, metavar="MB")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def quota(state: CliState, email: str, mb: int, workspace: str | None) -> None:
    """Set a mailbox's quota in MB (in MailU, then here)."""
    info = state.container.mailboxes.set_quota(state.actor(), email, mb, workspace)
    emit_object(state, info, f"{info.email} now has a quota of {info.quota_mb} MB")


def settings_text(settings: MailboxSettings) -> str:
    lines = [f"{settings.email} on {settings.server} ({settings.workspace})"]
    lines += [f"  {e.protocol:<5} {e.host}:{e.port}  {e.security}" for e in settings.endpoints]
    lines.append(f"  login {settings.username}")
    lines.append(
        f"  password in secret {settings.password_secret} (never printed: "
        "`penguin secrets reveal` shows it, audited)"
    )
    if not settings.enabled:
        lines.append("  disabled: `penguin mailbox enable` lets it log in again")
    return "\n".join(lines)


@mailbox.command("settings")
@click.argument("email")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def settings(state: CliState, email: str, workspace: str | None) -> None:
    """SMTP/IMAP settings of a mailbox for a mail client (never the password)."""
    info = state.container.mailboxes.settings(state.actor(), email, workspace)
    emit_object(state, info, settings_text(info))


@mailbox.group("alias")
def alias() -> None:
    """Aliases on MailU servers: addresses that forward to one or more mailboxes."""


@alias.command("add")
@click.argument("alias_email", metavar="ALIAS")
@click.argument("destinations", nargs=-1, required=True, metavar="DEST [DEST...]")
@click.option("--server", "server_name", required=True, help="The MailU server to add it on.")
@click.option("--comment", default="", help="A note kept with the alias in MailU.")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def alias_add(
    state: CliState,
    alias_email: str,
    destinations: tuple[str, ...],
    server_name: str,
    comment: str,
    workspace: str | None,
) -> None:
    """Add an alias: mail to ALIAS goes to every DEST (mailboxes or outside addresses)."""
    info = state.container.mailboxes.add_alias(
        state.actor(), alias_email, list(destinations), server_name, workspace, comment
    )
    emit_object(state, info, f"{info.email} on {info.server} now goes to {info.destination_text}")


@alias.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@click.option("--server", "server_name", help="Only this server.")
@click.option("--destination", metavar="EMAIL", help="Only aliases forwarding to this address.")
@shared_options()
@pass_state
def alias_list(
    state: CliState, workspace: str | None, server_name: str | None, destination: str | None
) -> None:
    """List aliases, read live from each MailU server in scope."""
    rows = state.container.mailboxes.aliases(state.actor(), workspace, server_name, destination)
    emit_table(
        state,
        rows,
        [
            ("workspace", "workspace"),
            ("email", "alias"),
            ("server", "server"),
            ("destination_text", "destinations"),
        ],
        "No aliases yet: penguin mailbox alias add ALIAS DEST --server NAME",
    )


@alias.command("remove")
@click.argument("alias_email", metavar="ALIAS")
@click.option("--server", "server_name", help="The server, when the alias is on several.")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def alias_remove(
    state: CliState, alias_email: str, server_name: str | None, workspace: str | None
) -> None:
    """Delete the alias ALIAS from MailU (the mailboxes it forwarded to are untouched)."""
    info = state.container.mailboxes.remove_alias(
        state.actor(), alias_email, workspace, server_name
    )
    emit_object(state, info, f"Removed alias {info.email} from {info.server}")
