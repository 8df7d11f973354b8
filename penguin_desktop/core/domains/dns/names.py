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
    """ASCII (punycode), lower-case, without the trailing dot; ValidationError if not a name."""
    text = raw.strip().rstrip(".")
    if not text:
        raise ValidationError("a domain name cannot be empty")
    if any(c.isspace() for c in text) or "@" in text or "/" in text:
        raise ValidationError(f"{raw!r} is not a domain name")
    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii").lower()
    except idna.IDNAError:
        # Underscore labels (_dmarc, selector._domainkey) are valid DNS but not IDNA.
        if not all(label.isascii() for label in text.split(".")):
            raise ValidationError(f"{raw!r} is not a valid internationalized domain name") from None
        ascii_name = text.lower()
    labels = ascii_name.split(".")
    if len(ascii_name) > MAX_NAME or any(not 0 < len(label) <= 63 for label in labels):
        raise ValidationError(f"{raw!r} is not a domain name (empty or over-long label)")
    return ascii_name


def is_domain(raw: str) -> bool:
    try:
        normalize_domain(raw)
    except ValidationError:
        return False
    return True


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
        raise ValidationError(f"{raw!r} is not an IP address") from None


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
