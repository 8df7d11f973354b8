"""Scheduled backups: the settings and their checks, the passphrase kept out of the database,
a backup a day and no more, retention on a fake clock, and `penguin backup schedule|run-due`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from penguin_desktop.container import Container
from penguin_desktop.core.audit import AuditFilter
from penguin_desktop.core.platform.errors import PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.portable import archive, verify
from penguin_desktop.core.portable.schedule import BackupSchedule, backup_name, made_at, to_prune
from penguin_desktop.core.secrets import BackendKind
from tests.cli.conftest import Penguin, initialized, penguin  # noqa: F401  (fixtures)
from tests.conftest import MASTER_PASSWORD, add_user

PASSPHRASE = "Harbour-lights-2026-schedule"
T0 = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "DEFAULT_KDF", archive.KdfParams(1, 8192, 1))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "backups"
    path.mkdir()
    return path


@pytest.fixture
def scheduled(container: Container, owner: Actor, folder: Path) -> Container:
    container.secrets.set_backend(owner, BackendKind.FILE)
    container.backup_schedule.configure(
        owner, enabled=True, folder=folder, keep_daily=7, keep_weekly=4, passphrase=PASSPHRASE
    )
    return container


def test_configure_checks_its_inputs(
    container: Container, owner: Actor, folder: Path, tmp_path: Path
) -> None:
    service = container.backup_schedule
    assert service.settings(owner) == BackupSchedule()
    good = {"enabled": True, "folder": folder, "keep_daily": 7, "keep_weekly": 4}
    cases = [
        ({"folder": None}, "folder"),
        ({"folder": tmp_path / "missing"}, "folder"),
        ({"keep_daily": 0}, "keep_daily"),
        ({"keep_daily": 366}, "keep_daily"),
        ({"keep_weekly": -1}, "keep_weekly"),
        ({"keep_weekly": 105}, "keep_weekly"),
    ]
    for change, field in cases:
        with pytest.raises(ValidationError) as raised:
            service.configure(owner, **{**good, **change}, passphrase=PASSPHRASE)  # type: ignore[arg-type]
        assert raised.value.field == field
    with pytest.raises(ValidationError) as raised:
        service.configure(owner, **good, passphrase="short")  # type: ignore[arg-type]
    assert raised.value.field == "passphrase"
    with pytest.raises(ValidationError, match="choose a passphrase"):
        service.configure(owner, **good, passphrase=None)  # type: ignore[arg-type]
    service.configure(owner, **good, passphrase=PASSPHRASE)  # type: ignore[arg-type]
    # Later changes keep the passphrase kept before.
    changed = service.configure(owner, **{**good, "keep_daily": 3}, passphrase=None)  # type: ignore[arg-type]
    assert changed.has_passphrase and changed.keep_daily == 3
    assert service.settings(owner) == changed
    events = container.audit.page(owner, AuditFilter(action="backup.schedule"))
    assert len(events) == 2


def test_members_may_not_schedule(container: Container, owner: Actor, folder: Path) -> None:
    bob = add_user(container, owner, "bob@agency.test")
    with pytest.raises(PermissionDenied):
        container.backup_schedule.settings(bob)
    with pytest.raises(PermissionDenied):
        container.backup_schedule.configure(
            bob, enabled=True, folder=folder, keep_daily=7, keep_weekly=4, passphrase=PASSPHRASE
        )


def test_the_passphrase_is_never_in_the_database(
    scheduled: Container, owner: Actor, tmp_path: Path
) -> None:
    if scheduled.db.dialect != "sqlite":
        pytest.skip("reads the SQLite file's bytes")
    scheduled.close()
    for path in tmp_path.glob("workspace.db*"):
        assert PASSPHRASE.encode() not in path.read_bytes()
    assert PASSPHRASE.encode() not in (tmp_path / "secrets.penc").read_bytes()


def test_one_backup_a_day_then_retention(scheduled: Container, owner: Actor, folder: Path) -> None:
    service = scheduled.backup_schedule
    stranger = folder / "notes.pmbk"
    stranger.write_text("not ours")
    made = service.run_due(owner, now=T0)
    assert made is not None and Path(made.path) == folder / backup_name(T0)
    assert verify(Path(made.path), PASSPHRASE).counts == made.counts
    assert service.run_due(owner, now=T0 + timedelta(hours=23)) is None
    shown = service.settings(owner)
    assert shown.last_at == T0 and shown.last_file == backup_name(T0) and not shown.last_error

    service.configure(
        owner, enabled=True, folder=folder, keep_daily=2, keep_weekly=0, passphrase=None
    )
    for day in range(1, 4):
        assert service.run_due(owner, now=T0 + timedelta(days=day)) is not None
    left = sorted(p.name for p in folder.iterdir() if made_at(p.name))
    assert left == [backup_name(T0 + timedelta(days=d)) for d in (2, 3)]
    assert stranger.read_text() == "not ours"
    pruned = scheduled.audit.page(owner, AuditFilter(action="backup.prune"))
    assert len(pruned) == 2


def test_an_error_is_recorded_and_raised(scheduled: Container, owner: Actor, folder: Path) -> None:
    folder.rmdir()
    with pytest.raises(ValidationError, match="missing"):
        scheduled.backup_schedule.run_due(owner, now=T0)
    shown = scheduled.backup_schedule.settings(owner)
    assert shown.last_error and "missing" in shown.last_error and shown.last_at is None


def test_nothing_is_due_while_off(container: Container, owner: Actor, folder: Path) -> None:
    container.secrets.set_backend(owner, BackendKind.FILE)
    container.backup_schedule.configure(
        owner, enabled=False, folder=folder, keep_daily=7, keep_weekly=4, passphrase=PASSPHRASE
    )
    assert container.backup_schedule.run_due(owner, now=T0) is None
    assert list(folder.iterdir()) == []


# --- retention, whatever the backups ---------------------------------------------------------

times = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))
others = st.lists(st.sampled_from(["notes.txt", "penguin-latest.pmbk", "penguin-1.pmbk"]))


def promised(backups: list[datetime], now: datetime, keep_daily: int, keep_weekly: int) -> set[str]:
    """What retention promises, worked out another way: per period its newest backup, for the
    newest periods that have one; anything after `now` untouched."""
    past = [t for t in backups if t <= now]
    newest_by_day: dict[object, datetime] = {}
    newest_by_week: dict[object, datetime] = {}
    for t in past:
        newest_by_day[t.date()] = max(t, newest_by_day.get(t.date(), t))
        week = t.isocalendar()[:2]
        newest_by_week[week] = max(t, newest_by_week.get(week, t))
    days = sorted(newest_by_day, reverse=True)[:keep_daily]  # type: ignore[type-var]
    weeks = sorted(newest_by_week, reverse=True)[:keep_weekly]  # type: ignore[type-var]
    keep = {newest_by_day[d] for d in days} | {newest_by_week[w] for w in weeks}
    keep |= {t for t in backups if t > now}
    return {backup_name(t) for t in keep}


@settings(max_examples=150, deadline=None)
@given(
    backups=st.lists(times, unique_by=backup_name, max_size=60),
    strangers=others,
    now=times,
    keep_daily=st.integers(1, 20),
    keep_weekly=st.integers(0, 10),
)
def test_retention_keeps_exactly_what_it_promises(
    backups: list[datetime], strangers: list[str], now: datetime, keep_daily: int, keep_weekly: int
) -> None:
    listed = [(backup_name(t), t) for t in backups] + [(name, now) for name in strangers]
    doomed = to_prune(listed, now, keep_daily, keep_weekly)
    assert not set(doomed) & set(strangers)
    if backups:
        assert backup_name(max(backups)) not in doomed
    names = {backup_name(t) for t in backups}
    assert set(doomed) == names - promised(backups, now, keep_daily, keep_weekly)
    assert len(doomed) == len(set(doomed))


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_schedule_and_run_due(
    initialized: Penguin,  # noqa: F811
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PENGUIN_MASTER_PASSWORD", MASTER_PASSWORD)
    assert initialized("secrets", "backend", "set", "file").exit_code == 0
    off = initialized("backup", "schedule")
    assert off.exit_code == 0 and "Scheduled backups off" in off.stdout
    nothing = initialized("backup", "run-due")
    assert nothing.exit_code == 0 and "Nothing due" in nothing.stdout
    result = initialized(
        "backup",
        "schedule",
        "--enable",
        "--folder",
        str(folder),
        "--keep-daily",
        "3",
        "--passphrase-stdin",
        stdin=PASSPHRASE + "\n",
    )
    assert result.exit_code == 0, result.stderr
    assert PASSPHRASE not in result.output
    shown = initialized.json("backup", "schedule")
    assert shown["enabled"] and shown["folder"] == str(folder.resolve())
    assert shown["keep_daily"] == 3 and shown["has_passphrase"]
    made = initialized("backup", "run-due")
    assert made.exit_code == 0 and "Backup written" in made.stdout, made.stderr
    assert [p.name for p in folder.iterdir() if made_at(p.name)]
    again = initialized("backup", "run-due")
    assert again.exit_code == 0 and "Nothing due" in again.stdout
    bad = initialized("backup", "schedule", "--keep-weekly", "200")
    assert bad.exit_code == 1 and "--keep-weekly" in bad.stderr
