"""The DKIM check: each configured selector publishes our key, once, strong enough."""

from __future__ import annotations

from penguin_desktop.core.domains.dns import dkim as dk
from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not, txt_fix
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.records import DkimSelector, DomainSpec
from penguin_desktop.core.domains.dns.resolver import DnsClient

_C = Category.DKIM


async def check_dkim(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    if not spec.dkim:
        return [
            Finding(
                WARN,
                "dkim.no-selector",
                _C,
                f"No DKIM selector is configured for {spec.name}, so its mail cannot be signed "
                "and DMARC can only rely on SPF.",
                "Add a DKIM selector to the domain (a 2048-bit key is generated), then "
                "publish the record it shows.",
            )
        ]
    found: list[Finding] = []
    for sel in spec.dkim:
        found += await _check_selector(client, spec, sel)
    if not found:
        found.append(
            Finding(OK, "dkim.ok", _C, f"DKIM keys are published and match ({len(spec.dkim)}).")
        )
    return found


async def _check_selector(client: DnsClient, spec: DomainSpec, sel: DkimSelector) -> list[Finding]:
    name = f"{sel.selector}._domainkey.{spec.name}"
    wanted = dk.record_text(sel.public_key)
    answer = await client.txt(name)
    if answer.failed:
        return [could_not(_C, "dkim.lookup-failed", answer, f"DKIM key {sel.selector}")]
    texts = [t for t in answer.values if "p=" in t or t.lower().startswith("v=dkim1")]
    if not texts:
        return [
            Finding(
                ERR,
                "dkim.missing",
                _C,
                f"The DKIM key for selector '{sel.selector}' is not published "
                f"({answer.describe()}); receivers cannot verify your signatures.",
                txt_fix(name, wanted),
            )
        ]
    record = _published(sel, name, texts, wanted)
    if isinstance(record, Finding):
        return [record]
    found = _key_strength(sel, record)
    if not dk.same_key(record.public_b64, sel.public_key):
        found.append(
            Finding(
                ERR,
                "dkim.key-mismatch",
                _C,
                f"The DKIM key published for '{sel.selector}' is not the key your server "
                "signs with, so every signature fails.",
                f'Replace it with "{wanted}".',
            )
        )
    return found


def _published(
    sel: DkimSelector, name: str, texts: list[str], wanted: str
) -> dk.DkimRecord | Finding:
    """The one usable key record, or why signatures under this selector cannot verify."""
    if len(texts) > 1:
        return Finding(
            ERR,
            "dkim.multiple",
            _C,
            f"{name} holds {len(texts)} DKIM records; receivers may pick the wrong one.",
            f'Keep only "{wanted}".',
        )
    try:
        record = dk.parse_dkim(texts[0])
    except dk.DkimSyntaxError as exc:
        return Finding(
            ERR,
            "dkim.syntax",
            _C,
            f"The DKIM record for '{sel.selector}' is broken ({exc}); signatures fail.",
            f'Replace it with "{wanted}".',
        )
    if record.revoked:
        return Finding(
            ERR,
            "dkim.revoked",
            _C,
            f"The DKIM key for '{sel.selector}' is revoked (empty p=).",
            f'Publish the current key: "{wanted}".',
        )
    return record


def _key_strength(sel: DkimSelector, record: dk.DkimRecord) -> list[Finding]:
    """Receivers ignore RSA keys under 1024 bits and some score those under 2048 lower."""
    bits = record.key_bits or 0
    if record.key_type == "rsa" and bits < 1024:
        return [
            Finding(
                ERR,
                "dkim.weak-key",
                _C,
                f"The DKIM key for '{sel.selector}' is only {bits} bits; receivers treat "
                "keys under 1024 bits as no signature at all.",
                "Generate a 2048-bit key under a new selector and publish it.",
            )
        ]
    if record.key_type == "rsa" and bits < 2048:
        return [
            Finding(
                WARN,
                "dkim.short-key",
                _C,
                f"The DKIM key for '{sel.selector}' is {bits} bits; 2048 is the recommended "
                "size and some receivers score shorter keys lower.",
                "Move to a 2048-bit key under a new selector.",
            )
        ]
    return []
