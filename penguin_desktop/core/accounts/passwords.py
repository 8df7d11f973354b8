"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from penguin_desktop.core.platform.errors import ValidationError

MIN_LENGTH = 12
MAX_LENGTH = 1024

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


# What an unknown user's password is verified against, so that "no such user" costs exactly one
# verification like "wrong password" does. A constant, not made on first need: making it would
# add a second argon2 run to the first unknown-user login of every CLI process. It must carry the
# hasher's parameters (a test checks), or the two paths would differ again.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$t11TsOk51yMf9EIzylhVEw$"
    "dDfm02WYSVDiB4K5Xdf/5PmgozQBqw4zZMfY6ZwvLLQ"
)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def _is_common(password: str) -> bool:
    """Common as given, or a common word padded with digits/symbols, or one repeated."""
    lowered = password.lower()
    common = _common_passwords()
    if lowered in common:
        return True
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    if core and core in common:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        unit = lowered[:size]
        if len(lowered) % size == 0 and unit * (len(lowered) // size) == lowered:
            return True
    return False


def check_policy(password: str, email: str, *, own: bool = True) -> None:
    """Raise ValidationError explaining the first rule `password` breaks; `own` says whether
    the person typing it is the account's owner, so the words say whose address it holds."""
    whose = "your" if own else "the account's"
    if not password:
        raise ValidationError("a password is required", field="password")
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"password too short: use at least {MIN_LENGTH} characters", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            f"password too long: at most {MAX_LENGTH} characters", field="password"
        )
    if _is_common(password):
        raise ValidationError(
            "password is too common: choose one that is not on a common list", field="password"
        )
    lowered = password.lower()
    email = email.lower()
    local = email.split("@", 1)[0]
    if email in lowered:
        raise ValidationError(f"password must not contain {whose} email address", field="password")
    if len(local) >= 3 and local in lowered:
        raise ValidationError(
            f"password must not contain {local!r}, the name part of {whose} email address",
            field="password",
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-ish time: an unknown user still costs one argon2 verification."""
    try:
        return _hasher.verify(stored_hash or DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
