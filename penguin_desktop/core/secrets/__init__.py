"""Secrets: references in the database, values in the OS keyring, Vault or an encrypted file;
rotation policies and procedures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .backends.base import BackendKind
    from .backends.file_store import MAX_KDF, MIN_MASTER_LENGTH, KdfParams
    from .backends.vault import VaultConfig
    from .models import BackendInfo, MigrationResult, SecretKind, SecretRefInfo, SecretsFileState
    from .rotation import DEFAULT_ROTATION_DAYS, RotationRequest
    from .rotation import register as register_rotation
    from .service import SecretService

__all__ = [
    "DEFAULT_ROTATION_DAYS",
    "MAX_KDF",
    "MIN_MASTER_LENGTH",
    "BackendInfo",
    "BackendKind",
    "KdfParams",
    "MigrationResult",
    "RotationRequest",
    "SecretKind",
    "SecretRefInfo",
    "SecretService",
    "SecretsFileState",
    "VaultConfig",
    "register_rotation",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BackendKind": ".backends.base",
        "MIN_MASTER_LENGTH": ".backends.file_store",
        "MAX_KDF": ".backends.file_store",
        "KdfParams": ".backends.file_store",
        "VaultConfig": ".backends.vault",
        "SecretService": ".service",
        "SecretKind": ".models",
        "SecretRefInfo": ".models",
        "SecretsFileState": ".models",
        "BackendInfo": ".models",
        "MigrationResult": ".models",
        "RotationRequest": ".rotation",
        "register_rotation": ".rotation:register",
        "DEFAULT_ROTATION_DAYS": ".rotation",
    },
)
