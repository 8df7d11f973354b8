"""Rotation policies per kind of secret, and the registry of rotation procedures.

A procedure turns the current value into a new one on the remote side (install a new SSH key,
change an SMTP password through MailU) and returns it; capabilities register theirs at import.
Kinds without a procedure are replaced by the user (`penguin secrets set`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from penguin_desktop.core.models import SecretKind

DEFAULT_ROTATION_DAYS: dict[SecretKind, int | None] = {
    SecretKind.SSH_KEY: 90,
    SecretKind.SMTP_PASSWORD: 180,
    SecretKind.API_KEY: None,
    SecretKind.VAULT_TOKEN: None,
    SecretKind.WEBHOOK_SECRET: None,
    SecretKind.DKIM_KEY: None,  # rotated by publishing a new selector, never in place
}


@dataclass(frozen=True)
class RotationRequest:
    workspace: str
    name: str
    kind: SecretKind
    current_value: str


Rotator = Callable[[RotationRequest], str]
_ROTATORS: dict[SecretKind, Rotator] = {}


def register(kind: SecretKind, rotator: Rotator) -> None:
    _ROTATORS[kind] = rotator


def rotator_for(kind: SecretKind) -> Rotator | None:
    return _ROTATORS.get(kind)


def due_at(last_rotated: datetime, days: int | None) -> datetime | None:
    return None if days is None else last_rotated + timedelta(days=days)
