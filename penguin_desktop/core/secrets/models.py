"""What the faces may know of secrets and their backends: never a value."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SecretKind(enum.StrEnum):
    SSH_KEY = "ssh_key"
    SMTP_PASSWORD = "smtp_password"
    API_KEY = "api_key"
    VAULT_TOKEN = "vault_token"
    WEBHOOK_SECRET = "webhook_secret"
    DKIM_KEY = "dkim_key"


@dataclass(frozen=True)
class SecretRefInfo:
    """What the faces may know of a secret: everything but its value."""

    workspace: str
    name: str
    kind: SecretKind
    backend: str
    created_at: datetime
    last_rotated_at: datetime
    last_accessed_at: datetime | None
    rotation_days: int | None
    due_at: datetime | None
    due: bool


@dataclass(frozen=True)
class BackendInfo:
    """Which secret store is active for a scope, and why."""

    scope: str
    kind: str
    why: str
    settings: dict[str, str]


@dataclass(frozen=True)
class MigrationResult:
    moved: int
    already_there: int
    cleaned: int
    target: str


@dataclass(frozen=True)
class SecretsFileState:
    """The encrypted secrets file of this data directory, and the backend a new organization's
    secrets go to by default (the file when there is no usable OS keyring)."""

    path: str
    exists: bool
    unlocked: bool
    default_backend: str
    why: str
