"""SPF macro expansion (RFC 7208 section 7) and the validated name of an IP (section 5.5).

Records such as `exists:%{i}._spf.%{d}` only mean something for a given sender and address.
The console checks "may this server IP send for this domain", so it evaluates them for the
address being checked, a sender of postmaster@domain (RFC 7208 4.3) and the mail host as HELO.
pyspf implements the same, but with its own synchronous resolver; ours must go through the
configured nameserver, the shared lookup cache and the lookup budget of the checks.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote

from penguin_desktop.core.domains.dns.resolver import DnsClient

_MACRO = re.compile(
    r"%(?:\{(?P<letter>[a-zA-Z])(?P<digits>\d*)(?P<rev>[rR]?)(?P<delims>[.\-+,/_=]*)\}|(?P<escape>[%_-]))"
)
_NEEDS_ADDRESS = frozenset("ipv")
MAX_NAME = 253
MAX_VALIDATED = 10


@dataclass(frozen=True)
class MacroContext:
    """`ip` None: the tree is being expanded for counting, with no address in mind; macros
    that need one cannot be expanded then."""

    domain: str
    sender: str
    helo: str
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    validated_name: str = "unknown"

    def for_domain(self, domain: str) -> MacroContext:
        """An include or redirect changes <domain>, nothing else (RFC 7208 7.3)."""
        return MacroContext(domain, self.sender, self.helo, self.ip, self.validated_name)


def has_macro(text: str) -> bool:
    return "%" in text


def wants_validated_name(text: str) -> bool:
    return re.search(r"%\{[pP]", text) is not None


def _letter_value(letter: str, ctx: MacroContext) -> str | None:
    local, _, sender_domain = ctx.sender.rpartition("@")
    if letter == "s":
        return ctx.sender
    if letter == "l":
        return local or "postmaster"
    if letter == "o":
        return sender_domain
    if letter == "d":
        return ctx.domain
    if letter == "h":
        return ctx.helo
    if ctx.ip is None or letter not in _NEEDS_ADDRESS:
        return None  # c, r and t belong to exp= only; i, p, v need the address
    if letter == "v":
        return "in-addr" if ctx.ip.version == 4 else "ip6"
    if letter == "p":
        return ctx.validated_name
    if ctx.ip.version == 4:
        return str(ctx.ip)
    return ".".join(ctx.ip.exploded.replace(":", ""))


def expand(text: str, ctx: MacroContext) -> str | None:
    """The domain-spec with its macros expanded, or None when it cannot be for this context
    (a letter that needs the address while counting, or one only exp= may use)."""
    failed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal failed
        escape = match.group("escape")
        if escape:
            return {"%": "%", "_": " ", "-": "%20"}[escape]
        letter = match.group("letter")
        value = _letter_value(letter.lower(), ctx)
        if value is None:
            failed = True
            return ""
        delims = match.group("delims") or "."
        parts = re.split("[" + re.escape(delims) + "]", value)
        if match.group("rev"):
            parts.reverse()
        digits = match.group("digits")
        if digits:
            keep = int(digits)
            if keep == 0:
                failed = True
                return ""
            parts = parts[-keep:]
        result = ".".join(parts)
        return quote(result, safe="-._~") if letter.isupper() else result

    expanded = _MACRO.sub(replace, text)
    if failed or "%" in _MACRO.sub("", text):
        return None
    labels = expanded.rstrip(".").split(".")
    while len(".".join(labels)) > MAX_NAME and len(labels) > 1:
        labels.pop(0)  # RFC 7208 7.3: drop labels from the left until it fits
    return ".".join(labels)


def _reverse_name(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    return ip.reverse_pointer


async def validated_names(
    client: DnsClient, ip: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> tuple[list[str], bool]:
    """Names the PTR of `ip` gives that resolve back to it (at most 10 are tried), and
    whether the PTR lookup found nothing (a void lookup)."""
    ptr = await client.lookup(_reverse_name(ip), "PTR")
    family = "A" if ip.version == 4 else "AAAA"
    names: list[str] = []
    for raw in ptr.values[:MAX_VALIDATED]:
        name = raw.rstrip(".").lower()
        forward = await client.lookup(name, family)
        if any(_same_address(value, ip) for value in forward.values):
            names.append(name)
    return names, ptr.missing


def _same_address(value: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(value) == ip
    except ValueError:
        return False


def pick_validated(names: list[str], domain: str) -> str:
    """The %{p} value: a validated name equal to or under <domain> first, else any, else
    "unknown" (RFC 7208 7.3)."""
    domain = domain.lower()
    for name in names:
        if name == domain or name.endswith("." + domain):
            return name
    return names[0] if names else "unknown"
