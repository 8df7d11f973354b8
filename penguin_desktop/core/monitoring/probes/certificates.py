"""What a server's certificate says, and why a client refused it, in words a user can act on.

OpenSSL stops at the first fault it finds and names only that one; a certificate that is both
expired and for the wrong name would be reported as one or the other. So the leaf is read here
with `cryptography` and its dates and names are judged independently, leaving OpenSSL's verdict
to say only what cannot be seen from the leaf alone: whether its issuer is trusted.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID

# OpenSSL verify codes meaning "the chain does not end at a CA this computer trusts".
_UNTRUSTED_CODES = frozenset(
    {
        2,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        18,  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        19,  # X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        20,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        21,  # X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
    }
)
_SELF_SIGNED_CODE = 18
_SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Certificate:
    """The parts of a leaf certificate a user needs to fix a problem with it."""

    subject: str
    issuer: str
    names: tuple[str, ...]  # the DNS and IP subject alternative names, else the common name
    not_before: datetime
    not_after: datetime

    def days_left(self, now: datetime) -> float:
        """Days until expiry, negative once expired: the `cert_days` metric."""
        return (self.not_after - now).total_seconds() / _SECONDS_PER_DAY

    def matches(self, host: str) -> bool:
        """Whether a client asking for `host` would accept these names (one-label wildcards)."""
        return any(_name_matches(name, host) for name in self.names)

    def describe(self) -> tuple[str, ...]:
        return (
            f"certificate subject: {self.subject}",
            f"issuer: {self.issuer}",
            f"names: {', '.join(self.names) or 'none'}",
            f"valid until: {self.not_after:%Y-%m-%d %H:%M} UTC",
        )


def read_certificate(der: bytes) -> Certificate | None:
    """The leaf as sent by the server; None when `cryptography` cannot parse what OpenSSL took."""
    try:
        cert = x509.load_der_x509_certificate(der)
        names = _alternative_names(cert)
    except ValueError:
        return None
    subject = _common_name(cert.subject) or cert.subject.rfc4514_string()
    if not names and _common_name(cert.subject):
        names = (subject,)
    return Certificate(
        subject=subject,
        issuer=_common_name(cert.issuer) or cert.issuer.rfc4514_string(),
        names=names,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def when(moment: datetime) -> str:
    """A date as people write it in a sentence: 12 Nov 2026."""
    return f"{moment.day} {moment:%b %Y}"


def rejection(
    cert: Certificate | None,
    server_name: str,
    verify_code: int,
    verify_message: str,
    now: datetime,
) -> str:
    """One sentence naming every fault found with a rejected certificate and what to do.

    The remedy follows the fault that decides what must be issued: a wrong name needs a new
    certificate anyway (which also cures expiry), an untrusted issuer needs a different CA or
    the agency's CA file, an expired one only renewal."""
    untrusted = verify_code in _UNTRUSTED_CODES
    faults = _faults(cert, server_name, verify_code, now) if cert is not None else []
    if cert is None or not faults:
        return (
            f"certificate for {server_name} was rejected ({verify_message}): "
            "check the certificate and chain the server sends"
        )
    wrong_name = not cert.matches(server_name)
    subject = "certificate" if wrong_name else f"certificate for {server_name}"
    remedy = _remedy(cert, server_name, wrong_name, untrusted, cert.days_left(now))
    return f"{subject} {', and '.join(faults)}: {remedy}"


def _faults(cert: Certificate, server_name: str, verify_code: int, now: datetime) -> list[str]:
    """Each fault as the rest of a sentence starting "certificate ...", the name first."""
    faults: list[str] = []
    if not cert.matches(server_name):
        faults.append(f"is for {', '.join(cert.names) or 'no name'}, not {server_name}")
    if verify_code == _SELF_SIGNED_CODE:
        faults.append("is self-signed")
    elif verify_code in _UNTRUSTED_CODES:
        faults.append(f"is issued by {cert.issuer}, which this computer does not trust")
    days = cert.days_left(now)
    if days < 0:
        faults.append(f"expired {-days:.1f} days ago (on {when(cert.not_after)})")
    elif cert.not_before > now:
        faults.append(f"is not valid until {when(cert.not_before)}")
    return faults


def _remedy(
    cert: Certificate, server_name: str, wrong_name: bool, untrusted: bool, days: float
) -> str:
    if wrong_name:
        trusted = " from a trusted CA" if untrusted else ""
        return f"issue one{trusted} that names {server_name}"
    if untrusted:
        return (
            "install one from a trusted CA with its full chain, "
            "or add its issuer to the agency's CA file"
        )
    if days < 0:
        return "renew it and reload the service"
    return f"check the clocks of the server and this computer (it starts {when(cert.not_before)})"


def _alternative_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    dns = san.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    return (*dns, *ips)


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not values:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 matching as browsers do it: a `*` stands for exactly one whole left-most label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    try:
        return ipaddress.ip_address(host) == ipaddress.ip_address(pattern)
    except ValueError:
        pass
    if pattern.startswith("*."):
        label, _, rest = host.partition(".")
        return bool(label) and rest == pattern[2:]
    return pattern == host
