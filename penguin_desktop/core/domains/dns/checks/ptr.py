"""The reverse DNS check: every server IP has a name, the server's own, that points back to it."""

from __future__ import annotations

import asyncio
import ipaddress

from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.names import reverse_name, same_name
from penguin_desktop.core.domains.dns.records import DomainSpec
from penguin_desktop.core.domains.dns.resolver import DnsClient

_C = Category.PTR


async def check_ptr(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    found: list[Finding] = []
    for ip in spec.server_ips:
        found += await _check_ip(client, ip, spec.helo_host)
    if not spec.server_ips:
        found.append(
            Finding(
                WARN,
                "ptr.no-ips",
                _C,
                f"No server IP is recorded for {spec.name}, so SPF and reverse DNS of the "
                "sending servers cannot be checked.",
                "Record the sending servers' IP addresses on the domain.",
            )
        )
    if not found:
        found.append(
            Finding(OK, "ptr.ok", _C, "Reverse DNS of every server IP matches and resolves back.")
        )
    return found


async def _check_ip(client: DnsClient, ip: str, helo: str) -> list[Finding]:
    answer = await client.lookup(reverse_name(ip), "PTR")
    if answer.failed:
        return [could_not(_C, "ptr.lookup-failed", answer, f"reverse DNS of {ip}")]
    names = [v.rstrip(".").lower() for v in answer.values]
    ask = (
        f"Ask whoever provides the server (your VPS provider's control panel usually has "
        f'a "reverse DNS" field) to set the PTR of {ip} to {helo}.'
    )
    if not names:
        return [
            Finding(
                ERR,
                "ptr.missing",
                _C,
                f"Your server {ip} has no reverse DNS name ({answer.describe()}); many "
                "receivers reject mail from such servers outright.",
                ask,
            )
        ]
    found: list[Finding] = []
    if not any(same_name(n, helo) for n in names):
        found.append(
            Finding(
                WARN,
                "ptr.mismatch",
                _C,
                f"The reverse DNS of {ip} is {', '.join(names)}, not the server's name "
                f"{helo}; receivers see a mismatch with its greeting.",
                ask,
            )
        )
    found += await _forward_confirmed(client, ip, names)
    return found


async def _forward_confirmed(client: DnsClient, ip: str, names: list[str]) -> list[Finding]:
    """Receivers trust a reverse name only when it resolves back to the same address."""
    family = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
    forward = await asyncio.gather(*(client.lookup(n, family) for n in names))
    if any(ip in f.values for f in forward):
        return []
    if any(f.failed for f in forward):
        return [could_not(_C, "ptr.fcrdns-failed", forward[0], f"{names[0]}")]
    return [
        Finding(
            ERR,
            "ptr.fcrdns",
            _C,
            f"The reverse name of {ip} ({names[0]}) does not point back to {ip} "
            "(forward-confirmed reverse DNS fails); receivers treat that like no "
            "reverse DNS at all.",
            f"Publish an {family} record {names[0]} -> {ip}.",
        )
    ]
