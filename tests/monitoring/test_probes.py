"""Service probes against real servers on loopback: what a user would read on the check."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from penguin_desktop.core.monitoring.models import (
    CheckKind,
    ProbeResult,
    ServiceTarget,
    Status,
    TlsMode,
)
from penguin_desktop.core.monitoring.probes.service import probe_service
from tests.servers.common import free_port
from tests.servers.mail_tls import (
    CA_NAME,
    SERVER_NAME,
    WRONG_NAME,
    Listening,
    MailPki,
    TlsIdentity,
    running_https,
    running_imaps,
    running_smtp,
    silent_listener,
)


@pytest.fixture(scope="module")
def starttls_smtp(pki: MailPki) -> Iterator[Listening]:
    with running_smtp(TlsIdentity(pki.valid)) as server:
        yield server


@pytest.fixture(scope="module")
def starttls_smtp_without_auth(pki: MailPki) -> Iterator[Listening]:
    with running_smtp(TlsIdentity(pki.valid), auth=False) as server:
        yield server


@pytest.fixture(scope="module")
def plain_smtp() -> Iterator[Listening]:
    with running_smtp(None) as server:
        yield server


@pytest.fixture
def smtps(pki: MailPki) -> Iterator[tuple[Listening, TlsIdentity]]:
    """An SMTPS server of its own, whose certificate the test sets."""
    identity = TlsIdentity(pki.valid)
    with running_smtp(identity, implicit=True) as server:
        yield server, identity


def target(
    server: Listening, tls: TlsMode, name: str = SERVER_NAME, timeout: float = 3.0
) -> ServiceTarget:
    return ServiceTarget(
        host=server.host, port=server.port, tls=tls, server_name=name, timeout=timeout
    )


def days(result: ProbeResult) -> float:
    value = result.metric("cert_days")
    assert value is not None, result
    return value


def assert_healthy(result: ProbeResult) -> None:
    assert result.status is Status.OK, result.message
    assert result.reachable
    assert SERVER_NAME in result.message
    assert 89 < days(result) < 90.01
    latency = result.metric("latency_ms")
    assert latency is not None and 0 < latency < 3000


def test_smtp_with_starttls_and_a_valid_certificate_is_ok(
    starttls_smtp: Listening, pki: MailPki
) -> None:
    result = probe_service(CheckKind.SMTP, target(starttls_smtp, TlsMode.STARTTLS), pki.ca_file)

    assert_healthy(result)
    assert "certificate valid for 90.0 more days" in result.message
    assert any(line.startswith("greeting: 220") for line in result.details)
    assert any(line.startswith("TLS: TLSv1.3") for line in result.details)
    assert f"issuer: {CA_NAME}" in result.details


def test_submission_offering_auth_after_starttls_is_ok(
    starttls_smtp: Listening, pki: MailPki
) -> None:
    result = probe_service(
        CheckKind.SUBMISSION, target(starttls_smtp, TlsMode.STARTTLS), pki.ca_file
    )

    assert_healthy(result)
    assert "AUTH: LOGIN PLAIN" in result.details


def test_submission_without_auth_warns_that_clients_cannot_log_in(
    starttls_smtp_without_auth: Listening, pki: MailPki
) -> None:
    result = probe_service(
        CheckKind.SUBMISSION, target(starttls_smtp_without_auth, TlsMode.STARTTLS), pki.ca_file
    )

    assert result.status is Status.WARNING
    assert result.reachable
    assert result.message.startswith("clients cannot log in")
    assert "AUTH: not offered" in result.details
    assert 89 < days(result) < 90.01


def test_smtps_with_implicit_tls_is_ok(smtps: tuple[Listening, TlsIdentity], pki: MailPki) -> None:
    server, _ = smtps
    result = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert_healthy(result)
    assert "AUTH: LOGIN PLAIN" in result.details


def test_imaps_is_ok(pki: MailPki) -> None:
    with running_imaps(TlsIdentity(pki.valid)) as server:
        result = probe_service(CheckKind.IMAPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert_healthy(result)
    assert any(line.startswith("greeting: * OK") for line in result.details)


def test_https_admin_endpoint_is_ok(pki: MailPki) -> None:
    with running_https(TlsIdentity(pki.valid)) as server:
        result = probe_service(CheckKind.HTTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert_healthy(result)
    assert "HTTP: 200 OK" in result.details


def test_certificate_expiring_in_two_days_reports_the_days_left_without_judging_them(
    smtps: tuple[Listening, TlsIdentity], pki: MailPki
) -> None:
    server, identity = smtps
    identity.renew(pki.expiring)

    result = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert result.status is Status.OK  # thresholds belong to the rules reading `cert_days`
    assert 1.99 < days(result) <= 2.0
    assert "valid for 2.0 more days" in result.message


def test_expired_certificate_is_critical_and_says_renew(
    smtps: tuple[Listening, TlsIdentity], pki: MailPki
) -> None:
    server, identity = smtps
    identity.renew(pki.expired)

    result = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert result.status is Status.CRITICAL
    assert result.reachable  # up, but clients refuse it
    assert result.message.startswith(f"certificate for {SERVER_NAME} expired 1.0 days ago")
    assert result.message.endswith("renew it and reload the service")
    assert -1.01 < days(result) < -0.99


def test_certificate_for_another_name_names_both_names(
    smtps: tuple[Listening, TlsIdentity], pki: MailPki
) -> None:
    server, identity = smtps
    identity.renew(pki.wrong_host)

    result = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert result.status is Status.CRITICAL
    assert result.reachable
    assert result.message == (
        f"certificate is for {WRONG_NAME}, not {SERVER_NAME}: issue one that names {SERVER_NAME}"
    )
    assert f"names: {WRONG_NAME}" in result.details


def test_certificate_from_an_unknown_ca_is_untrusted_without_the_agency_ca_file(
    starttls_smtp: Listening,
) -> None:
    result = probe_service(CheckKind.SMTP, target(starttls_smtp, TlsMode.STARTTLS))

    assert result.status is Status.CRITICAL
    assert result.reachable
    assert f"is issued by {CA_NAME}, which this computer does not trust" in result.message
    assert "agency's CA file" in result.message
    assert 89 < days(result) < 90.01


def test_untrusted_certificate_for_another_name_names_both_faults(
    smtps: tuple[Listening, TlsIdentity], pki: MailPki
) -> None:
    server, identity = smtps
    identity.renew(pki.wrong_host)

    result = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT))

    assert result.status is Status.CRITICAL
    assert result.message == (
        f"certificate is for {WRONG_NAME}, not {SERVER_NAME}, and is issued by {CA_NAME}, "
        f"which this computer does not trust: issue one from a trusted CA that names {SERVER_NAME}"
    )


def test_closed_port_is_unreachable() -> None:
    closed = Listening("127.0.0.1", free_port())

    result = probe_service(CheckKind.SUBMISSION, target(closed, TlsMode.STARTTLS))

    assert result.status is Status.CRITICAL
    assert not result.reachable
    assert result.message == (
        f"connection refused on 127.0.0.1:{closed.port}: is the service running and the port open?"
    )


def test_server_that_never_greets_times_out_within_the_target_timeout() -> None:
    with silent_listener() as server:
        started = time.monotonic()
        result = probe_service(CheckKind.SMTP, target(server, TlsMode.STARTTLS, timeout=1.0))
        elapsed = time.monotonic() - started

    assert 0.9 < elapsed < 1.5
    assert result.status is Status.CRITICAL
    assert not result.reachable
    assert "accepted the connection but sent no greeting within 1 s" in result.message


@pytest.mark.parametrize(
    ("kind", "running"),
    [
        (CheckKind.SMTPS, lambda: running_smtp(None)),
        (CheckKind.IMAPS, lambda: running_imaps(None)),
        (CheckKind.HTTPS, lambda: running_https(None)),
    ],
)
def test_plain_text_server_where_implicit_tls_is_expected_is_unreachable(
    pki: MailPki, kind: CheckKind, running: Callable[[], AbstractContextManager[Listening]]
) -> None:
    with running() as server:
        result = probe_service(kind, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert result.status is Status.CRITICAL
    assert not result.reachable
    assert "answered in plain text, not TLS" in result.message


@pytest.mark.parametrize(
    ("kind", "status"),
    [(CheckKind.SUBMISSION, Status.CRITICAL), (CheckKind.SMTP, Status.WARNING)],
)
def test_missing_starttls_is_critical_on_submission_and_a_warning_on_port_25(
    plain_smtp: Listening, pki: MailPki, kind: CheckKind, status: Status
) -> None:
    result = probe_service(kind, target(plain_smtp, TlsMode.STARTTLS), pki.ca_file)

    assert result.status is status
    assert result.reachable
    assert "does not offer STARTTLS" in result.message
    assert result.metric("cert_days") is None


def test_renewed_certificate_is_seen_on_the_next_probe(
    smtps: tuple[Listening, TlsIdentity], pki: MailPki
) -> None:
    server, identity = smtps
    identity.renew(pki.expiring)
    before = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    identity.renew(pki.valid)
    after = probe_service(CheckKind.SMTPS, target(server, TlsMode.IMPLICIT), pki.ca_file)

    assert days(before) < 2.01
    assert 89 < days(after) < 90.01


def test_unreadable_agency_ca_file_is_unknown_not_a_service_fault(
    starttls_smtp: Listening, tmp_path: Path
) -> None:
    missing = tmp_path / "agency-ca.pem"

    result = probe_service(CheckKind.SMTP, target(starttls_smtp, TlsMode.STARTTLS), missing)

    assert result.status is Status.UNKNOWN
    assert str(missing) in result.message
