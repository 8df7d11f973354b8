"""Audit reports: list, verify, sign and export the trail (CSV, JSON, PDF)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .models import AuditEntry, AuditFilter, Checkpoint, ExportResult, VerifyResult
    from .service import AuditService

__all__ = [
    "AuditEntry",
    "AuditFilter",
    "AuditService",
    "Checkpoint",
    "ExportResult",
    "VerifyResult",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "AuditService": ".service",
        "AuditEntry": ".models",
        "AuditFilter": ".models",
        "Checkpoint": ".models",
        "VerifyResult": ".models",
        "ExportResult": ".models",
    },
)
