"""`penguin secrets ...`: secret backends, references, values, migration and rotation."""

from __future__ import annotations

import os
import sys

import click

from penguin_desktop import log
from penguin_desktop.cli.inputs import read_stdin, read_stdin_line
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.progress import progress
from penguin_desktop.cli.state import CliState, pass_state, prompt_secret
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.secrets import BackendKind, VaultConfig
from penguin_desktop.core.secrets.models import BackendInfo
from penguin_desktop.core.secrets.service import KEEP_POLICY, parse_backend, parse_kind

COLUMNS = [
    ("workspace", "workspace"),
    ("name", "name"),
    ("kind", "kind"),
    ("backend", "backend"),
    ("created_at", "created"),
    ("last_rotated_at", "rotated"),
    ("last_accessed_at", "accessed"),
    ("rotation_days", "policy days"),
    ("due", "due"),
]


@click.group("secrets")
def secrets() -> None:
    """Secret backends (OS keyring, Vault, encrypted file) and the secrets they hold."""


@secrets.group("backend")
def backend() -> None:
    """Show, choose and test the secret backend."""


def _info_text(info: BackendInfo) -> str:
    extra = ", ".join(f"{k}={v}" for k, v in info.settings.items())
    return f"{info.kind} for {info.scope} ({info.why})" + (f"; {extra}" if extra else "")


@backend.command("show")
@click.option("--workspace", "-w", help="Show this workspace's backend (override or inherited).")
@shared_options()
@pass_state
def show(state: CliState, workspace: str | None) -> None:
    """Show the active secret backend and why it is the one."""
    info = state.container.secrets.backend_info(state.actor(), workspace)
    emit_object(state, info, _info_text(info))


@backend.command("set")
@click.argument("kind", type=click.Choice([k.value for k in BackendKind]))
@click.option("--workspace", "-w", help="Give only this workspace its own backend.")
@click.option("--address", help="Vault address (default: VAULT_ADDR).")
@click.option("--mount", default="secret", show_default=True, help="Vault KV v2 mount path.")
@click.option("--namespace", help="Vault namespace (default: VAULT_NAMESPACE).")
@click.option(
    "--cacert",
    type=click.Path(dir_okay=False, exists=True),
    help="CA certificate for Vault's TLS (default: VAULT_CACERT).",
)
@click.option(
    "--token-stdin", is_flag=True, help="Read the Vault token from stdin (default: VAULT_TOKEN)."
)
@click.option("--role-id", help="AppRole role ID (log in with AppRole instead of a token).")
@click.option("--secret-id-stdin", is_flag=True, help="Read the AppRole secret ID from stdin.")
@click.option(
    "--no-test",
    is_flag=True,
    help="Switch without opening the backend first (a set-up done ahead of its server).",
)
@shared_options()
@pass_state
def set_backend(
    state: CliState,
    kind: str,
    workspace: str | None,
    address: str | None,
    mount: str,
    namespace: str | None,
    cacert: str | None,
    token_stdin: bool,
    role_id: str | None,
    secret_id_stdin: bool,
    no_test: bool,
) -> None:
    """Keep new secrets in the backend KIND (move old ones with `secrets migrate`); it is opened
    first, and one that cannot be reached is refused."""
    chosen = BackendKind(kind)
    vault = token = secret_id = None
    if chosen is BackendKind.VAULT:
        address = address or os.environ.get("VAULT_ADDR")
        if not address:
            raise ValidationError("Vault needs an address: --address URL or VAULT_ADDR")
        vault = VaultConfig(
            address=address,
            mount=mount,
            namespace=namespace or os.environ.get("VAULT_NAMESPACE") or None,
            role_id=role_id,
            cacert=cacert or os.environ.get("VAULT_CACERT") or None,
        )
        if role_id:
            if not secret_id_stdin:
                raise ValidationError("AppRole needs --secret-id-stdin")
            secret_id = read_stdin_line("secret ID")
        elif token_stdin:
            token = read_stdin_line("token")
        else:
            token = os.environ.get("VAULT_TOKEN") or None
    actor = state.actor()
    info = state.container.secrets.set_backend(
        actor, chosen, workspace, vault, token, secret_id, test=not no_test
    )
    emit_object(state, info, "Secret backend is now " + _info_text(info))


@backend.command("clear")
@click.option("--workspace", "-w", required=True, help="Workspace whose override to drop.")
@shared_options()
@pass_state
def clear(state: CliState, workspace: str) -> None:
    """Drop a workspace's own backend so it follows the organization's again."""
    info = state.container.secrets.clear_backend(state.actor(), workspace)
    emit_object(state, info, f"{workspace!r} now uses " + _info_text(info))


@backend.command("test")
@click.option("--workspace", "-w", help="Test this workspace's backend.")
@shared_options()
@pass_state
def test(state: CliState, workspace: str | None) -> None:
    """Connect to the active backend for real and say what answered."""
    status = state.container.secrets.test_backend(state.actor(), workspace)
    emit_object(state, {"ok": True, "status": status}, f"OK: {status}")


@secrets.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def list_(state: CliState, workspace: str | None) -> None:
    """List secret references (never values), with rotation due badges."""
    rows = state.container.secrets.all(state.actor(), workspace)
    emit_table(state, rows, COLUMNS, "No secrets yet: add one with `penguin secrets set`.")


MAX_ROTATION_DAYS = 3650


def _policy(raw: str | None) -> object:
    if raw is None:
        return KEEP_POLICY
    if raw.strip().lower() in ("never", "on-demand", "none"):
        return None
    try:
        days = int(raw)
    except ValueError:
        raise ValidationError(
            f"--rotate-every takes a number of days or 'never', not {raw!r}"
        ) from None
    if not 1 <= days <= MAX_ROTATION_DAYS:
        raise ValidationError(
            f"--rotate-every takes 1 to {MAX_ROTATION_DAYS} days (or 'never'), not {raw!r}"
        )
    return days


@secrets.command("set")
@click.argument("name")
@click.option(
    "--kind", required=True, help="ssh_key, smtp_password, api_key, vault_token or webhook_secret."
)
@click.option("--workspace", "-w", required=True, help="Workspace the secret belongs to.")
@click.option("--value-stdin", is_flag=True, help="Read the value from stdin (all of it).")
@click.option("--rotate-every", metavar="DAYS|never", help="Rotation policy (default per kind).")
@click.option("--reason", default="", help="Why, for the audit trail.")
@shared_options()
@pass_state
def set_(
    state: CliState,
    name: str,
    kind: str,
    workspace: str,
    value_stdin: bool,
    rotate_every: str | None,
    reason: str,
) -> None:
    """Create a secret or replace its value."""
    secret_kind = parse_kind(kind)
    policy = _policy(rotate_every)
    actor = state.actor()
    if value_stdin:
        value = read_stdin("value")
        value = value[:-1] if value.endswith("\n") and value.count("\n") == 1 else value
    else:
        value = prompt_secret(f"Value for {name}", confirm=True)
    log.redact(value)
    info = state.container.secrets.set(actor, workspace, name, secret_kind, value, policy, reason)
    emit_object(state, info, f"Stored {info.name} ({info.kind}) in {info.backend}")


@secrets.command("reveal")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Workspace the secret belongs to.")
@click.option("--reason", default="", help="Why you need it, for the audit trail.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@shared_options()
@pass_state
def reveal(state: CliState, name: str, workspace: str, reason: str, yes: bool) -> None:
    """Print a secret's value (admins and owners; audited)."""
    actor = state.actor()
    if not yes:
        if not sys.stdin.isatty():
            raise ValidationError("revealing needs confirmation: pass --yes when not at a terminal")
        click.confirm(
            f"Reveal {name} of {workspace}? This is recorded in the audit log", abort=True, err=True
        )
    value = state.container.secrets.reveal(actor, workspace, name, reason)
    emit_object(state, {"name": name, "value": value}, value)


@secrets.command("delete")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Workspace the secret belongs to.")
@click.option("--reason", default="", help="Why, for the audit trail.")
@shared_options()
@pass_state
def delete(state: CliState, name: str, workspace: str, reason: str) -> None:
    """Delete a secret and its value."""
    state.container.secrets.delete(state.actor(), workspace, name, reason)
    emit_object(state, {"name": name, "deleted": True}, f"Deleted {name}")


@secrets.command("migrate")
@click.option(
    "--to",
    "target",
    required=True,
    type=click.Choice([k.value for k in BackendKind]),
    help="Backend to move every secret to.",
)
@shared_options()
@pass_state
def migrate(state: CliState, target: str) -> None:
    """Move every secret to another backend, verifying each copy; safe to run again."""
    actor = state.actor()
    with progress(state) as ctx:
        result = state.container.secrets.migrate(actor, parse_backend(target), ctx)
    emit_object(
        state,
        result,
        f"Moved {result.moved} secrets to {result.target} "
        f"({result.already_there} were already there, {result.cleaned} old copies removed)",
    )


@secrets.command("due")
@shared_options()
@pass_state
def due(state: CliState) -> None:
    """List secrets whose rotation is due."""
    rows = state.container.secrets.due(state.actor())
    emit_table(state, rows, COLUMNS, "No secret is due for rotation.")


@secrets.command("rotate")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Workspace the secret belongs to.")
@shared_options()
@pass_state
def rotate(state: CliState, name: str, workspace: str) -> None:
    """Rotate a secret with its kind's registered procedure."""
    info = state.container.secrets.rotate(state.actor(), workspace, name)
    emit_object(state, info, f"Rotated {info.name}")
