"""Live secret stores for one session: which is the default and why, unlocking the encrypted
file once, and the Vault clients with credentials kept outside the database.

Vault credentials (token, AppRole secret ID) live in the bootstrap store: the OS keyring when a
real one exists, else the encrypted file.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from keyring.backend import KeyringBackend

from penguin_desktop.core.platform.errors import (
    DatabaseError,
    NotFoundError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.secrets.backends.base import BackendKind, SecretBackend
from penguin_desktop.core.secrets.backends.file_store import EncryptedFileStore, KdfParams
from penguin_desktop.core.secrets.backends.keyring_store import KeyringStore, keyring_problem
from penguin_desktop.core.secrets.backends.vault import VaultConfig, VaultStore

SECRETS_FILE = "secrets.penc"

MasterPassword = Callable[[bool], str]
"""Asks the person for the master password; the flag says a new file is being created."""


def _no_master(_creating: bool) -> str:
    raise ValidationError("the encrypted secrets file needs a master password")


class SecretStores:
    def __init__(
        self,
        data_dir: Path,
        master_password: MasterPassword = _no_master,
        keyring_backend: KeyringBackend | None = None,
        env: Mapping[str, str] | None = None,
        kdf: KdfParams | None = None,
    ) -> None:
        self.file_path = data_dir / SECRETS_FILE
        self.master_password = master_password
        self._keyring_backend = keyring_backend
        self._env = os.environ if env is None else env
        self._kdf = kdf
        self._file: EncryptedFileStore | None = None
        self._keyring: KeyringStore | None = None
        self._vaults: dict[tuple[str, VaultConfig], VaultStore] = {}
        self._lock = threading.Lock()
        # How many secrets the database says live in the file; the secret service tells. A file
        # that should hold some but is gone is lost data, never a reason to start a new one.
        self.secrets_in_file: Callable[[], int] = lambda: 0

    # --- which one -----------------------------------------------------------------------------
    def keyring_problem(self) -> str | None:
        if self._keyring_backend is not None:
            return keyring_problem(self._keyring_backend)
        return keyring_problem()

    def default_kind(self) -> tuple[BackendKind, str]:
        problem = self.keyring_problem()
        if problem is None:
            return BackendKind.KEYRING, "default: a real OS keyring is available"
        return BackendKind.FILE, f"default: {problem}, so the encrypted file is used"

    # --- the stores ----------------------------------------------------------------------------
    def keyring(self) -> KeyringStore:
        """One keyring client per session, so its lock covers every thread."""
        with self._lock:
            if self._keyring is None:
                self._keyring = KeyringStore(self._keyring_backend)
            return self._keyring

    def file(self) -> EncryptedFileStore:
        """Unlock the secrets file (creating it on first use), once per session."""
        with self._lock:
            if self._file is None:
                if self.file_path.exists():
                    password = self.master_password(False)
                else:
                    lost = self.secrets_in_file()
                    if lost:
                        raise DatabaseError(
                            f"the secrets file {self.file_path} is missing, but {lost} secrets "
                            "live in it: restore it from a backup (it is never re-created over "
                            "lost secrets)"
                        )
                    password = self.master_password(True)
                    EncryptedFileStore.create(self.file_path, password, self._kdf)
                self._file = EncryptedFileStore(self.file_path, password, self._kdf)
            return self._file

    def file_master_password(self) -> str | None:
        """The unlocked file's master password; None while this session has not unlocked it."""
        with self._lock:
            return self._file.master_password if self._file is not None else None

    @property
    def file_unlocked(self) -> bool:
        """Whether this session already holds the file's key (no password prompt needed)."""
        return self._file is not None

    def has_credential(self, scope: str) -> bool:
        return any(self._credential(scope, what) for what in ("token", "secret-id"))

    def bootstrap(self) -> SecretBackend:
        return self.keyring() if self.keyring_problem() is None else self.file()

    def vault(self, scope: str, config: VaultConfig) -> VaultStore:
        key = (scope, config)
        with self._lock:
            store = self._vaults.get(key)
        if store is None:
            token = self._env.get("VAULT_TOKEN") or self._credential(scope, "token")
            secret_id = None
            if config.role_id:
                token = None
                secret_id = self._credential(scope, "secret-id")
            if config.cacert is None and self._env.get("VAULT_CACERT"):
                config = replace(config, cacert=self._env["VAULT_CACERT"])
            store = VaultStore(config, token=token, secret_id=secret_id)
            with self._lock:
                self._vaults[key] = store
        return store

    def probe_vault(
        self, scope: str, config: VaultConfig, token: str | None, secret_id: str | None
    ) -> str:
        """Open Vault with these credentials (the stored ones where None) and say what
        answered, keeping nothing: a new set-up is tried before it replaces a working one."""
        if config.role_id:
            token = None
            secret_id = secret_id if secret_id is not None else self._credential(scope, "secret-id")
        elif token is None:
            token = self._env.get("VAULT_TOKEN") or self._credential(scope, "token")
        if config.cacert is None and self._env.get("VAULT_CACERT"):
            config = replace(config, cacert=self._env["VAULT_CACERT"])
        store = VaultStore(config, token=token, secret_id=secret_id)
        try:
            return store.status()
        finally:
            store.close()

    def open(self, kind: BackendKind, scope: str, vault: VaultConfig | None) -> SecretBackend:
        if kind is BackendKind.KEYRING:
            return self.keyring()
        if kind is BackendKind.FILE:
            return self.file()
        if vault is None:
            raise ValidationError(
                "Vault is not configured", remedy=Remedy("secrets.backend.set", "vault")
            )
        return self.vault(scope, vault)

    # --- Vault credentials ---------------------------------------------------------------------
    @staticmethod
    def credential_locator(scope: str, what: str) -> str:
        return f"vault-{what}/{scope}"

    def _credential(self, scope: str, what: str) -> str | None:
        """Look in the keyring first, then the secrets file: a keyring that appeared after the
        credential was saved to the file must not hide it."""
        places: list[Callable[[], SecretBackend]] = []
        if self.keyring_problem() is None:
            places.append(self.keyring)
        if self.file_path.exists():
            places.append(self.file)
        for place in places:
            try:
                return place().get(self.credential_locator(scope, what))
            except NotFoundError:
                continue
        return None

    def save_credential(self, scope: str, what: str, value: str) -> None:
        self.bootstrap().put(self.credential_locator(scope, what), value)
        with self._lock:
            self._vaults = {k: v for k, v in self._vaults.items() if k[0] != scope}

    def close(self) -> None:
        with self._lock:
            for store in self._vaults.values():
                store.close()
            self._vaults.clear()
