"""The records a domain needs, as the faces show them: DNS records plus the MTA-STS policy file."""

from __future__ import annotations

from dataclasses import dataclass

from penguin_desktop.core.domains.dns import zonefile
from penguin_desktop.core.domains.dns.records import (
    DomainSpec,
    RequiredRecord,
    mta_sts_policy,
    required_records,
)


@dataclass(frozen=True)
class RequiredView:
    domain: str
    records: tuple[RequiredRecord, ...]
    mta_sts_policy: str
    mta_sts_url: str


def required_view(spec: DomainSpec) -> RequiredView:
    return RequiredView(
        spec.name,
        tuple(required_records(spec)),
        mta_sts_policy(spec),
        f"https://mta-sts.{spec.name}/.well-known/mta-sts.txt",
    )


def zone_snippet(spec: DomainSpec) -> str:
    return zonefile.snippet(spec, required_records(spec))
