"""SSH keys: ed25519 generation with `cryptography`, loading private keys for paramiko, and the
SHA256 fingerprints OpenSSH shows."""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from penguin_desktop.core.platform.errors import ValidationError

_KEY_CLASSES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)


@dataclass(frozen=True)
class KeyPair:
    private_openssh: str  # goes to the secret store only
    public_openssh: str  # "ssh-ed25519 AAAA... comment", safe to show and store

    def __repr__(self) -> str:
        return f"KeyPair(public_openssh={self.public_openssh!r})"


def generate_ed25519(comment: str = "penguinmails") -> KeyPair:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return KeyPair(private, f"{public} {comment}".strip())


def load_private_key(text: str) -> paramiko.PKey:
    """A paramiko key from an unencrypted OpenSSH/PEM private key (ed25519, ECDSA or RSA)."""
    for cls in _KEY_CLASSES:
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError, TypeError):
            continue
    raise ValidationError(
        "not a usable SSH private key (ed25519, ECDSA or RSA, without a passphrase)"
    )


def public_line(key: paramiko.PKey, comment: str = "penguinmails") -> str:
    return f"{key.get_name()} {key.get_base64()} {comment}".strip()


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's `SHA256:...` form (base64 without padding) of a public key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")
