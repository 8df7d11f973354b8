"""The backup container: a passphrase-sealed stream of chunks, nothing home-made but the framing.

Layout: `PMBK1`, a 4-byte big-endian header length, the header (JSON: format version, argon2id
salt and cost, a random base nonce, the chunk size, and a key check), then the payload in
chunks of `chunk_size` plaintext bytes, each sealed with AES-256-GCM (16-byte tag). Chunk i's
nonce is the base nonce XOR i; its associated data is the header, i and a final-chunk flag. So
an edited header, a reordered, dropped or appended chunk and a file cut at any byte all fail a
tag, and the reader knows the last chunk by reaching the end of the file. The key check (an
empty message sealed under the key) tells a wrong passphrase from damage to the chunks.

The argon2id cost travels in the header, so tests may seal with a cheap one and files made
with today's cost open after tomorrow's default changes.
"""

from __future__ import annotations

import base64
import json
import secrets as pysecrets
import struct
from dataclasses import asdict
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from penguin_desktop.core.platform.errors import AuthenticationError, ValidationError
from penguin_desktop.core.secrets import MAX_KDF, KdfParams

MAGIC = b"PMBK1"
FORMAT_VERSION = 1
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
NONCE_SIZE = 12
_MAX_HEADER = 4096
_CHECK_NONCE = b"\x00" * NONCE_SIZE  # the key check is the only message sealed with it


# What new backups are sealed with: the secrets file's argon2id cost (and its ceiling, MAX_KDF,
# for what a header may ask); tests lower it the way tests/conftest.py does the secrets file's.
DEFAULT_KDF = KdfParams()


class BackupDamaged(ValidationError):
    """The file is not a backup, or was altered or cut short after it was written."""


def _damaged(path: str, what: str) -> BackupDamaged:
    return BackupDamaged(
        f"{path} is not an intact backup: {what}; nothing was restored from it", field="file"
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _nonce(base: bytes, index: int) -> bytes:
    return (int.from_bytes(base, "big") ^ index).to_bytes(NONCE_SIZE, "big")


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if final else 0)


class SealedWriter:
    """A write-only stream that seals what it is given into `out`; `close` seals the last
    chunk (always one, even empty, so a file cut after its header is told from an empty one)."""

    def __init__(self, out: BinaryIO, passphrase: str, kdf: KdfParams | None = None) -> None:
        params = kdf or DEFAULT_KDF
        salt, self._base = pysecrets.token_bytes(16), pysecrets.token_bytes(NONCE_SIZE)
        key = params.derive(passphrase, salt)
        self._aead = AESGCM(key)
        fields = {
            "format": FORMAT_VERSION,
            "kdf": "argon2id",
            **asdict(params),
            "salt": _b64(salt),
            "nonce": _b64(self._base),
            "chunk_size": CHUNK_SIZE,
            "check": _b64(self._aead.encrypt(_CHECK_NONCE, b"", MAGIC)),
        }
        self._header = json.dumps(fields, sort_keys=True).encode()
        out.write(MAGIC + struct.pack(">I", len(self._header)) + self._header)
        self._out = out
        self._buffer = bytearray()
        self._index = 0
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: only `close` knows which chunk is the last.
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), final=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def _seal(self, plain: bytes, *, final: bool) -> None:
        index = self._index
        aad = _aad(self._header, index, final)
        self._out.write(self._aead.encrypt(_nonce(self._base, index), plain, aad))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), final=True)
            self._buffer.clear()
            self.closed = True


def _read_header(raw: BinaryIO, name: str) -> tuple[bytes, dict[str, object]]:
    start = raw.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or not start.startswith(MAGIC):
        raise _damaged(name, "it does not start like a PenguinMails backup")
    (length,) = struct.unpack(">I", start[len(MAGIC) :])
    header = raw.read(length) if length <= _MAX_HEADER else b""
    if not header or len(header) != length:
        raise _damaged(name, "its header is cut short or altered")
    try:
        fields = json.loads(header)
        assert isinstance(fields, dict)
    except (ValueError, AssertionError):
        raise _damaged(name, "its header was altered") from None
    return header, fields


def _key(fields: dict[str, object], passphrase: str, name: str) -> AESGCM:
    """The key the header's parameters derive from `passphrase`, checked against the header's
    key check; refuses parameters past MAX_KDF before paying for them."""
    try:
        if fields["format"] != FORMAT_VERSION or fields["kdf"] != "argon2id":
            raise _damaged(name, f"its format {fields['format']!r} is not one this program reads")
        params = KdfParams(
            int(str(fields["time_cost"])),
            int(str(fields["memory_kib"])),
            int(str(fields["parallelism"])),
        )
        salt = base64.b64decode(str(fields["salt"]), validate=True)
        check = base64.b64decode(str(fields["check"]), validate=True)
    except (KeyError, ValueError):
        raise _damaged(name, "its header was altered") from None
    limits = zip(asdict(params).values(), asdict(MAX_KDF).values(), strict=True)
    if any(not 1 <= value <= most for value, most in limits) or params.memory_kib < 8:
        raise _damaged(name, "its header asks for an unreasonable key-stretching cost")
    aead = AESGCM(params.derive(passphrase, salt))
    try:
        aead.decrypt(_CHECK_NONCE, check, MAGIC)
    except InvalidTag:
        raise AuthenticationError(
            f"wrong passphrase for the backup {name} (or its header was altered)",
            field="passphrase",
        ) from None
    return aead


class SealedReader:
    """A read-only stream of a backup's payload, each chunk opened and authenticated before
    any of its bytes are handed out."""

    def __init__(self, raw: BinaryIO, passphrase: str, name: str) -> None:
        self._raw, self._name = raw, name
        self._header, fields = _read_header(raw, name)
        self._aead = _key(fields, passphrase, name)
        try:
            self._base = base64.b64decode(str(fields["nonce"]), validate=True)
            self._chunk = int(str(fields["chunk_size"])) + TAG_SIZE
        except (KeyError, ValueError):
            raise _damaged(name, "its header was altered") from None
        if len(self._base) != NONCE_SIZE or not TAG_SIZE < self._chunk <= 64 * CHUNK_SIZE:
            raise _damaged(name, "its header was altered")
        self._pending = raw.read(self._chunk)
        self._plain = b""
        self._offset = 0
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        sealed = self._pending
        self._pending = self._raw.read(self._chunk)
        final = not self._pending
        aad = _aad(self._header, self._index, final)
        try:
            self._plain = self._aead.decrypt(_nonce(self._base, self._index), sealed, aad)
        except InvalidTag:
            where = "cut short" if final else "altered"
            raise _damaged(self._name, f"it was {where} (chunk {self._index + 1})") from None
        self._offset = 0
        self._index += 1
        self._done = final

    def read(self, size: int = -1) -> bytes:
        parts: list[bytes] = []
        wanted = size if size >= 0 else 1 << 62
        while wanted > 0:
            if self._offset >= len(self._plain):
                if self._done:
                    break
                self._next_chunk()
                continue
            piece = self._plain[self._offset : self._offset + wanted]
            self._offset += len(piece)
            wanted -= len(piece)
            parts.append(piece)
        return b"".join(parts)

    def finish(self) -> None:
        """Read to the end, so a payload whose tar ended early is still checked whole."""
        while self.read(CHUNK_SIZE):
            pass
