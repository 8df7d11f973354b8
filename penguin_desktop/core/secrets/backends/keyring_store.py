"""The OS keyring (Keychain, Credential Locker, Secret Service, KWallet) through `keyring`.

Keyring's fail, null and plaintext backends are refused: a secret must never land in plain
text by accident, and "no keyring" must say so instead of failing on every call.
"""

from __future__ import annotations

import threading

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from penguin_desktop.core.platform.errors import ExternalServiceError, NotFoundError
from penguin_desktop.core.secrets.backends.base import BackendKind

SERVICE = "penguin-desktop"
_REFUSED_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


def _name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def keyring_problem(backend: KeyringBackend | None = None) -> str | None:
    """Why the active keyring may not hold secrets, or None when it is a real one."""
    backend = backend or keyring.get_keyring()
    name = _name(backend)
    inner = getattr(backend, "backends", None)
    if inner is not None and not inner:
        return "no OS keyring is available (no Secret Service, KWallet, Keychain or Locker)"
    if name.startswith(_REFUSED_MODULES) or "plaintext" in name.lower():
        if name.startswith("keyring.backends.fail"):
            return "no OS keyring is available (keyring offers only its fail backend)"
        return f"keyring backend {name} stores secrets unencrypted or nowhere; refused"
    return None


class KeyringStore:
    kind = BackendKind.KEYRING

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend or keyring.get_keyring()
        self._lock = threading.Lock()  # OS keyring clients are not promised to be thread-safe
        problem = keyring_problem(self._backend)
        if problem:
            raise ExternalServiceError(problem)

    def get(self, locator: str) -> str:
        try:
            with self._lock:
                value = self._backend.get_password(SERVICE, locator)
        except keyring.errors.KeyringError as exc:
            raise ExternalServiceError(f"the OS keyring failed: {type(exc).__name__}") from None
        if value is None:
            raise NotFoundError(f"secret {locator} is not in the OS keyring")
        return value

    def put(self, locator: str, value: str, cas: int | None = None) -> None:
        try:
            with self._lock:
                self._backend.set_password(SERVICE, locator, value)
        except keyring.errors.KeyringError as exc:
            raise ExternalServiceError(f"the OS keyring failed: {type(exc).__name__}") from None

    def delete(self, locator: str) -> None:
        try:
            with self._lock:
                self._backend.delete_password(SERVICE, locator)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise ExternalServiceError(f"the OS keyring failed: {type(exc).__name__}") from None

    def delete_many(self, locators: list[str]) -> None:
        for locator in locators:
            self.delete(locator)

    def status(self) -> str:
        return f"OS keyring {_name(self._backend)}"
