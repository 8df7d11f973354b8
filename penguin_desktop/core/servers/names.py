"""The names a server is known by: its own name, its host and mail domain names, its MailU
directory, and where the secret store keeps each of its credentials."""

from __future__ import annotations

import re

from penguin_desktop.core.platform.errors import ValidationError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
# Stricter than core.domains.normalize_domain on purpose: a mail host name needs at least two
# labels, a letters-only top-level label and no underscores, and Unicode is refused rather than
# turned into punycode, because it ends up in MailU's configuration and the SMTP greeting.
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_POSTMASTER_SECRET = re.compile(r"server/([^/]+)/(postmaster@[^/]+)")

ARCHIVE_KEY_SECRET = "backup/archive-key"


def clean_server_name(raw: str) -> str:
    name = raw.strip()
    if not _NAME.match(name):
        raise ValidationError(
            f"bad server name {raw!r}: 1-63 letters, digits and . _ - "
            "(start with a letter or digit)"
        )
    return name


def is_host_name(name: str) -> bool:
    """Whether a lower-case name may be a server's host name or mail domain."""
    return _HOST_NAME.match(name) is not None


def absolute_dir(folder: str) -> str:
    """The MailU directory without its trailing slashes; it is put into shell commands, so it
    must be absolute and on one line."""
    if not folder.startswith("/") or any(ch in folder for ch in "\n\0"):
        raise ValidationError(f"the MailU directory must be an absolute path, not {folder!r}")
    return folder.rstrip("/") or "/"


def ssh_key_secret_name(server: str) -> str:
    return f"server/{server}/ssh-key"


def mailu_token_secret_name(server: str) -> str:
    return f"server/{server}/mailu-token"


def mailu_secret_key_name(server: str) -> str:
    return f"server/{server}/mailu-secret-key"


def postmaster_secret_name(server: str, domain: str) -> str:
    return f"server/{server}/postmaster@{domain}"


def postmaster_of(secret: str) -> tuple[str, str]:
    """(server, postmaster address) of a secret named by `postmaster_secret_name`."""
    found = _POSTMASTER_SECRET.fullmatch(secret)
    if found is None:
        raise ValidationError(f"{secret!r} is not a postmaster password of a server")
    server, email = found.groups()
    return server, email
