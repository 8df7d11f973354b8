"""Probe a mail or admin service the way its clients reach it and say how it is: reachable or
not, the certificate's faults in words, AUTH on submission ports, latency and days to expiry.

Every network failure becomes a `ProbeResult`; certificate-expiry thresholds are left to the
rules that read the `cert_days` metric.
"""

from __future__ import annotations

import functools
import socket
import ssl
from datetime import UTC, datetime
from pathlib import Path

from penguin_desktop.core.monitoring.models import (
    CheckKind,
    Metric,
    ProbeResult,
    ServiceTarget,
    Status,
    TlsMode,
)
from penguin_desktop.core.monitoring.probes.certificates import (
    Certificate,
    read_certificate,
    rejection,
    when,
)
from penguin_desktop.core.monitoring.probes.dialogs import (
    DIALOGS,
    Deadline,
    Seen,
    Unexpected,
    converse,
)

_SUBMISSION_KINDS = frozenset({CheckKind.SUBMISSION, CheckKind.SMTPS})


def probe_service(
    kind: CheckKind, target: ServiceTarget, ca_bundle: Path | None = None
) -> ProbeResult:
    """Connect to one service as its clients do and say how it is.

    Certificates are verified against the system CAs plus the agency's own `ca_bundle` (PEM)
    and the target's `server_name`. Critical: no answer (`reachable` False: refused, timeout,
    DNS, no greeting, TLS handshake failure), or a certificate that is untrusted, for another
    name or expired (`reachable` True: the service is up, clients refuse it). Metrics:
    `latency_ms` (connect to end of TLS handshake, or to the first answer without TLS) and
    `cert_days` (negative once expired)."""
    if kind not in DIALOGS:
        raise ValueError(f"{kind} is not a network service check")
    if kind is CheckKind.HTTPS and target.tls is TlsMode.STARTTLS:
        return ProbeResult(
            Status.UNKNOWN, "HTTPS has no STARTTLS: set the check's TLS mode to implicit"
        )
    try:
        context = _verifying_context(ca_bundle)
    except OSError as error:
        return ProbeResult(
            Status.UNKNOWN,
            f"the agency's CA file {ca_bundle} cannot be used ({_reason(error)}): "
            "choose a PEM file of CA certificates",
        )
    deadline = Deadline(target.timeout)
    seen = converse(kind, target, context, deadline)
    if isinstance(seen.error, ssl.SSLCertVerificationError):
        return _rejected(kind, target, seen.error, deadline)
    if seen.error is not None:
        return _failed(target, seen, seen.error)
    return _judged(kind, target, seen)


def _verifying_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """One context per CA file as it is now: loading the system's CAs costs about 20 ms of CPU,
    more than the whole conversation, and a context serves any number of connections."""
    stamp = ca_bundle.stat().st_mtime_ns if ca_bundle is not None else 0
    return _context_for(ca_bundle, stamp)


@functools.lru_cache(maxsize=8)
def _context_for(ca_bundle: Path | None, _stamp: int) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_bundle is not None:
        context.load_verify_locations(cafile=ca_bundle)
    return context


def _reading_context() -> ssl.SSLContext:
    """Only for reading a certificate already refused, so the user can be told why."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _failed(target: ServiceTarget, seen: Seen, error: OSError | Unexpected) -> ProbeResult:
    """The service did not answer as it should: why, in words, and where to look."""
    where, reachable = seen.where, False
    if isinstance(error, Unexpected):
        message, reachable = error.sentence, error.reachable
    elif isinstance(error, socket.gaierror):
        message = (
            f"cannot resolve {target.host} ({_reason(error)}): "
            "check the server's address and its DNS record"
        )
    elif isinstance(error, ConnectionRefusedError):
        message = f"connection refused on {where}: is the service running and the port open?"
    elif isinstance(error, TimeoutError):
        message = _timeout_sentence(target, seen)
    elif isinstance(error, ssl.SSLError):
        message = _handshake_sentence(target, seen, error)
    elif isinstance(error, ConnectionError):
        message = f"{where} closed the connection during the {seen.phase}: check the service's log"
    else:
        message = f"cannot reach {where} ({_reason(error)}): check the address and the network"
    metrics = _metrics(seen, None, datetime.now(UTC)) if reachable else ()
    return ProbeResult(
        Status.CRITICAL, message, reachable=reachable, metrics=metrics, details=tuple(seen.details)
    )


def _timeout_sentence(target: ServiceTarget, seen: Seen) -> str:
    seconds = f"{target.timeout:g} s"
    if seen.phase == "connect":
        return (
            f"no answer from {seen.where} within {seconds}: "
            "is the host up and the port open in its firewall?"
        )
    if seen.phase == "greeting":
        return (
            f"{seen.where} accepted the connection but sent no greeting within {seconds}: "
            "the service is stuck or overloaded; restart it"
        )
    return (
        f"{seen.where} stopped answering during the {seen.phase} (nothing within {seconds}): "
        "check the service's log"
    )


def _handshake_sentence(target: ServiceTarget, seen: Seen, error: ssl.SSLError) -> str:
    if error.reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG"):
        return (
            f"{seen.where} answered in plain text, not TLS: enable TLS on the service "
            f"or set the check's TLS mode to match it (now {target.tls})"
        )
    return (
        f"TLS handshake with {seen.where} failed ({_reason(error)}): "
        "check the service's TLS settings and its log"
    )


def _rejected(
    kind: CheckKind,
    target: ServiceTarget,
    error: ssl.SSLCertVerificationError,
    deadline: Deadline,
) -> ProbeResult:
    """The service is up but clients refuse its certificate: connect again without verifying,
    only to read the certificate and name every fault with it."""
    seen = converse(kind, target, _reading_context(), deadline)
    cert = read_certificate(seen.der) if seen.der else None
    now = datetime.now(UTC)
    message = rejection(cert, target.server_name, error.verify_code, error.verify_message, now)
    details = [*seen.details, *(cert.describe() if cert else ())]
    details.append(f"verification: {error.verify_message}")
    return ProbeResult(
        Status.CRITICAL,
        message,
        reachable=True,
        metrics=_metrics(seen, cert, now),
        details=tuple(details),
    )


def _judged(kind: CheckKind, target: ServiceTarget, seen: Seen) -> ProbeResult:
    cert = read_certificate(seen.der) if seen.der else None
    now = datetime.now(UTC)
    status, message = _verdict(kind, target, seen, cert, now)
    details = (*seen.details, *(cert.describe() if cert else ()))
    return ProbeResult(status, message, metrics=_metrics(seen, cert, now), details=details)


def _verdict(
    kind: CheckKind, target: ServiceTarget, seen: Seen, cert: Certificate | None, now: datetime
) -> tuple[Status, str]:
    """Status and sentence for a service that answered with an acceptable certificate.

    STARTTLS missing is critical on submission (and IMAP): mail clients set to STARTTLS refuse
    to log in, or worse send passwords in clear text. On port 25 it is a warning: other servers
    still deliver, only unencrypted (and a few refuse to). AUTH missing on a submission port is
    a warning: the port is up and TLS is fine, but no client can log in to send."""
    service = f"{kind} on {target.server_name} ({seen.where})"
    if seen.starttls_offered is False:
        if kind is CheckKind.SMTP:
            return Status.WARNING, (
                f"{service} does not offer STARTTLS: other servers deliver mail to it "
                "unencrypted and some will not deliver; enable TLS on the service"
            )
        return Status.CRITICAL, (
            f"{service} does not offer STARTTLS: mail clients cannot log in safely; "
            "enable TLS on the service"
        )
    if kind in _SUBMISSION_KINDS and seen.auth == ():
        after = " after TLS" if seen.tls_version else ""
        return Status.WARNING, (
            f"clients cannot log in: {service} offers no AUTH{after}; "
            "enable authentication on the submission service"
        )
    if seen.http_status is not None and seen.http_status >= 500:
        return Status.CRITICAL, (
            f"{service} answered HTTP {seen.http_status} {seen.http_reason}: "
            "the admin service behind it is failing; check its log"
        )
    latency = f"answered in {seen.latency_ms or 0:.0f} ms"
    if seen.tls_version is None:
        return Status.OK, f"{service} {latency} without TLS (as configured)"
    if cert is None:
        return Status.OK, f"{service} {latency} over {seen.tls_version}"
    return Status.OK, (
        f"{service} {latency} over {seen.tls_version}, certificate valid for "
        f"{cert.days_left(now):.1f} more days (until {when(cert.not_after)})"
    )


def _metrics(seen: Seen, cert: Certificate | None, now: datetime) -> tuple[Metric, ...]:
    metrics: list[Metric] = []
    if seen.latency_ms is not None:
        metrics.append(Metric("latency_ms", round(seen.latency_ms, 1), "ms"))
    if cert is not None:
        metrics.append(Metric("cert_days", round(cert.days_left(now), 3), "days"))
    return tuple(metrics)


def _reason(error: OSError) -> str:
    if isinstance(error, ssl.SSLError) and error.reason:
        return str(error.reason).replace("_", " ").lower()
    return error.strerror or str(error) or type(error).__name__
