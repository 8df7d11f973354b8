"""RFC 2136 dynamic updates signed with TSIG (BIND, Knot, PowerDNS), through dnspython.

All changes for a zone go in one UPDATE message, which the server applies atomically: a
half-applied fix cannot happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.update

from penguin_desktop.core.domains.dns.diff import Action, Change, Published
from penguin_desktop.core.domains.dns.names import fqdn
from penguin_desktop.core.domains.dns.resolver import ResolverConfig
from penguin_desktop.core.domains.dns.zonefile import rdata_text
from penguin_desktop.core.domains.providers.base import find_zone, read_dns
from penguin_desktop.core.platform.errors import Cancelled, ExternalServiceError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext

ALGORITHMS = {
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
    "hmac-sha384": dns.tsig.HMAC_SHA384,
    "hmac-sha224": dns.tsig.HMAC_SHA224,
    "hmac-sha1": dns.tsig.HMAC_SHA1,
    "hmac-md5": dns.tsig.HMAC_MD5,
}


@dataclass
class Rfc2136Provider:
    server: str
    port: int
    key_name: str
    secret: str
    algorithm: str = "hmac-sha256"
    zone: str | None = None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValidationError(
                f"unknown TSIG algorithm {self.algorithm!r}: choose {', '.join(ALGORITHMS)}"
            )
        try:
            self._keyring = dns.tsigkeyring.from_text(
                {self.key_name: (self.algorithm, self.secret)}
            )
        except (ValueError, dns.exception.DNSException):
            raise ValidationError("the TSIG secret is not valid base64") from None

    @property
    def _config(self) -> ResolverConfig:
        return ResolverConfig(nameservers=((self.server, self.port),), timeout=3.0, retries=1)

    def describe(self) -> str:
        return f"RFC 2136 updates to {self.server}:{self.port} signed with TSIG key {self.key_name}"

    def read(self, domain: str, wanted: Sequence[tuple[str, str]]) -> Published:
        return read_dns(self._config, wanted)

    def _zone_for(self, domain: str) -> str:
        zone = self.zone or find_zone(self._config, domain)
        if zone is None:
            raise ExternalServiceError(
                f"{self.server}:{self.port} does not serve a zone holding {domain}"
            )
        return zone

    def apply(self, domain: str, changes: Sequence[Change], ctx: JobContext) -> int:
        if not changes:
            return 0
        zone = self._zone_for(domain)
        update = dns.update.UpdateMessage(
            fqdn(zone),
            keyring=self._keyring,
            keyname=dns.name.from_text(self.key_name),
            keyalgorithm=ALGORITHMS[self.algorithm],
        )
        for change in changes:
            rdata = dns.rdata.from_text(
                dns.rdataclass.IN, change.rtype, rdata_text(change.rtype, change.value)
            )
            if change.action is Action.ADD:
                update.add(fqdn(change.name), change.ttl, rdata)
            else:
                update.delete(fqdn(change.name), rdata)
        if ctx.cancelled:
            raise Cancelled("fix cancelled before anything was written")
        ctx.progress(0.1, f"sending {len(changes)} changes to {self.server}:{self.port}")
        response = self._send(update)
        rcode = response.rcode()
        if rcode != dns.rcode.NOERROR:
            text = dns.rcode.to_text(rcode)
            hint = {
                "REFUSED": f"the server does not let key {self.key_name} update {zone}, or its "
                "integrity checks rejected a record (its log says which)",
                "NOTAUTH": f"the server is not authoritative for {zone}, or the key is wrong",
                "NOTZONE": f"a name is outside the zone {zone}",
            }.get(text, "the update was rejected")
            raise ExternalServiceError(f"DNS update refused ({text}): {hint}")
        ctx.progress(1.0, f"{len(changes)} changes applied to {zone}")
        return len(changes)

    def _send(self, message: dns.message.Message) -> dns.message.Message:
        try:
            return dns.query.tcp(message, self.server, timeout=self.timeout, port=self.port)
        except (dns.tsig.PeerBadKey, dns.tsig.PeerBadSignature, dns.tsig.PeerBadTime) as exc:
            raise ExternalServiceError(
                f"{self.server}:{self.port} rejected the TSIG key {self.key_name!r} "
                f"({type(exc).__name__}): check the key name and secret"
            ) from None
        except dns.exception.Timeout:
            raise ExternalServiceError(
                f"{self.server}:{self.port} did not answer within {self.timeout:g} s"
            ) from None
        except (OSError, dns.exception.DNSException) as exc:
            raise ExternalServiceError(f"cannot reach {self.server}:{self.port}: {exc}") from None

    def test(self) -> str:
        """A TSIG-signed SOA query: the server answers it signed only if it knows the key."""
        target = fqdn(self.zone) if self.zone else "."
        query = dns.message.make_query(target, "SOA")
        query.use_tsig(
            self._keyring, dns.name.from_text(self.key_name), algorithm=ALGORITHMS[self.algorithm]
        )
        response = self._send(query)
        if self.zone and response.rcode() != dns.rcode.NOERROR:
            raise ExternalServiceError(
                f"{self.server}:{self.port} accepted the key but does not serve {self.zone} "
                f"({dns.rcode.to_text(response.rcode())})"
            )
        return f"{self.server}:{self.port} accepted TSIG key {self.key_name}" + (
            f" and serves {self.zone}" if self.zone else ""
        )
