"""One error tree for the whole core.

Every error carries a message written for the person at the keyboard and the exit code the CLI
uses for it, so each face turns errors into words in exactly one place.
"""

from __future__ import annotations


class PenguinError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(PenguinError):
    """The input is malformed or breaks a rule (bad email, weak password, duplicate name)."""


class NotFoundError(PenguinError):
    """The named thing does not exist."""


class ConflictError(PenguinError):
    """The change clashes with existing data (a name already taken, already initialized)."""


class NotInitializedError(PenguinError):
    """The workspace database has no organization yet; `penguin init` has to run first."""


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


class AuthenticationError(PenguinError):
    """Wrong credentials, no credentials, or a locked account."""

    exit_code = 4


class AccountLockedError(AuthenticationError):
    """Too many failed logins: the account is locked for a while."""


class ExternalServiceError(PenguinError):
    """A server we depend on (PostgreSQL, Vault, SSH, DNS, Stripe ...) failed or is unreachable."""

    exit_code = 5


class Cancelled(PenguinError):
    """The user cancelled a running job; whatever it committed so far stays."""
