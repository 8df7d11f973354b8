"""Signing checkpoints of the chain's head, and the append-only file that keeps them.

A checkpoint's signature covers its `signed_text` (models.py) exactly.

The file holds one checkpoint per line as JSON, each with the public key that signed it. Lines
are only ever appended (O_APPEND, one write per line, fsync'd), so several processes on one
machine can add to it at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import asdict, replace
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from penguin_desktop.core.audit.models import Checkpoint
from penguin_desktop.core.platform.errors import DatabaseError

CHECKPOINT_FILE = "audit-checkpoints.jsonl"


def signature_ok(checkpoint: Checkpoint) -> bool:
    """Whether the checkpoint's signature is its text signed by its public key's owner."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key))
        key.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_text.encode())
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def to_json(checkpoint: Checkpoint) -> str:
    return json.dumps(asdict(checkpoint), separators=(",", ":"))


def from_json(text: str) -> Checkpoint:
    """Raises ValueError for anything that is not a checkpoint."""
    try:
        checkpoint = Checkpoint(**json.loads(text))
    except (TypeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from None
    texts = (checkpoint.hash, checkpoint.ts, checkpoint.public_key, checkpoint.signature)
    if type(checkpoint.seq) is not int or not all(isinstance(v, str) for v in texts):
        raise ValueError("a field has the wrong type")
    return checkpoint


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class SigningKey:
    """The trail's private key, held in memory only while this process signs with it."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public_key = _b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @classmethod
    def new(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_secret(cls, text: str) -> SigningKey:
        """From the secret store's text (`secret_text`); ValueError when it is not a key."""
        try:
            return cls(Ed25519PrivateKey.from_private_bytes(base64.b64decode(text)))
        except binascii.Error as exc:
            raise ValueError(str(exc)) from None

    def secret_text(self) -> str:
        """The private key as the secret store keeps it (base64 of the raw 32-byte seed)."""
        return _b64(self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    def sign(self, seq: int, head_hash: str, ts: str) -> Checkpoint:
        unsigned = Checkpoint(seq, head_hash, ts, self.public_key, "")
        signature = self._private.sign(unsigned.signed_text.encode())
        return replace(unsigned, signature=_b64(signature))


class CheckpointFile:
    """The checkpoints this machine wrote for one database, beside it in the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, checkpoint: Checkpoint) -> None:
        """Add one line and make it durable before returning (the file, and the folder entry
        when the file is new)."""
        created = not self.path.exists()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (to_json(checkpoint) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if created and hasattr(os, "O_DIRECTORY"):
            folder = os.open(self.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def newest(self) -> Checkpoint | None:
        """The checkpoint of the highest entry in the file; None when there is no file.

        A line that is not a checkpoint means the file was edited: refused as damaged, since
        the file is a witness verification trusts."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise DatabaseError(
                f"cannot read the audit checkpoint file {self.path}: {exc}"
            ) from None
        newest: Checkpoint | None = None
        for number, line in enumerate(text.splitlines(), 1):
            try:
                checkpoint = from_json(line)
            except ValueError:
                raise DatabaseError(
                    f"the audit trail is damaged: line {number} of the checkpoint file "
                    f"{self.path} is not a checkpoint (the file was edited)"
                ) from None
            if newest is None or checkpoint.seq > newest.seq:
                newest = checkpoint
        return newest
