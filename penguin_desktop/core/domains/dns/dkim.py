"""DKIM keys: generate a key pair, build the TXT record, and read back a published one.

The record's `p=` is the whole public key; a receiver verifying with a different key (a rotated
key not yet published, a copy-paste cut) fails DKIM, and keys under 1024 bits are refused by
large receivers, so the size and an exact key match are what the checks look at.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

DEFAULT_BITS = 2048
_SELECTOR = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")


class DkimSyntaxError(ValueError):
    """The published DKIM record cannot be used by a receiver."""


@dataclass(frozen=True)
class DkimKeyPair:
    private_pem: str
    public_b64: str


@dataclass(frozen=True)
class DkimRecord:
    text: str
    tags: tuple[tuple[str, str], ...]
    key_type: str
    public_b64: str
    key_bits: int | None

    @property
    def revoked(self) -> bool:
        return self.public_b64 == ""


def valid_selector(selector: str) -> bool:
    return bool(_SELECTOR.match(selector))


def generate_key(bits: int = DEFAULT_BITS) -> DkimKeyPair:
    """A new RSA key pair: the PEM private key goes to the secret store, the base64 DER public
    key into DNS."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return DkimKeyPair(private, base64.b64encode(public).decode())


def record_text(public_b64: str, key_type: str = "rsa") -> str:
    return f"v=DKIM1; k={key_type}; p={public_b64}"


def key_bits(public_b64: str, key_type: str = "rsa") -> int:
    """Size of a base64 public key; DkimSyntaxError when it is not a key."""
    try:
        der = base64.b64decode(public_b64, validate=True)
    except (binascii.Error, ValueError):
        raise DkimSyntaxError("the key (p=) is not valid base64") from None
    if key_type == "ed25519":
        if len(der) != 32:
            raise DkimSyntaxError("an ed25519 key (p=) must be 32 bytes")
        ed25519.Ed25519PublicKey.from_public_bytes(der)
        return 256
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        raise DkimSyntaxError("the key (p=) is not a valid public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise DkimSyntaxError("k=rsa but the key (p=) is not an RSA key")
    return key.key_size


def normalize_key(public_b64: str) -> str:
    """The key without the spaces and quotes people paste along with it."""
    return re.sub(r"[\s\"]", "", public_b64)


def parse_dkim(text: str) -> DkimRecord:
    tags: list[tuple[str, str]] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        name, eq, value = part.partition("=")
        if not eq:
            raise DkimSyntaxError(f"{part.strip()!r} is not a tag=value pair")
        name = name.strip().lower()
        if any(k == name for k, _ in tags):
            raise DkimSyntaxError(f"the tag {name}= appears twice")
        tags.append((name, value.strip()))
    values = dict(tags)
    if "v" in values and (tags[0][0] != "v" or values["v"] != "DKIM1"):
        raise DkimSyntaxError("v= must come first and be DKIM1")
    if "p" not in values:
        raise DkimSyntaxError("the public key tag p= is missing")
    key_type = values.get("k", "rsa").lower()
    if key_type not in ("rsa", "ed25519"):
        raise DkimSyntaxError(f"unknown key type k={key_type}")
    public = normalize_key(values["p"])
    bits = key_bits(public, key_type) if public else None
    return DkimRecord(text, tuple(tags), key_type, public, bits)


def same_key(a: str, b: str) -> bool:
    """Whether two base64 keys are the same key (ignoring whitespace and line breaks)."""
    try:
        return base64.b64decode(normalize_key(a)) == base64.b64decode(normalize_key(b))
    except (binascii.Error, ValueError):
        return normalize_key(a) == normalize_key(b)


def import_public_key(text: str) -> str:
    """The base64 public key in what people export: a PEM public key (openssl, MailU), a DKIM
    TXT record as published or as a zone-file line (quoted chunks, parentheses), or bare
    base64. DkimSyntaxError says why when it is none of them."""
    stripped = text.strip()
    if "-----BEGIN" in stripped:
        try:
            loaded = serialization.load_pem_public_key(stripped.encode())
        except ValueError:
            raise DkimSyntaxError("the PEM block is not a public key") from None
        der = loaded.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()
    quoted = re.findall(r'"((?:[^"\\]|\\.)*)"', stripped)
    joined = "".join(quoted) if quoted else stripped
    if "p=" in joined:
        record = parse_dkim(joined[joined.find("v=DKIM1") :] if "v=DKIM1" in joined else joined)
        if record.revoked:
            raise DkimSyntaxError("the record has an empty p=: the key is revoked")
        return record.public_b64
    bare = normalize_key(joined)
    key_bits(bare)
    return bare
