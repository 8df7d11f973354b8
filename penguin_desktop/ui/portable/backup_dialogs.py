"""Backups in the console: the Settings page's Backups card, the schedule's dialog, a backup
made now with progress and Cancel, and the scheduled backup run once after the window shows.

Both dialogs run core off the UI thread: keeping the passphrase may talk to Vault or ask for the
secrets file's master password, and a backup copies the whole database. A passphrase is typed
twice, since a mistyped one would seal the backups for good. Core's backup modules (tar,
snapshots, the sealed archive) are imported when first used, not when the console starts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QWidget,
)

from penguin_desktop.core.platform.errors import PenguinError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.ui.shell.errors import describe
from penguin_desktop.ui.shell.state import AppState
from penguin_desktop.ui.shell.workers import Job
from penguin_desktop.ui.widgets.card import Card
from penguin_desktop.ui.widgets.form import password_field
from penguin_desktop.ui.widgets.formatting import local_time
from penguin_desktop.ui.widgets.inline_message import InlineMessage
from penguin_desktop.ui.widgets.job_form import JobFormDialog
from penguin_desktop.ui.widgets.page import action_button

if TYPE_CHECKING:
    from penguin_desktop.core.portable import BackupInfo, BackupSchedule


def _passphrase(first: QLineEdit, second: QLineEdit) -> str:
    """The passphrase typed twice; the second field says when they differ."""
    if first.text() != second.text():
        raise ValidationError(
            "the two passphrases differ; type the same one twice", field="confirm"
        )
    return first.text()


def _with_browse(field: QLineEdit, browse: Callable[[], None], text: str) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    button = QPushButton(text)
    button.clicked.connect(browse)
    row.addWidget(field, 1)
    row.addWidget(button)
    return row


class ScheduleDialog(JobFormDialog):
    """Turns daily backups on or off, where they go, how many are kept, and their passphrase."""

    def __init__(
        self, state: AppState, schedule: BackupSchedule, parent: QWidget | None = None
    ) -> None:
        from penguin_desktop.core.portable.schedule import KEEP_DAILY, KEEP_WEEKLY

        super().__init__(
            state.runner,
            "Backup schedule",
            "A backup of the whole agency is made once a day while the console runs (or by "
            "`penguin backup run-due` from cron), sealed with the passphrase below, which is kept "
            "in the organization's secret store. Older backups are deleted beyond what you keep.",
            "Save",
            parent,
        )
        self.state = state
        self.enabled = QCheckBox("Make a backup every day")
        self.enabled.setChecked(schedule.enabled)
        self.folder = QLineEdit(str(schedule.folder) if schedule.folder else "")
        self.folder.setPlaceholderText("an existing folder, ideally on another disk")
        self.keep_daily = QSpinBox()
        self.keep_daily.setRange(*KEEP_DAILY)
        self.keep_daily.setValue(schedule.keep_daily)
        self.keep_daily.setSuffix(" days")
        self.keep_weekly = QSpinBox()
        self.keep_weekly.setRange(*KEEP_WEEKLY)
        self.keep_weekly.setValue(schedule.keep_weekly)
        self.keep_weekly.setSuffix(" weeks")
        keep = "leave empty to keep the current one" if schedule.has_passphrase else ""
        self.passphrase = password_field(keep or "at least 12 characters")
        self.confirm = password_field(keep or "the same again")
        self.form.addRow("", self.enabled)
        self.form.addRow("Folder", _with_browse(self.folder, self.browse, "Browse…"))
        self.form.addRow("Keep &daily", self.keep_daily)
        self.form.addRow("Keep &weekly", self.keep_weekly)
        self.form.addRow("&Passphrase", self.passphrase)
        self.form.addRow("&Again", self.confirm)
        self.fields = {
            "folder": self.folder,
            "keep_daily": self.keep_daily,
            "keep_weekly": self.keep_weekly,
            "passphrase": self.passphrase,
            "confirm": self.confirm,
        }

    def browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for backups", self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        passphrase = _passphrase(self.passphrase, self.confirm) or None
        folder = Path(self.folder.text().strip()) if self.folder.text().strip() else None
        service, actor = self.state.container.backup_schedule, self.state.actor
        enabled, daily, weekly = (
            self.enabled.isChecked(),
            self.keep_daily.value(),
            self.keep_weekly.value(),
        )
        return "Saving the backup schedule", lambda _ctx: service.configure(
            actor,
            enabled=enabled,
            folder=folder,
            keep_daily=daily,
            keep_weekly=weekly,
            passphrase=passphrase,
        )

    def failed(self, error: PenguinError) -> None:
        if error.field in ("passphrase", "confirm"):
            self.confirm.clear()


class BackupNowDialog(JobFormDialog):
    """A backup made now into a chosen file, with its progress and a Cancel that stops it."""

    def __init__(
        self, state: AppState, folder: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            state.runner,
            "Back up now",
            "One encrypted file holding the database, the secrets file (still sealed by its "
            "master password) and the settings. Keep the passphrase: without it the file "
            "cannot be restored.",
            "Back up",
            parent,
        )
        self.state = state
        start = (folder or Path.home()) / f"agency-{datetime.now():%Y-%m-%d-%H%M}.pmbk"
        self.out = QLineEdit(str(start))
        self.passphrase = password_field("at least 12 characters")
        self.confirm = password_field("the same again")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.form.addRow("File", _with_browse(self.out, self.choose, "Choose…"))
        self.form.addRow("&Passphrase", self.passphrase)
        self.form.addRow("&Again", self.confirm)
        self.form.addRow("", self.progress)
        self.fields = {"out": self.out, "passphrase": self.passphrase, "confirm": self.confirm}

    def choose(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Back up to", self.out.text(), "PenguinMails backups (*.pmbk)"
        )
        if name:
            self.out.setText(name)

    def prepare(self) -> tuple[str, Callable[[JobContext], Any]]:
        passphrase = _passphrase(self.passphrase, self.confirm)
        if not self.out.text().strip():
            raise ValidationError("choose the file to write", field="out")
        out = Path(self.out.text().strip()).expanduser()
        backups, actor = self.state.container.backups, self.state.actor
        return f"Backing up to {out.name}", lambda ctx: backups.create(actor, out, passphrase, ctx)

    def working_text(self) -> str:
        return "Backing up…"

    def _submit(self) -> None:
        super()._submit()
        job = self.job
        if job is not None:
            self.progress.setValue(0)
            self.progress.show()
            job.signals.progress.connect(self._progressed)
            job.signals.ended.connect(self.progress.hide)

    def _progressed(self, fraction: float, text: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.message.show_info(text[:1].upper() + text[1:] + "…")

    def reject(self) -> None:
        """Cancel stops a running backup (which then writes nothing) before it closes."""
        if self.job is not None:
            self.job.cancel()
            self.message.show_info("Cancelling…")
            return
        super().reject()

    def failed(self, error: PenguinError) -> None:
        if error.field in ("passphrase", "confirm"):
            self.confirm.clear()


class BackupCard(Card):
    """The schedule as it stands, its last backup or error, and the two dialogs."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(
            "Backups",
            "Daily encrypted backups of the whole agency, and older ones thinned out.",
            parent,
        )
        self.state = state
        self.schedule: BackupSchedule | None = None
        self.values: dict[str, QLabel] = {}
        details = QFormLayout()
        details.setContentsMargins(0, 0, 0, 0)
        for label in ("Daily backups", "Folder", "Keep", "Last backup"):
            value = QLabel()
            value.setWordWrap(True)
            self.values[label] = value
            details.addRow(label, value)
        holder = QWidget()
        holder.setLayout(details)
        self.add(holder)
        self.message = InlineMessage()
        self.add(self.message)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        self.now_button = action_button("Back up now…", "export")
        self.schedule_button = action_button("Schedule…", "edit", primary=True)
        self.now_button.clicked.connect(self.open_backup_now)
        self.schedule_button.clicked.connect(self.open_schedule)
        buttons.addWidget(self.now_button)
        buttons.addWidget(self.schedule_button)
        row = QWidget()
        row.setLayout(buttons)
        self.add(row)

    def reload(self) -> None:
        may = self.state.can(Permission.BACKUP_CREATE)
        self.setVisible(may)
        if not may:
            return
        try:
            schedule = self.state.container.backup_schedule.settings(self.state.actor)
        except PenguinError as error:
            self.message.show_error(error)
            return
        self.schedule = schedule
        self.values["Daily backups"].setText("On" if schedule.enabled else "Off")
        self.values["Folder"].setText(str(schedule.folder) if schedule.folder else "Not chosen")
        self.values["Keep"].setText(
            f"The newest of {schedule.keep_daily} days and of {schedule.keep_weekly} weeks"
        )
        last = "None yet"
        if schedule.last_at is not None:
            last = f"{local_time(schedule.last_at)}, {schedule.last_file}"
        self.values["Last backup"].setText(last)
        if schedule.last_error:
            self.message.show_error(f"The last scheduled backup failed: {schedule.last_error}")
        else:
            self.message.clear_message()

    def open_schedule(self) -> ScheduleDialog:
        from penguin_desktop.core.portable import BackupSchedule

        dialog = ScheduleDialog(self.state, self.schedule or BackupSchedule(), self)
        dialog.accepted.connect(self._saved)
        dialog.open()
        return dialog

    def _saved(self) -> None:
        self.reload()
        self.state.notify("Backup schedule saved")

    def open_backup_now(self) -> BackupNowDialog:
        folder = self.schedule.folder if self.schedule else None
        dialog = BackupNowDialog(self.state, folder, self)
        dialog.accepted.connect(lambda: self._written(dialog.result_value))
        dialog.open()
        return dialog

    def _written(self, info: BackupInfo | None) -> None:
        if info is not None:
            self.state.notify(f"Backup written: {info.path}")


def start_due_backup(state: AppState) -> Job | None:
    """The scheduled backup on the job pool when one is due, else nothing at all (no job even
    listed); never for those who may not make backups. Its outcome shows as any job's does."""
    from penguin_desktop.core.portable.schedule import is_due

    if not state.can(Permission.BACKUP_CREATE):
        return None
    service, actor = state.container.backup_schedule, state.actor
    try:
        due = is_due(service.settings(actor), datetime.now(UTC))
    except PenguinError as error:
        state.notify(f"The backup schedule could not be read: {describe(error)}")
        return None
    if not due:
        return None
    return state.runner.start("Scheduled backup", lambda ctx: service.run_due(actor, ctx=ctx))
