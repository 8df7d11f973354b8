"""A file-backed keyring for tests, plugged in through keyring's own backend interface, so
the developer's real keychain is never touched. Subprocesses select it with
PYTHON_KEYRING_BACKEND=tests.servers.file_keyring.FileBackedKeyring and
PENGUIN_TEST_KEYRING_FILE=<path>."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileBackedKeyring(KeyringBackend):
    # Below keyring's fail backend, so keyring's own auto-detection (which instantiates every
    # KeyringBackend subclass it can see) never picks it: only an explicit choice does.
    priority = -1  # type: ignore[assignment]

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path or Path(os.environ.get("PENGUIN_TEST_KEYRING_FILE", "/nonexistent"))

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def _save(self, data: dict[str, str]) -> None:
        self.path.write_text(json.dumps(data))

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x00{username}"] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\x00{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)
