"""Importing DKIM public keys from what people export: PEM, TXT records, zone lines, base64."""

from __future__ import annotations

import base64
import textwrap

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from penguin_desktop.core.domains.dns import dkim

PAIR = dkim.generate_key(2048)
B64 = PAIR.public_b64


def _pem() -> str:
    der = base64.b64decode(B64)
    key = serialization.load_der_public_key(der)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.mark.parametrize(
    "text",
    [
        B64,
        "\n".join(textwrap.wrap(B64, 64)),
        f"v=DKIM1; k=rsa; p={B64}",
        _pem(),
        f'mail._domainkey IN TXT ( "v=DKIM1; k=rsa; " "p={B64[:200]}" "{B64[200:]}" )',
    ],
)
def test_every_export_format_gives_the_same_key(text: str) -> None:
    assert dkim.import_public_key(text) == B64


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not a key at all!", "not valid base64"),
        ("v=DKIM1; k=rsa; p=", "revoked"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "not a public key"),
        (base64.b64encode(b"x" * 40).decode(), "not a valid public key"),
    ],
)
def test_garbage_is_refused_with_the_reason(text: str, why: str) -> None:
    with pytest.raises(dkim.DkimSyntaxError, match=why):
        dkim.import_public_key(text)


@settings(max_examples=60, deadline=None)
@given(
    chunk=st.integers(min_value=1, max_value=255),
    spacing=st.sampled_from([" ", "\n", "\t", "  \n  "]),
    owner=st.sampled_from(["", "s1._domainkey ", "s1._domainkey.example.com. 3600 IN TXT "]),
)
def test_zone_lines_in_any_chunking_import(chunk: int, spacing: str, owner: str) -> None:
    record = f"v=DKIM1; k=rsa; p={B64}"
    parts = [record[i : i + chunk] for i in range(0, len(record), chunk)]
    line = owner + "(" + spacing.join(f'"{p}"' for p in parts) + ")"
    assert dkim.import_public_key(line) == B64
