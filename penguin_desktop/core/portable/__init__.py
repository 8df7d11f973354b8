"""Portable data: backups (the whole agency's database snapshot, sealed secrets file and
settings in one passphrase-sealed archive, checked without restoring, restored into an empty
data folder), a workspace's non-secret data as a plain SQLite file, and a workspace handed over
to another agency in a sealed bundle with its secrets and audit events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .backup import BackupInfo, BackupService, restore, verify
    from .bundle import BundleInfo, BundleService
    from .bundle_file import BundleCheck, verify_bundle
    from .bundle_import import ImportPlan, TableChange
    from .schedule import BackupSchedule, BackupScheduleService, to_prune
    from .sqlite_export import ExportInfo, SqliteExportService

__all__ = [
    "BackupInfo",
    "BackupSchedule",
    "BackupScheduleService",
    "BackupService",
    "BundleCheck",
    "BundleInfo",
    "BundleService",
    "ExportInfo",
    "ImportPlan",
    "SqliteExportService",
    "TableChange",
    "restore",
    "to_prune",
    "verify",
    "verify_bundle",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BackupInfo": ".backup",
        "BackupService": ".backup",
        "restore": ".backup",
        "verify": ".backup",
        "BackupSchedule": ".schedule",
        "BackupScheduleService": ".schedule",
        "to_prune": ".schedule",
        "BundleInfo": ".bundle",
        "BundleService": ".bundle",
        "BundleCheck": ".bundle_file",
        "verify_bundle": ".bundle_file",
        "ImportPlan": ".bundle_import",
        "TableChange": ".bundle_import",
        "ExportInfo": ".sqlite_export",
        "SqliteExportService": ".sqlite_export",
    },
)
