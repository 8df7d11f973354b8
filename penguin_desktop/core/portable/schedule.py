"""Scheduled backups: a daily backup into a chosen folder, and the older ones thinned out.

The schedule is a small JSON setting (`penguin_meta` key `backup.schedule`); the passphrase
that seals the unattended backups is one of the program's own secrets in the organization's
store, the setting recording only where (as the unsubscribe links' key is kept), so the
database never holds it in clear. Nothing here runs on a timer: a face calls `run_due` (the
console once after it starts, `penguin backup run-due` from cron or a systemd timer), and a
backup is made when the last one is a day old. Retention follows restic's `--keep-daily` and
`--keep-weekly`: periods are counted among those that have a backup, so a laptop left off for
a month does not lose its old backups on the first run back.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from penguin_desktop.core.platform.errors import Cancelled, DatabaseError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import MetaRow
from penguin_desktop.core.portable.backup import MIN_PASSPHRASE, BackupInfo, BackupService
from penguin_desktop.core.secrets import BackendKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from penguin_desktop.core.secrets import SecretService

SCHEDULE_KEY = "backup.schedule"
PASSPHRASE_NAME = "backup-passphrase"
_PURPOSE = "seal scheduled backups"
DUE_AFTER = timedelta(hours=24)
KEEP_DAILY = (1, 365)
KEEP_WEEKLY = (0, 104)
# Only files named like this are ever deleted by retention: nothing else in the folder is ours.
NAME_FORMAT = "penguin-%Y%m%d-%H%M%S.pmbk"
PATTERN = re.compile(r"penguin-(\d{8}-\d{6})\.pmbk")
_TARGET = "backup:schedule"


@dataclass(frozen=True)
class BackupSchedule:
    """The schedule as the faces show it; the passphrase itself never leaves the store."""

    enabled: bool = False
    folder: Path | None = None
    keep_daily: int = 7
    keep_weekly: int = 4
    has_passphrase: bool = False
    last_at: datetime | None = None
    last_file: str | None = None
    last_error: str | None = None


def backup_name(at: datetime) -> str:
    """The file name of the scheduled backup made at `at` (UTC)."""
    return at.astimezone(UTC).strftime(NAME_FORMAT)


def is_due(schedule: BackupSchedule, now: datetime) -> bool:
    """Whether `run_due` would make a backup at `now`: on, with a folder, a day since the last."""
    if not schedule.enabled or schedule.folder is None:
        return False
    return schedule.last_at is None or now - schedule.last_at >= DUE_AFTER


def made_at(name: str) -> datetime | None:
    """When a scheduled backup was made, from its name; None for any other file."""
    match = PATTERN.fullmatch(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None  # penguin-99999999-999999.pmbk: named like ours, not made by us


def kept(
    names_with_times: Iterable[tuple[str, datetime]],
    now: datetime,
    keep_daily: int,
    keep_weekly: int,
) -> set[str]:
    """The scheduled backups retention keeps: the newest of each of the newest `keep_daily`
    days that have one, the newest of each of the newest `keep_weekly` ISO weeks that have one,
    and any dated after `now` (a clock set back must not make the newest look oldest)."""
    if keep_daily < 1:
        raise ValueError("keep_daily must be at least 1: the newest backup is always kept")
    ours = sorted(
        ((time, name) for name, time in names_with_times if made_at(name) is not None),
        reverse=True,
    )
    keep = {name for time, name in ours if time > now}
    days: dict[object, str] = {}
    weeks: dict[object, str] = {}
    for time, name in ours:
        if time > now:
            continue
        day, week = time.date(), time.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days[day] = name
        if week not in weeks and len(weeks) < keep_weekly:
            weeks[week] = name
    return keep | set(days.values()) | set(weeks.values())


def to_prune(
    names_with_times: Iterable[tuple[str, datetime]],
    now: datetime,
    keep_daily: int,
    keep_weekly: int,
) -> list[str]:
    """The files retention deletes, oldest first: scheduled backups (by name) that `kept`
    does not keep. Any other file is never among them."""
    pairs = list(names_with_times)
    keep = kept(pairs, now, keep_daily, keep_weekly)
    ours = sorted((time, name) for name, time in pairs if made_at(name) is not None)
    return [name for _, name in ours if name not in keep]


def _decode(text: str | None) -> tuple[BackupSchedule, dict[str, str] | None]:
    """The schedule and where its passphrase is kept, from the setting's JSON."""
    if text is None:
        return BackupSchedule(), None
    data: dict[str, Any] = json.loads(text)
    place = data.get("passphrase")
    last_at = data.get("last_at")
    schedule = BackupSchedule(
        enabled=bool(data.get("enabled")),
        folder=Path(data["folder"]) if data.get("folder") else None,
        keep_daily=int(data.get("keep_daily", 7)),
        keep_weekly=int(data.get("keep_weekly", 4)),
        has_passphrase=place is not None,
        last_at=datetime.fromisoformat(last_at) if last_at else None,
        last_file=data.get("last_file"),
        last_error=data.get("last_error"),
    )
    return schedule, place


def _encode(schedule: BackupSchedule, place: dict[str, str] | None) -> str:
    return json.dumps(
        {
            "enabled": schedule.enabled,
            "folder": str(schedule.folder) if schedule.folder else None,
            "keep_daily": schedule.keep_daily,
            "keep_weekly": schedule.keep_weekly,
            "passphrase": place,
            "last_at": schedule.last_at.isoformat() if schedule.last_at else None,
            "last_file": schedule.last_file,
            "last_error": schedule.last_error,
        },
        sort_keys=True,
    )


def _check(
    enabled: bool, folder: Path | None, keep_daily: int, keep_weekly: int, passphrase: str | None
) -> None:
    if enabled and folder is None:
        raise ValidationError("choose the folder scheduled backups go to", field="folder")
    if folder is not None and not folder.is_dir():
        raise ValidationError(f"{folder} is not an existing folder", field="folder", value=folder)
    if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
        raise ValidationError(f"{folder} cannot be written to", field="folder", value=folder)
    for field, value, (low, high) in (
        ("keep_daily", keep_daily, KEEP_DAILY),
        ("keep_weekly", keep_weekly, KEEP_WEEKLY),
    ):
        if not low <= value <= high:
            raise ValidationError(f"keep between {low} and {high}", field=field, value=value)
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError(
            f"a backup passphrase needs at least {MIN_PASSPHRASE} characters", field="passphrase"
        )


class BackupScheduleService(Service):
    """Keeps the backup schedule and makes the backups it says are due."""

    def __init__(self, db: Database, data_dir: Path, secrets: SecretService) -> None:
        super().__init__(db)
        self.data_dir = data_dir
        self.secrets = secrets

    def settings(self, actor: Actor) -> BackupSchedule:
        """The schedule; only those who may make backups see where they go."""
        with self._reading(actor) as session:
            self._require_org(actor, Permission.BACKUP_CREATE, _TARGET)
            return self._load(session)[0]

    def configure(
        self,
        actor: Actor,
        *,
        enabled: bool,
        folder: Path | None,
        keep_daily: int,
        keep_weekly: int,
        passphrase: str | None,
    ) -> BackupSchedule:
        """Change the schedule; `passphrase` None keeps the one kept before, and one is
        required the first time, since an unattended backup has nobody to ask."""
        with self._reading(actor) as session:
            self._require_org(actor, Permission.BACKUP_CREATE, _TARGET)
            current, place = self._load(session)
        folder = folder.expanduser().resolve() if folder is not None else None
        _check(enabled, folder, keep_daily, keep_weekly, passphrase)
        if passphrase is None and place is None:
            raise ValidationError(
                f"choose a passphrase of at least {MIN_PASSPHRASE} characters to seal the "
                "scheduled backups",
                field="passphrase",
            )
        old_place = place
        if passphrase is not None:
            backend = self.secrets.put_system_secret(PASSPHRASE_NAME, passphrase, _PURPOSE, actor)
            place = {"name": PASSPHRASE_NAME, "backend": backend.value}
        schedule = replace(
            current,
            enabled=enabled,
            folder=folder,
            keep_daily=keep_daily,
            keep_weekly=keep_weekly,
            has_passphrase=True,
        )
        with self._writing(actor) as session:
            self._store(session, schedule, place)
            self._audit(
                session,
                actor,
                "backup.schedule",
                _TARGET,
                enabled=enabled,
                folder=str(folder) if folder else None,
                keep_daily=keep_daily,
                keep_weekly=keep_weekly,
                resealed=passphrase is not None,
            )
        if old_place is not None and old_place != place:
            # Kept in another store than before (the organization's store changed): the old
            # copy would otherwise outlive the setting that pointed to it.
            self.secrets.delete_system_secret(
                old_place["name"], BackendKind(old_place["backend"]), _PURPOSE, actor
            )
        return schedule

    def run_due(
        self, actor: Actor, now: datetime | None = None, ctx: JobContext | None = None
    ) -> BackupInfo | None:
        """Make the scheduled backup when it is on and the last one is a day old, then thin
        out the older ones; None when nothing was due. An error is recorded on the schedule
        (for the faces to show) and raised."""
        now = now or datetime.now(UTC)
        with self._reading(actor) as session:
            self._require_org(actor, Permission.BACKUP_CREATE, _TARGET)
            schedule, place = self._load(session)
        if not is_due(schedule, now):
            return None
        try:
            info = self._back_up(actor, schedule, place, now, ctx)
        except Cancelled:
            raise
        except Exception as error:
            self._record(last_error=str(getattr(error, "message", error)) or type(error).__name__)
            raise
        self._record(last_at=now, last_file=Path(info.path).name, last_error=None)
        return info

    # --- helpers -------------------------------------------------------------------------------
    def _back_up(
        self,
        actor: Actor,
        schedule: BackupSchedule,
        place: dict[str, str] | None,
        now: datetime,
        ctx: JobContext | None,
    ) -> BackupInfo:
        folder = schedule.folder
        assert folder is not None
        if not folder.is_dir():
            raise ValidationError(
                f"the backup folder {folder} is missing (a disk not mounted?)", field="folder"
            )
        passphrase = self._passphrase(actor, place)
        out = folder / backup_name(now)
        info = BackupService(self.db, self.data_dir).create(actor, out, passphrase, ctx)
        pruned = self._prune(folder, now, schedule.keep_daily, schedule.keep_weekly)
        if pruned:
            with self._writing(actor) as session:
                self._audit(
                    session, actor, "backup.prune", _TARGET, folder=str(folder), files=pruned
                )
        return info

    def _passphrase(self, actor: Actor, place: dict[str, str] | None) -> str:
        if place is None:
            raise ValidationError("no passphrase is kept for scheduled backups", field="passphrase")
        backend = BackendKind(place["backend"])
        value = self.secrets.system_secret(place["name"], backend, _PURPOSE, actor)
        if value is None:
            raise DatabaseError(
                f"the scheduled backups' passphrase is missing from the {backend.value} secret "
                "store; set it again with the schedule"
            )
        return value

    @staticmethod
    def _prune(folder: Path, now: datetime, keep_daily: int, keep_weekly: int) -> list[str]:
        found = [
            (entry.name, time)
            for entry in folder.iterdir()
            if entry.is_file() and not entry.is_symlink() and (time := made_at(entry.name))
        ]
        doomed = to_prune(found, now, keep_daily, keep_weekly)
        for name in doomed:
            (folder / name).unlink(missing_ok=True)
        return doomed

    @staticmethod
    def _load(session: Session) -> tuple[BackupSchedule, dict[str, str] | None]:
        row = session.get(MetaRow, SCHEDULE_KEY)
        return _decode(row.value if row else None)

    @staticmethod
    def _store(session: Session, schedule: BackupSchedule, place: dict[str, str] | None) -> None:
        row = session.get(MetaRow, SCHEDULE_KEY)
        if row is None:
            session.add(MetaRow(key=SCHEDULE_KEY, value=_encode(schedule, place)))
        else:
            row.value = _encode(schedule, place)

    def _record(self, **outcome: Any) -> None:
        """The last run's outcome on the schedule, read afresh so a change made meanwhile
        stays."""
        with self.db.write() as session:
            schedule, place = self._load(session)
            self._store(session, replace(schedule, **outcome), place)
