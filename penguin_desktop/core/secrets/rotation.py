"""Rotation policies per kind of secret, and the registry of rotation procedures.

A procedure turns the current value into a new one on the remote side (install a new SSH key,
change an SMTP password through MailU). Kinds without a procedure are replaced by the user
(`penguin secrets set`).

The procedures live with the services that know the remote side and are registered by the
composition root (`penguin_desktop.container` imports `core.servers.rotation` and
`core.mailboxes.rotation`); this module
imports no service. A request carries who rotates (`actor`: the procedure acts, and is audited,
as them) and `services`, the process's service container handed over by the secret service,
typed loosely here so that the dependency points from services to secrets only.

A procedure returns the new value for the secret service to store, or None when it stored the
value itself, because it had to at a precise moment (an SSH key is stored after a login with it
worked and before the old key is removed, so that no interruption locks anyone out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets.models import SecretKind

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
    actor: Actor
    services: object | None = None  # the service container; None where nobody wired one

    def __repr__(self) -> str:
        return f"RotationRequest({self.workspace!r}, {self.name!r}, {self.kind.value})"

    def service(self, attribute: str) -> Any:
        """The container's service named `attribute` (`servers`, `mailboxes`) for a procedure
        to act through; refused when the secret service was started without one."""
        found = getattr(self.services, attribute, None)
        if found is None:
            raise ValidationError(
                f"cannot rotate {self.name!r} here: the secret service was started without "
                f"the {attribute} service"
            )
        return found


Rotator = Callable[[RotationRequest], str | None]
_ROTATORS: dict[SecretKind, Rotator] = {}


def register(kind: SecretKind, rotator: Rotator) -> None:
    """Make `rotator` the procedure of `kind` (a later registration replaces an earlier one)."""
    _ROTATORS[kind] = rotator


def rotator_for(kind: SecretKind) -> Rotator | None:
    return _ROTATORS.get(kind)


def due_at(last_rotated: datetime, days: int | None) -> datetime | None:
    return None if days is None else last_rotated + timedelta(days=days)
