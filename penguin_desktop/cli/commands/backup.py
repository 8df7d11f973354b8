"""`penguin backup ...`: one sealed file holding the whole workspace, checked and restored."""

from __future__ import annotations

from pathlib import Path

import click

from penguin_desktop.cli.errors import arguments
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, plain
from penguin_desktop.cli.passphrase import passphrase_option, read_passphrase
from penguin_desktop.cli.progress import progress
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.config import Settings
from penguin_desktop.core.portable import BackupInfo, BackupSchedule, BackupService
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


def _schedule_text(schedule: BackupSchedule) -> str:
    state = "on" if schedule.enabled else "off"
    keep = f"keeping {schedule.keep_daily} daily and {schedule.keep_weekly} weekly"
    last = "never run"
    if schedule.last_at is not None:
        last = f"last backup {schedule.last_at:%Y-%m-%d %H:%M} UTC ({schedule.last_file})"
    error = f"; last attempt failed: {schedule.last_error}" if schedule.last_error else ""
    return (
        f"Scheduled backups {state}: into {schedule.folder or '(no folder)'}, {keep}; {last}{error}"
    )


def _schedule_json(schedule: BackupSchedule) -> dict[str, object]:
    """The schedule for --json: the folder as text, the way reports carry paths."""
    shown = plain(schedule)
    shown["folder"] = str(schedule.folder) if schedule.folder else None
    return dict(shown)


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


@backup.command("schedule")
@click.option("--enable/--disable", "enabled", default=None, help="Turn daily backups on or off.")
@click.option(
    "--folder",
    type=click.Path(file_okay=False),
    help="Existing folder the daily backups go to.",
)
@click.option("--keep-daily", type=int, help="Keep the newest backup of this many days (1-365).")
@click.option(
    "--keep-weekly", type=int, help="Also keep the newest backup of this many weeks (0-104)."
)
@passphrase_stdin
@shared_options()
@pass_state
def schedule(
    state: CliState,
    enabled: bool | None,
    folder: str | None,
    keep_daily: int | None,
    keep_weekly: int | None,
    passphrase_stdin: bool,
) -> None:
    """Show or change the daily backup schedule; owners and admins only. The passphrase sealing
    the backups is kept in the organization's secret store, asked for the first time (or with
    --passphrase-stdin to change it). Run `penguin backup run-due` from cron to make them."""
    actor = state.actor()
    service = state.container.backup_schedule
    current = service.settings(actor)
    changing = passphrase_stdin or any(
        v is not None for v in (enabled, folder, keep_daily, keep_weekly)
    )
    if changing:
        passphrase = None
        if passphrase_stdin or not current.has_passphrase:
            passphrase = read_passphrase(passphrase_stdin, creating=True)
        current = service.configure(
            actor,
            enabled=current.enabled if enabled is None else enabled,
            folder=Path(folder) if folder else current.folder,
            keep_daily=current.keep_daily if keep_daily is None else keep_daily,
            keep_weekly=current.keep_weekly if keep_weekly is None else keep_weekly,
            passphrase=passphrase,
        )
    emit_object(state, _schedule_json(current), _schedule_text(current))


@backup.command("run-due")
@shared_options()
@pass_state
def run_due(state: CliState) -> None:
    """Make the scheduled backup if the last one is a day old, then delete the older ones the
    schedule does not keep; exits 0 when nothing was due. For cron or a systemd timer."""
    actor = state.actor()
    with progress(state) as ctx:
        info = state.container.backup_schedule.run_due(actor, ctx=ctx)
    if info is None:
        current = state.container.backup_schedule.settings(actor)
        emit_object(state, None, "Nothing due. " + _schedule_text(current))
        return
    emit_object(state, info, "Backup written: " + _summary(info))
