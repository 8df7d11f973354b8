"""The MX check: the domain receives mail, at resolvable hosts, that are our mail servers."""

from __future__ import annotations

import asyncio
import ipaddress

from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.names import same_name
from penguin_desktop.core.domains.dns.records import DomainSpec
from penguin_desktop.core.domains.dns.resolver import DnsClient

_C = Category.MX


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


async def check_mx(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    answer = await client.lookup(spec.name, "MX")
    fix_all = "Publish MX records: " + "; ".join(
        f"{spec.name} MX {10 * (i + 1)} {h}." for i, h in enumerate(spec.hosts)
    )
    if answer.failed:
        return [could_not(_C, "mx.lookup-failed", answer, "MX")]
    if not answer.mx:
        return [
            Finding(
                ERR,
                "mx.missing",
                _C,
                f"{spec.name} has no MX record ({answer.describe()}), so replies and bounces "
                "cannot reach it, and receivers distrust domains that cannot receive mail.",
                fix_all,
            )
        ]
    if any(host in ("", ".") for _, host in answer.mx):
        return [
            Finding(
                ERR,
                "mx.null",
                _C,
                f"{spec.name} publishes a 'null MX' (it declares it accepts no mail at all).",
                "Delete the null MX and " + fix_all[0].lower() + fix_all[1:],
            )
        ]
    hosts = [h for _, h in answer.mx]
    found: list[Finding] = []
    for host in hosts:
        found += await _check_host(client, spec, host, fix_all)
    found += _expected_hosts(spec, hosts, fix_all)
    if not found:
        found.append(Finding(OK, "mx.ok", _C, f"MX points at {', '.join(hosts)}, which resolves."))
    return found


async def _check_host(
    client: DnsClient, spec: DomainSpec, host: str, fix_all: str
) -> list[Finding]:
    """Senders must be able to reach the host: a name, not an alias, that has an address."""
    if _is_ip(host):
        return [
            Finding(
                ERR,
                "mx.ip-literal",
                _C,
                f"The MX record of {spec.name} names an IP address ({host}); MX must name "
                "a host, so many servers cannot deliver to it.",
                fix_all,
            )
        ]
    found: list[Finding] = []
    a, aaaa = await asyncio.gather(client.lookup(host, "A"), client.lookup(host, "AAAA"))
    if a.cname_chain or aaaa.cname_chain:
        alias = (a.cname_chain or aaaa.cname_chain)[-1]
        found.append(
            Finding(
                ERR,
                "mx.cname",
                _C,
                f"The mail host {host} is an alias (CNAME to {alias}); "
                "MX targets must not be aliases (RFC 2181) and some senders refuse them.",
                f"Point the MX at the real host name instead, or give {host} its own A record.",
            )
        )
    if a.failed and aaaa.failed:
        found.append(could_not(_C, "mx.host-lookup-failed", a, f"the mail host {host}"))
    elif not a.values and not aaaa.values:
        found.append(
            Finding(
                ERR,
                "mx.host-unresolved",
                _C,
                f"The mail host {host} has no address ({a.describe()}); mail to "
                f"{spec.name} cannot be delivered there.",
                f"Publish an A record for {host} with your server's address.",
            )
        )
    return found


def _expected_hosts(spec: DomainSpec, hosts: list[str], fix_all: str) -> list[Finding]:
    """The published hosts against our mail servers: replies must reach us, and only us."""
    missing = [h for h in spec.hosts if not any(same_name(h, x) for x in hosts)]
    foreign = [h for h in hosts if not any(same_name(h, x) for x in spec.hosts)]
    if missing:
        return [
            Finding(
                ERR,
                "mx.expected-missing",
                _C,
                f"{spec.name}'s MX points at {', '.join(hosts)}, not at your mail server "
                f"{', '.join(missing)}, so replies go elsewhere.",
                fix_all + (f" and remove MX {', '.join(foreign)}." if foreign else "."),
            )
        ]
    if foreign:
        return [
            Finding(
                WARN,
                "mx.unexpected-host",
                _C,
                f"{spec.name}'s MX also lists {', '.join(foreign)}, which is not one of your "
                "mail servers.",
                "Remove those MX records if that server no longer handles the domain's mail.",
            )
        ]
    return []
