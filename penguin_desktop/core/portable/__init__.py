"""Portable data: backups (the whole agency's database snapshot, sealed secrets file and
settings in one passphrase-sealed archive, checked without restoring, restored into an empty
data folder) and a workspace's non-secret data as a plain SQLite file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .backup import BackupInfo, BackupService, restore, verify
    from .sqlite_export import ExportInfo, SqliteExportService

__all__ = ["BackupInfo", "BackupService", "ExportInfo", "SqliteExportService", "restore", "verify"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BackupInfo": ".backup",
        "BackupService": ".backup",
        "restore": ".backup",
        "verify": ".backup",
        "ExportInfo": ".sqlite_export",
        "SqliteExportService": ".sqlite_export",
    },
)
