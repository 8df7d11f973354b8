"""`penguin backup ...`: one sealed file holding the whole workspace, checked and restored."""

from __future__ import annotations

from pathlib import Path

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object
from penguin_desktop.cli.passphrase import passphrase_option, read_passphrase
from penguin_desktop.cli.progress import progress
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.config import Settings
from penguin_desktop.core.portable import BackupInfo, BackupService
from penguin_desktop.core.portable import restore as restore_backup
from penguin_desktop.core.portable import verify as verify_backup

passphrase_stdin = passphrase_option("backup")
backup_file = click.argument("file", type=click.Path(dir_okay=False, exists=True))


def _summary(info: BackupInfo) -> str:
    rows = sum(info.counts.values())
    secrets = "with" if info.has_secrets_file else "without"
    return (
        f"{info.path}: {info.size_bytes:,} bytes made {info.created_at} by {info.app_version}; "
        f"schema {info.schema_revision}, {rows:,} rows in {len(info.counts)} tables, "
        f"{info.counts.get('audit_events', 0):,} audit events (head {info.audit_head_hash}), "
        f"{secrets} the secrets file"
    )


@click.group("backup")
def backup() -> None:
    """Back up the whole workspace to one encrypted file, check it, restore it."""


@backup.command("create")
@click.option(
    "--out", type=click.Path(dir_okay=False), required=True, help="Backup file to write (new)."
)
@passphrase_stdin
@shared_options()
@pass_state
def create(state: CliState, out: str, passphrase_stdin: bool) -> None:
    """Write an encrypted backup of the database, the secrets file (still sealed by its master
    password) and the settings; owners and admins only."""
    actor = state.actor()
    passphrase = read_passphrase(passphrase_stdin, creating=True)
    service = BackupService(state.container.db, state.container.settings.data_dir)
    with progress(state) as ctx, arguments("passphrase"):
        info = service.create(actor, Path(out), passphrase, ctx)
    emit_object(state, info, "Backup written: " + _summary(info))


@backup.command("verify")
@backup_file
@passphrase_stdin
@shared_options(identity=False)
@pass_state
def verify(state: CliState, file: str, passphrase_stdin: bool) -> None:
    """Open the backup FILE and check every part of it against its manifest, restoring
    nothing."""
    passphrase = read_passphrase(passphrase_stdin, creating=False)
    with arguments("file", "passphrase"):
        info = verify_backup(Path(file), passphrase)
    emit_object(state, info, "Backup intact: " + _summary(info))


@backup.command("restore")
@backup_file
@passphrase_stdin
@shared_options(identity=False)
@pass_state
def restore(state: CliState, file: str, passphrase_stdin: bool) -> None:
    """Restore the backup FILE into the data folder (--data-dir or env PENGUIN_DATA_DIR), which
    must be empty or new; the database is migrated forward. Always a SQLite data folder, even
    from a PostgreSQL workspace; sign in with the accounts the backup holds."""
    passphrase = read_passphrase(passphrase_stdin, creating=False)
    target = Settings.resolve(state.data_dir).data_dir
    with arguments("file", "passphrase"):
        info = restore_backup(Path(file), passphrase, target)
    emit_object(state, info, f"Restored into {target}: " + _summary(info))
