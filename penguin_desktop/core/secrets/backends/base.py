"""What every secret store offers, and the names users choose them by."""

from __future__ import annotations

import enum
from typing import Protocol


class BackendKind(enum.StrEnum):
    KEYRING = "keyring"
    VAULT = "vault"
    FILE = "file"


class SecretBackend(Protocol):
    """A place secret values live, addressed by a locator the database keeps.

    Implementations raise core errors only (ExternalServiceError for an unreachable or refusing
    store, AuthenticationError for a wrong master password or token, NotFoundError for a
    missing value); never an exception whose text could carry a secret.
    """

    kind: BackendKind

    def get(self, locator: str) -> str: ...

    def put(self, locator: str, value: str, cas: int | None = None) -> int | None:
        """Store `value`; returns the store's version number where it keeps versions (Vault).
        With `cas`, refuse unless the current version is `cas` (0: must not exist yet)."""
        ...

    def delete(self, locator: str) -> None: ...

    def delete_many(self, locators: list[str]) -> None:
        """Delete several values; the encrypted file does it in one rewrite."""
        ...

    def status(self) -> str:
        """A one-line description of the live store (which keyring, which Vault), or raise."""
        ...
