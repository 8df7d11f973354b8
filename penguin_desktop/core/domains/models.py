"""Sending domains, their DKIM keys and DNS providers as the faces see them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class ProviderKind(enum.StrEnum):
    """How a DNS provider is written to: RFC 2136 with TSIG, the Cloudflare API, or by hand."""

    RFC2136 = "rfc2136"
    CLOUDFLARE = "cloudflare"
    MANUAL = "manual"


@dataclass(frozen=True)
class DkimKeyInfo:
    selector: str
    public_key: str
    bits: int | None
    private_key_secret: str | None


@dataclass(frozen=True)
class DomainInfo:
    """A sending domain as the faces see it; `name` is ASCII, `display_name` Unicode."""

    workspace: str
    name: str
    display_name: str
    mail_hosts: tuple[str, ...]
    server_ips: tuple[str, ...]
    dkim: tuple[DkimKeyInfo, ...]
    dmarc_policy: str
    report_address: str | None
    mta_sts_mode: str
    autoconfig: bool
    provider: str | None
    created_at: datetime
    last_score: int | None = None
    last_worst: str | None = None
    last_checked_at: datetime | None = None
    last_worst_message: str | None = None
    mail_server: str | None = None


@dataclass(frozen=True)
class DnsProviderInfo:
    workspace: str
    name: str
    kind: str
    settings: dict[str, str]
    credential_secret: str | None
    created_at: datetime
