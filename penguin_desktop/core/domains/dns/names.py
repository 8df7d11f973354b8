"""Domain names as users type them versus as DNS stores them.

Users type `Bücher.example.` or `EXAMPLE.com`; DNS compares ASCII labels case-insensitively.
One normalization (IDNA 2008 via `idna`, lower case, no trailing dot) keeps comparisons, storage
and lookups consistent everywhere.
"""

from __future__ import annotations

import ipaddress

import dns.name
import dns.reversename
import idna

from penguin_desktop.core.platform.errors import ValidationError

MAX_NAME = 253


def normalize_domain(raw: str) -> str:
    """A host or mail domain name as DNS stores it: ASCII (punycode), lower-case, without the
    trailing dot. Host names per RFC 1123 (letters, digits and inner hyphens in each label, at
    least two labels, a top-level label that is not a number) with internationalized labels
    per IDNA 2008; an address, a wildcard or a control character is refused in words."""
    text = raw.strip().rstrip(".")
    if not text:
        raise ValidationError("a domain name is required", field="domain")
    shown = repr(text)
    if not text.isprintable() or any(c.isspace() for c in text):
        raise ValidationError(
            f"{shown} is not a domain name: it holds a space or a control character", field="domain"
        )
    if _is_address(text):
        raise ValidationError(f"{shown} is an IP address, not a domain name", field="domain")
    try:
        ascii_name = idna.encode(text, uts46=True, std3_rules=True).decode("ascii").lower()
    except idna.IDNAError as exc:
        raise ValidationError(
            f"{shown} is not a domain name: {_idna_reason(exc)}", field="domain"
        ) from None
    labels = ascii_name.split(".")
    if len(labels) < 2:
        raise ValidationError(
            f"{shown} is not a domain name: it needs at least two labels (example.com)",
            field="domain",
        )
    if len(ascii_name) > MAX_NAME or any(not 0 < len(label) <= 63 for label in labels):
        raise ValidationError(
            f"{shown} is not a domain name (empty or over-long label)", field="domain"
        )
    if labels[-1].isdigit():
        raise ValidationError(
            f"{shown} is not a domain name: its last label is a number", field="domain"
        )
    return ascii_name


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def _idna_reason(exc: idna.IDNAError) -> str:
    """idna's reasons in plain words for the cases people type."""
    text = str(exc)
    if "hyphen" in text.lower():
        return "a label may not start or end with a hyphen"
    if "Empty" in text or "empty" in text:
        return "it has an empty label"
    if "too long" in text.lower():
        return "a label is longer than 63 characters"
    return "only letters, digits and inner hyphens may make up each label"


def display_domain(ascii_name: str) -> str:
    """The Unicode form to show people (`xn--bcher-kva.example` -> `bücher.example`)."""
    try:
        return idna.decode(ascii_name)
    except idna.IDNAError:
        return ascii_name


def fqdn(name: str) -> str:
    """With the trailing dot, as zone files and dnspython want absolute names."""
    return name if name.endswith(".") else name + "."


def same_name(a: str, b: str) -> bool:
    return a.rstrip(".").lower() == b.rstrip(".").lower()


def parse_ip(raw: str) -> str:
    """A normalized IPv4/IPv6 address string; ValidationError if it is not one."""
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        raise ValidationError(f"{raw!r} is not an IP address", field="ip") from None


def parse_sending_ip(raw: str, *, lab: bool = False) -> str:
    """An address mail can leave from: a public one, which receivers can reach and check. A lab
    set-up (`lab`) may use private, documentation and loopback addresses, never one that means
    "this host" or "everyone" (unspecified, broadcast, multicast)."""
    address = ipaddress.ip_address(parse_ip(raw))
    meaningless = (
        address.is_unspecified
        or address.is_multicast
        or address == ipaddress.IPv4Address("255.255.255.255")
    )
    if meaningless:
        raise ValidationError(
            f"{address} cannot be a sending server's address (unspecified, broadcast or multicast)",
            field="ip",
        )
    if not lab and not address.is_global:
        raise ValidationError(
            f"{address} is not a public address (private, loopback, documentation or reserved "
            "range), so no receiver could reach or check it; a lab set-up may allow it",
            field="ip",
        )
    return str(address)


def reverse_name(ip: str) -> str:
    """The PTR owner name of an address, without the trailing dot."""
    return dns.reversename.from_address(ip).to_text(omit_final_dot=True)


def parent_names(name: str, stop_at_labels: int = 2) -> list[str]:
    """Parents of `name`, nearest first, keeping at least `stop_at_labels` labels."""
    labels = name.split(".")
    return [".".join(labels[i:]) for i in range(1, len(labels) - stop_at_labels + 1)]


def relative_to(name: str, zone: str) -> str:
    """`name` relative to `zone` for zone files (`@` for the apex)."""
    rel = dns.name.from_text(name).relativize(dns.name.from_text(zone))
    return rel.to_text()
