"""One error tree for the whole core.

Every error carries a message written for the person at the keyboard in words both faces share,
the exit code the CLI uses for it, and as data what the faces phrase their own way: the input at
fault (`field`, its `value`, the `allowed` values) and what to do next (`remedy`). The CLI turns
a field into its flag and a remedy into the command to run; the console into the field's label
and the place to click. No message here spells a command line or a flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Remedy:
    """What the person can do about an error, named by the action so that each face words it.

    `action` is the capability and verb ("server.accept-host-key", "secrets.set"), `subject`
    the thing it applies to (a server's name), `arguments` what else it takes in order (a
    fingerprint to accept), and `fields` the named inputs it needs, by field name
    ("workspace", "domain"), with a value where one is known.
    """

    action: str
    subject: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    arguments: tuple[str, ...] = ()


class PenguinError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        allowed: Sequence[str] = (),
        remedy: Remedy | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value
        self.allowed = tuple(allowed)
        self.remedy = remedy


class ValidationError(PenguinError):
    """The input is malformed or breaks a rule (bad email, weak password, duplicate name)."""


class NotFoundError(PenguinError):
    """The named thing does not exist."""


class ConflictError(PenguinError):
    """The change clashes with existing data (a name already taken, already initialized)."""


class NotInitializedError(PenguinError):
    """The workspace database has no organization yet; it has to be initialized first."""


class DatabaseError(PenguinError):
    """The database file is not ours, is newer than this program, or is unusable."""


class PermissionDenied(PenguinError):
    """The acting user's role does not allow the action. Carries what was attempted so the
    denial can be audited after the failed transaction has rolled back."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        action: str,
        target: str,
        workspace_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.action = action
        self.target = target
        self.workspace_id = workspace_id


class UnknownToYou(NotFoundError):
    """A workspace the actor is not a member of, answered exactly as one that does not exist, so
    nobody learns which names exist by guessing; the refusal is still audited as a denial."""

    def __init__(self, message: str, *, action: str, target: str, workspace_id: int) -> None:
        super().__init__(message, field="workspace")
        self.action = action
        self.target = target
        self.workspace_id: int | None = workspace_id


class AuthenticationError(PenguinError):
    """Wrong credentials, no credentials, or a locked account."""

    exit_code = 4


class AccountLockedError(AuthenticationError):
    """Too many failed logins: the account is locked for a while."""


class ExternalServiceError(PenguinError):
    """A server we depend on (PostgreSQL, Vault, SSH, DNS, Stripe ...) failed or is unreachable."""

    exit_code = 5


class CredentialRefused(ExternalServiceError):
    """An outside service refused the credential we hold for it (an SSH key, an API token):
    the outside side said no, so it exits like any outside failure, not like a sign-in here."""


class Cancelled(PenguinError):
    """The user cancelled a running job; whatever it committed so far stays."""
