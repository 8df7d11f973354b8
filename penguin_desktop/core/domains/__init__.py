"""Sending domains: required DNS records, posture checks, blacklists, DNS providers and fixes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .dns.blacklists import ListResult
    from .dns.blacklists import Verdict as ListVerdict
    from .dns.findings import DomainReport, Severity
    from .dns.names import normalize_domain, reverse_name
    from .dns.resolver import DnsClient, ResolverConfig
    from .models import DkimKeyInfo, DnsProviderInfo, DomainInfo, ProviderKind
    from .service import DomainService
    from .tables import SendingDomainRow as DomainRow

__all__ = [
    "DkimKeyInfo",
    "DnsClient",
    "DnsProviderInfo",
    "DomainInfo",
    "DomainReport",
    "DomainRow",
    "DomainService",
    "ListResult",
    "ListVerdict",
    "ProviderKind",
    "ResolverConfig",
    "Severity",
    "normalize_domain",
    "reverse_name",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DomainService": ".service",
        "ProviderKind": ".models",
        "DkimKeyInfo": ".models",
        "DomainInfo": ".models",
        "DomainRow": ".tables:SendingDomainRow",
        "DomainReport": ".dns.findings",
        "Severity": ".dns.findings",
        "ListResult": ".dns.blacklists",
        "ListVerdict": ".dns.blacklists:Verdict",
        "DnsProviderInfo": ".models",
        "DnsClient": ".dns.resolver",
        "ResolverConfig": ".dns.resolver",
        "normalize_domain": ".dns.names",
        "reverse_name": ".dns.names",
    },
)
