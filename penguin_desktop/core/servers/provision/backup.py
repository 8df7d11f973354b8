"""Encrypted MailU configuration archives: mailu.env, docker-compose.yml and the DKIM keys,
packed as tar and sealed with AES-256-GCM. The archive key lives in the secret store; an archive
on disk is useless without it, and any tampering fails the authentication tag."""

from __future__ import annotations

import io
import json
import os
import tarfile
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from penguin_desktop.core.platform.errors import ValidationError

MAGIC = b"PMBAK1\n"
NONCE = 12
MANIFEST = "manifest.json"


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def pack(files: Mapping[str, bytes], manifest: Mapping[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        entries = {MANIFEST: json.dumps(dict(manifest), indent=2).encode(), **files}
        for name, data in sorted(entries.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpack(data: bytes) -> tuple[dict[str, bytes], dict[str, str]]:
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile() or name.startswith("/") or ".." in name.split("/"):
                raise ValidationError(f"the archive holds an unsafe entry {name!r}")
            extracted = tar.extractfile(member)
            assert extracted is not None
            files[name] = extracted.read()
    manifest = json.loads(files.pop(MANIFEST, b"{}"))
    return files, manifest


def seal(key: bytes, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plain, MAGIC)


def open_sealed(key: bytes, sealed: bytes) -> bytes:
    if not sealed.startswith(MAGIC):
        raise ValidationError("not a PenguinMails server backup")
    body = sealed[len(MAGIC) :]
    try:
        return AESGCM(key).decrypt(body[:NONCE], body[NONCE:], MAGIC)
    except InvalidTag:
        raise ValidationError(
            "the backup cannot be decrypted: it was changed, or it belongs to another workspace"
        ) from None


def write_private(path: Path, data: bytes) -> None:
    """Create `path` readable by its owner only (an existing file is replaced)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
