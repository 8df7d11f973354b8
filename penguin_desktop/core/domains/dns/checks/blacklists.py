"""The blocklist check: server IPs and the domain name against the configured DNSBLs."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence

from penguin_desktop.core.domains.dns import blacklists as bl
from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.records import DomainSpec
from penguin_desktop.core.domains.dns.resolver import DnsClient, ResolverConfig

_C = Category.BLACKLIST


async def check_blacklists(
    client: DnsClient, spec: DomainSpec, lists: Sequence[bl.Blacklist]
) -> list[Finding]:
    jobs = [
        bl.check(client, entry, subject)
        for entry in lists
        for subject in (spec.server_ips if entry.type is bl.ListType.IP else (spec.name,))
    ]
    results = await asyncio.gather(*jobs)
    found = [f for f in map(_finding, results) if f is not None]
    clean = sum(r.verdict is bl.Verdict.CLEAN for r in results)
    if clean and not any(f.code == "blacklist.listed" for f in found):
        found.append(Finding(OK, "blacklist.clean", _C, f"Not listed on {clean} blocklist checks."))
    return found


def _finding(r: bl.ListResult) -> Finding | None:
    """A listing is an error; a list that would not answer is only inconclusive."""
    if r.verdict is bl.Verdict.LISTED:
        return Finding(
            ERR,
            "blacklist.listed",
            _C,
            f"{r.subject} is on the {r.blacklist.name} blocklist ({r.detail}); many "
            "receivers reject or junk mail from listed servers and domains.",
            f"Find and stop the cause (a compromised mailbox, a bad list), then request "
            f"removal at {r.blacklist.info or r.blacklist.zone}.",
        )
    if r.verdict is bl.Verdict.UNKNOWN:
        return Finding(
            WARN,
            "blacklist.unknown",
            _C,
            f"Could not check {r.subject} against {r.blacklist.name}: {r.detail}.",
            "Use a DNS resolver of your own (PENGUIN_DNS_NAMESERVER) for blocklist "
            "checks, or check by hand at " + (r.blacklist.info or r.blacklist.zone) + ".",
            inconclusive=True,
        )
    return None


async def _listings(
    client: DnsClient, subjects: Sequence[str], lists: Sequence[bl.Blacklist]
) -> dict[str, list[bl.ListResult]]:
    jobs = [
        bl.check(client, entry, subject)
        for subject in subjects
        for entry in lists
        if entry.type is (bl.ListType.IP if _is_ip(subject) else bl.ListType.DOMAIN)
    ]
    found: dict[str, list[bl.ListResult]] = {s: [] for s in subjects}
    for result in await asyncio.gather(*jobs):
        found[result.subject].append(result)
    return found


def _is_ip(subject: str) -> bool:
    try:
        ipaddress.ip_address(subject)
    except ValueError:
        return False
    return True


def listings(
    subjects: Sequence[str], config: ResolverConfig, lists: Sequence[bl.Blacklist]
) -> dict[str, list[bl.ListResult]]:
    """Every subject (an address or a domain) against the lists of its type, on one client:
    what the monitor's blocklist checks ask, apart from the posture check."""

    async def run() -> dict[str, list[bl.ListResult]]:
        client = DnsClient(config)
        try:
            return await _listings(client, subjects, lists)
        finally:
            client.close()

    return asyncio.run(run())
