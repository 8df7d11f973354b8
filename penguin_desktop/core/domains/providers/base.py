"""DNS providers: where fixes are written. Each reads what it publishes (for the diff) and
applies record changes, reporting progress and stopping between changes when cancelled.

Credentials are handed in as values by the service, which fetched them from the secret store;
no provider ever sees the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from penguin_desktop.core.domains.dns.diff import Change, Published
from penguin_desktop.core.domains.dns.names import parent_names
from penguin_desktop.core.domains.dns.resolver import DnsClient, ResolverConfig
from penguin_desktop.core.platform.errors import ExternalServiceError, Remedy, ValidationError
from penguin_desktop.core.platform.jobs import JobContext


class DnsProvider(Protocol):
    def describe(self) -> str:
        """What it is and where it writes, for the user."""

    def read(self, domain: str, wanted: Sequence[tuple[str, str]]) -> Published:
        """Published values for each (name, type); TXT strings joined."""

    def apply(self, domain: str, changes: Sequence[Change], ctx: JobContext) -> int:
        """Write the changes; returns how many were applied."""

    def test(self) -> str:
        """Connect and authenticate for real; a sentence saying what answered."""


async def _read_dns(config: ResolverConfig, wanted: Sequence[tuple[str, str]]) -> Published:
    client = DnsClient(config)
    try:
        answers = await asyncio.gather(*(client.lookup(n, t) for n, t in wanted))
    finally:
        client.close()
    out: dict[tuple[str, str], list[str]] = {}
    for (name, rtype), answer in zip(wanted, answers, strict=True):
        if answer.failed:
            raise ExternalServiceError(f"cannot read the published records: {answer.describe()}")
        values = list(answer.values)
        if rtype == "MX":
            values = [f"{p} {h}." for p, h in answer.mx]
        out[(name, rtype)] = values if not answer.cname_chain or rtype == "CNAME" else []
    return out


def read_dns(config: ResolverConfig, wanted: Sequence[tuple[str, str]]) -> Published:
    return asyncio.run(_read_dns(config, wanted))


async def _find_zone(config: ResolverConfig, domain: str) -> str | None:
    client = DnsClient(config)
    try:
        for candidate in [domain, *parent_names(domain, 1)]:
            answer = await client.lookup(candidate, "SOA")
            if answer.ok and not answer.cname_chain:
                return candidate
    finally:
        client.close()
    return None


def find_zone(config: ResolverConfig, domain: str) -> str | None:
    """The zone holding `domain`: the nearest name, walking up, that has an SOA record."""
    return asyncio.run(_find_zone(config, domain))


@dataclass
class ManualProvider:
    """No API: the user publishes by hand; we read through DNS and hand out a snippet."""

    config: ResolverConfig

    def describe(self) -> str:
        return "manual (you publish the records yourself; read back through " + (
            self.config.describe() + ")"
        )

    def read(self, domain: str, wanted: Sequence[tuple[str, str]]) -> Published:
        return read_dns(self.config, wanted)

    def apply(self, domain: str, changes: Sequence[Change], ctx: JobContext) -> int:
        raise ValidationError(
            "this domain has no DNS provider that can write records: publish its required "
            "records by hand, or add a DNS provider",
            remedy=Remedy("dns.provider.add"),
        )

    def test(self) -> str:
        return "manual provider: nothing to connect to"
