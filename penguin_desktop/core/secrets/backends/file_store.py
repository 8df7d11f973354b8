"""The encrypted secrets file, for machines with neither an OS keyring nor a Vault.

One file: a small JSON header (format, KDF name, its parameters and salt) and an AES-256-GCM
ciphertext of every secret, keyed by argon2id over the master password. The header is the
GCM associated data, so editing the parameters breaks decryption instead of weakening it.
Writes take an exclusive lock, re-read the file, apply the change and replace the file
atomically (temp + fsync + rename), so concurrent writers never lose each other's changes
and a crash leaves the last committed state readable.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets as pysecrets
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from penguin_desktop.core.platform.errors import (
    AuthenticationError,
    DatabaseError,
    NotFoundError,
    ValidationError,
)
from penguin_desktop.core.secrets.backends.base import BackendKind

FORMAT = "penguin-secrets/1"
MIN_MASTER_LENGTH = 12


@dataclass(frozen=True)
class KdfParams:
    time_cost: int = 3
    memory_kib: int = 65_536
    parallelism: int = 2

    def derive(self, password: str, salt: bytes) -> bytes:
        return hash_secret_raw(
            password.encode(),
            salt,
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=32,
            type=Type.ID,
        )


# The most any header may ask for: an unlock still ends in seconds, in at most 1 GiB.
MAX_KDF = KdfParams(time_cost=16, memory_kib=1_048_576, parallelism=16)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class EncryptedFileStore:
    """Unlocked once per session with the master password; values then read from memory."""

    kind = BackendKind.FILE

    def __init__(self, path: Path, master_password: str, kdf: KdfParams | None = None) -> None:
        self.path = path
        self._password = master_password
        self._kdf = kdf or KdfParams()
        self._key: bytes | None = None
        self._header: bytes | None = None
        self._values: dict[str, str] = {}
        self._mtime_ns = -1
        self._lock = threading.Lock()
        self._unlock()

    @property
    def master_password(self) -> str:
        """What unlocked this file, for handing the unlock on to a process of the same session
        that cannot ask the person (SecretService.hand_over_file)."""
        return self._password

    @property
    def _lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    @classmethod
    def create(cls, path: Path, master_password: str, kdf: KdfParams | None = None) -> None:
        """Write a new, empty secrets file; refuses to overwrite an existing one."""
        if len(master_password) < MIN_MASTER_LENGTH:
            raise ValidationError(
                f"the master password needs at least {MIN_MASTER_LENGTH} characters"
            )
        if path.exists():
            raise ValidationError(f"{path} already exists")
        params = kdf or KdfParams()
        salt = pysecrets.token_bytes(16)
        header = json.dumps(
            {
                "format": FORMAT,
                "kdf": "argon2id",
                "time_cost": params.time_cost,
                "memory_kib": params.memory_kib,
                "parallelism": params.parallelism,
                "salt": _b64(salt),
            },
            sort_keys=True,
        ).encode()
        key = params.derive(master_password, salt)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_atomic(path, _seal(key, header, {}))

    def _unlock(self) -> None:
        header, key, values = self._read_verified(self._password)
        self._header, self._key, self._values = header, key, values
        self._password = ""

    def _read_verified(self, password: str | None) -> tuple[bytes, bytes, dict[str, str]]:
        try:
            raw = self.path.read_bytes()
            stat = self.path.stat()
        except FileNotFoundError:
            raise NotFoundError(
                f"no secrets file at {self.path}: set the file backend up first"
            ) from None
        header, nonce, ciphertext = _split(raw, self.path)
        if password is not None:
            params, salt = _kdf_from_header(header, self.path, self._kdf)
            key = params.derive(password, salt)
        else:
            assert self._key is not None
            key = self._key
        try:
            plain = AESGCM(key).decrypt(nonce, ciphertext, header)
        except InvalidTag:
            if password is not None:
                raise AuthenticationError(
                    "wrong master password for the secrets file (or the file was altered)"
                ) from None
            raise DatabaseError(
                f"the secrets file {self.path} was altered or damaged; restore it from a backup"
            ) from None
        self._mtime_ns = stat.st_mtime_ns
        return header, key, json.loads(plain)

    def _refresh(self) -> None:
        """Pick up changes another process committed since we last read."""
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self._mtime_ns:
            self._header, self._key, self._values = self._read_verified(None)

    def get(self, locator: str) -> str:
        with self._lock:
            self._refresh()
            try:
                return self._values[locator]
            except KeyError:
                raise NotFoundError(f"secret {locator} is not in the secrets file") from None

    def put(self, locator: str, value: str, cas: int | None = None) -> None:
        self._change(lambda values: values.__setitem__(locator, value))

    def delete(self, locator: str) -> None:
        self._change(lambda values: values.pop(locator, None))

    def delete_many(self, locators: list[str]) -> None:
        def drop(values: dict[str, str]) -> None:
            for locator in locators:
                values.pop(locator, None)

        self._change(drop)

    def put_many(self, items: dict[str, str]) -> None:
        self._change(lambda values: values.update(items))

    def locators(self) -> list[str]:
        with self._lock:
            self._refresh()
            return sorted(self._values)

    def status(self) -> str:
        return f"encrypted file {self.path} ({len(self.locators())} secrets, unlocked)"

    def _change(self, edit: Callable[[dict[str, str]], object]) -> None:
        with self._lock, _exclusive(self._lock_path):
            header, key, values = self._read_verified(None)
            edit(values)
            _write_atomic(self.path, _seal(key, header, values))
            self._header, self._values = header, values
            self._mtime_ns = self.path.stat().st_mtime_ns


def _seal(key: bytes, header: bytes, values: dict[str, str]) -> bytes:
    nonce = pysecrets.token_bytes(12)
    ciphertext = AESGCM(key).encrypt(nonce, json.dumps(values).encode(), header)
    return header + b"\n" + _b64(nonce).encode() + b"\n" + _b64(ciphertext).encode() + b"\n"


def _split(raw: bytes, path: Path) -> tuple[bytes, bytes, bytes]:
    parts = raw.split(b"\n")
    try:
        header, nonce_b64, ct_b64 = parts[0], parts[1], parts[2]
        meta = json.loads(header)
        if meta.get("format") != FORMAT:
            raise ValueError("format")
        return (
            header,
            base64.b64decode(nonce_b64, validate=True),
            base64.b64decode(ct_b64, validate=True),
        )
    except (IndexError, ValueError):
        raise DatabaseError(
            f"{path} is not a readable PenguinMails secrets file (truncated or damaged)"
        ) from None


def _kdf_from_header(header: bytes, path: Path, floor: KdfParams) -> tuple[KdfParams, bytes]:
    """The header's key-derivation parameters, trusted only within bounds: the header is
    authenticated by the decryption it drives, so an edited one must be refused before it
    can hang the unlock (time), exhaust memory, or weaken the key below what we write."""
    meta = json.loads(header)
    try:
        params = KdfParams(
            int(meta["time_cost"]), int(meta["memory_kib"]), int(meta["parallelism"])
        )
        salt = base64.b64decode(meta["salt"], validate=True)
    except (KeyError, ValueError, TypeError, OverflowError):
        raise DatabaseError(f"{path} has a damaged header") from None
    bounds = (
        (params.time_cost, floor.time_cost, MAX_KDF.time_cost),
        (params.memory_kib, floor.memory_kib, MAX_KDF.memory_kib),
        (params.parallelism, floor.parallelism, MAX_KDF.parallelism),
    )
    if any(not low <= value <= high for value, low, high in bounds) or len(salt) < 16:
        raise DatabaseError(
            f"the secrets file {path} was altered: its key-derivation parameters are outside "
            "what this program writes; restore it from a backup"
        )
    return params, salt


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
