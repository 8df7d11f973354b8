"""Secrets: references in the database, values in the OS keyring, Vault or an encrypted file;
rotation policies and procedures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .models import BackendInfo, MigrationResult, SecretKind, SecretRefInfo
    from .rotation import DEFAULT_ROTATION_DAYS, RotationRequest
    from .rotation import register as register_rotation
    from .service import SecretService

__all__ = [
    "DEFAULT_ROTATION_DAYS",
    "BackendInfo",
    "MigrationResult",
    "RotationRequest",
    "SecretKind",
    "SecretRefInfo",
    "SecretService",
    "register_rotation",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "SecretService": ".service",
        "SecretKind": ".models",
        "SecretRefInfo": ".models",
        "BackendInfo": ".models",
        "MigrationResult": ".models",
        "RotationRequest": ".rotation",
        "register_rotation": ".rotation:register",
        "DEFAULT_ROTATION_DAYS": ".rotation",
    },
)
