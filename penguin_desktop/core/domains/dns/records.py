"""The records a sending domain needs, computed from what the agency entered.

One model feeds the `records` view, the checks, the fix diff and the zone export, so what we
tell the user to publish, what we check and what we write are always the same thing.
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
from dataclasses import dataclass

from penguin_desktop.core.domains.dns import dkim
from penguin_desktop.core.domains.dns.names import reverse_name
from penguin_desktop.core.domains.dns.spf import SpfSyntaxError, is_spf, parse_spf

DEFAULT_TTL = 3600
MTA_STS_MAX_AGE = 604800


class Kind(enum.StrEnum):
    MX = "mx"
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    MTA_STS = "mta-sts"
    TLS_RPT = "tls-rpt"
    PTR = "ptr"
    SRV = "srv"
    HOST = "host"


@dataclass(frozen=True)
class DkimSelector:
    selector: str
    public_key: str


@dataclass(frozen=True)
class DomainSpec:
    """What the agency told us about one sending domain (all names ASCII, no trailing dot)."""

    name: str
    mail_hosts: tuple[str, ...] = ()
    server_ips: tuple[str, ...] = ()
    dkim: tuple[DkimSelector, ...] = ()
    dmarc_policy: str = "quarantine"
    report_address: str | None = None
    mta_sts_mode: str = "testing"
    autoconfig: bool = False
    workspace: str = ""

    @property
    def hosts(self) -> tuple[str, ...]:
        return self.mail_hosts or (f"mail.{self.name}",)

    @property
    def helo_host(self) -> str:
        """The name the server greets with; its PTR records must point here."""
        return self.hosts[0]

    @property
    def reports_to(self) -> str:
        return self.report_address or f"dmarc-reports@{self.name}"


@dataclass(frozen=True)
class RequiredRecord:
    """One record to publish. `managed` is False for records only someone else can publish
    (PTR lives in the IP owner's reverse zone)."""

    name: str
    rtype: str
    value: str
    kind: Kind
    purpose: str
    ttl: int = DEFAULT_TTL
    managed: bool = True


def _spf_networks(existing: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    nets = []
    for text in existing:
        try:
            record = parse_spf(text)
        except SpfSyntaxError:
            continue
        for term in record.mechanisms():
            if term.name in ("ip4", "ip6") and term.qualifier == "+" and term.value:
                bits = term.cidr4 if term.name == "ip4" else term.cidr6
                suffix = f"/{bits}" if bits is not None else ""
                nets.append(ipaddress.ip_network(f"{term.value}{suffix}", strict=False))
    return nets


def build_spf(spec: DomainSpec, existing: list[str] | None = None) -> str:
    """Our server IPs plus every legitimate term already published (other senders' includes
    stay), ending in `~all` or a stricter `-all` the domain already had. Several existing SPF
    records are merged into the one a domain may have."""
    existing = [t for t in (existing or []) if is_spf(t)]
    kept: list[str] = []
    qualifier = "~"
    redirect: str | None = None
    for text in existing:
        try:
            record = parse_spf(text)
        except SpfSyntaxError:
            continue
        for term in record.terms:
            if term.modifier:
                if term.name == "redirect":
                    redirect = redirect or term.text
                elif term.text not in kept:
                    kept.append(term.text)
            elif term.name == "all":
                if term.qualifier == "-":
                    qualifier = "-"
            elif term.text.lower() not in (k.lower() for k in kept):
                kept.append(term.text)
    covered = _spf_networks(existing)
    ours = []
    for ip in spec.server_ips:
        addr = ipaddress.ip_address(ip)
        if any(addr in net for net in covered if net.version == addr.version):
            continue
        ours.append(f"ip{addr.version}:{addr}")
    terms = ["v=spf1", *ours, *kept]
    if redirect and not existing_has_all(existing):
        terms.append(redirect)
    else:
        terms.append(f"{qualifier}all")
    return " ".join(terms)


def existing_has_all(existing: list[str]) -> bool:
    for text in existing:
        try:
            if parse_spf(text).all_term is not None:
                return True
        except SpfSyntaxError:
            continue
    return False


def dmarc_value(spec: DomainSpec) -> str:
    return f"v=DMARC1; p={spec.dmarc_policy}; rua=mailto:{spec.reports_to}; adkim=r; aspf=r"


def mta_sts_policy(spec: DomainSpec) -> str:
    """The policy file to serve at https://mta-sts.<domain>/.well-known/mta-sts.txt."""
    lines = ["version: STSv1", f"mode: {spec.mta_sts_mode}"]
    lines += [f"mx: {host}" for host in spec.hosts]
    lines.append(f"max_age: {MTA_STS_MAX_AGE}")
    return "\r\n".join(lines) + "\r\n"


def mta_sts_id(spec: DomainSpec) -> str:
    """Changes whenever the policy does, as RFC 8461 requires, without a clock."""
    return hashlib.sha256(mta_sts_policy(spec).encode()).hexdigest()[:20]


def required_records(
    spec: DomainSpec, published_spf: list[str] | None = None
) -> list[RequiredRecord]:
    d = spec.name
    records = [
        RequiredRecord(
            d,
            "MX",
            f"{10 * (i + 1)} {host}.",
            Kind.MX,
            "Tells other servers where to deliver mail for the domain",
        )
        for i, host in enumerate(spec.hosts)
    ]
    for host in spec.hosts:
        if host == d or host.endswith("." + d):
            for ip in spec.server_ips:
                rtype = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
                records.append(
                    RequiredRecord(
                        host, rtype, ip, Kind.HOST, f"Address of your mail server {host}"
                    )
                )
    records.append(
        RequiredRecord(
            d,
            "TXT",
            build_spf(spec, published_spf),
            Kind.SPF,
            "SPF: lists the servers allowed to send as the domain",
        )
    )
    for sel in spec.dkim:
        records.append(
            RequiredRecord(
                f"{sel.selector}._domainkey.{d}",
                "TXT",
                dkim.record_text(sel.public_key),
                Kind.DKIM,
                f"DKIM key '{sel.selector}': lets receivers verify mail signatures",
            )
        )
    records.append(
        RequiredRecord(
            f"_dmarc.{d}",
            "TXT",
            dmarc_value(spec),
            Kind.DMARC,
            "DMARC: tells receivers what to do with mail that fails SPF and DKIM, "
            "and where to send reports",
        )
    )
    records.append(
        RequiredRecord(
            f"_mta-sts.{d}",
            "TXT",
            f"v=STSv1; id={mta_sts_id(spec)}",
            Kind.MTA_STS,
            "MTA-STS: asks senders to deliver to the domain only over verified TLS "
            f"(serve the policy file at https://mta-sts.{d}/.well-known/mta-sts.txt)",
        )
    )
    records.append(
        RequiredRecord(
            f"_smtp._tls.{d}",
            "TXT",
            f"v=TLSRPTv1; rua=mailto:{spec.reports_to}",
            Kind.TLS_RPT,
            "TLS-RPT: where senders report TLS delivery problems",
        )
    )
    for ip in spec.server_ips:
        records.append(
            RequiredRecord(
                reverse_name(ip),
                "PTR",
                f"{spec.helo_host}.",
                Kind.PTR,
                f"Reverse DNS of {ip}: must name the server ({spec.helo_host}); "
                "set by whoever owns the IP (your server provider)",
                managed=False,
            )
        )
    if spec.autoconfig:
        host = spec.helo_host
        for service, port in (
            ("_submission._tcp", 587),
            ("_imaps._tcp", 993),
            ("_autodiscover._tcp", 443),
        ):
            records.append(
                RequiredRecord(
                    f"{service}.{d}",
                    "SRV",
                    f"0 1 {port} {host}.",
                    Kind.SRV,
                    "Lets mail apps configure themselves (RFC 6186 / autodiscover)",
                )
            )
    return records
