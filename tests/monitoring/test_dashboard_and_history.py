"""What the Home page and `monitor history` read, from rounds run against a loopback mail
server: tiles, uptime, certificates expiring, open alerts and chart lines; raw results and
hourly roll-ups, and what is dropped after a week; and the DNS check alerting only for what
was once right."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.domains import DomainReport
from penguin_desktop.core.domains.dns.findings import Category, Finding, Severity
from penguin_desktop.core.monitoring import CheckChange, CheckKind, TlsMode, series
from penguin_desktop.core.monitoring.models import ProbeResult, Status
from penguin_desktop.core.monitoring.probes.readings import from_dns_report
from penguin_desktop.core.monitoring.tables import ResultRow, RollupRow
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.servers import ServerRow
from tests.conftest import add_user
from tests.servers.mail_tls import SERVER_NAME, Listening, MailPki, TlsIdentity, running_smtp


@pytest.fixture
def expiring_smtp(pki: MailPki) -> Iterator[Listening]:
    with running_smtp(TlsIdentity(pki.expiring)) as server:
        yield server


@pytest.fixture
def acme(container: Container, owner: Actor, pki: MailPki, expiring_smtp: Listening) -> int:
    """Acme: server mx1 (a row as adoption leaves it) whose only enabled check is SMTP on the
    loopback server with a certificate 2 days from expiry; the check's id."""
    container.workspaces.create(owner, "Acme")
    with container.db.write() as session:
        ws = session.execute(select(WorkspaceRow).where(WorkspaceRow.name == "Acme")).scalar_one()
        session.add(ServerRow(workspace_id=ws.id, name="mx1", ip="127.0.0.1", ssh_key_secret="k"))
    monitoring = container.monitoring
    monitoring.set_settings(owner, ca_bundle=str(pki.ca_file))
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        monitoring.checks.set(owner, check.id, CheckChange(enabled=False))
    added = monitoring.checks.add(
        owner, "Acme", CheckKind.SMTP, server="mx1", port=expiring_smtp.port,
        tls=TlsMode.STARTTLS, tls_name=SERVER_NAME,
    )  # fmt: skip
    monitoring.runner.run_round(owner)
    monitoring.runner.run_round(owner)
    return added.id


def test_the_dashboard_shows_the_server_its_alert_and_its_certificate(
    container: Container, owner: Actor, acme: int
) -> None:
    board = container.monitoring.dashboard.build(owner)

    assert board.workspaces == ("Acme",)
    (tile,) = board.tiles
    assert (tile.target, tile.target_type, tile.status, tile.open_alerts) == (
        "mx1", "server", Status.CRITICAL, 1,
    )  # fmt: skip
    assert tile.uptime.day == tile.uptime.week == tile.uptime.month == 100.0
    (alert,) = board.open_alerts
    assert (alert.condition, alert.severity) == ("cert_expiry", Status.CRITICAL)
    (expiring,) = board.expiring
    assert expiring.target == "mx1" and expiring.days_left == pytest.approx(2, abs=0.1)
    lines = {(s.metric, s.target) for s in board.series}
    port = container.monitoring.checks.get(owner, acme).port
    assert {("latency_ms", f"mx1:{port}"), ("cert_days", f"mx1:{port}")} <= lines


def test_a_viewer_sees_the_dashboard_without_a_refusal_in_the_trail(
    container: Container, owner: Actor, acme: int
) -> None:
    viewer = add_user(container, owner, "viewer@agency.test")
    container.members.add(owner, "Acme", "viewer@agency.test", Role.VIEWER)
    before = len(container.audit.page(owner, AuditFilter()))

    board = container.monitoring.dashboard.build(viewer)

    assert [t.target for t in board.tiles] == ["mx1"] and board.due_secrets == ()
    assert len(container.audit.page(owner, AuditFilter())) == before


def test_history_raw_then_hourly_and_a_week_kept_raw(
    container: Container, owner: Actor, acme: int
) -> None:
    monitoring = container.monitoring
    assert [p.status for p in monitoring.history(owner, acme)] == [Status.OK, Status.OK]
    now = utcnow()
    old = series.hour_of(now - timedelta(days=9)) + timedelta(minutes=5)
    with container.db.write() as session:
        for minutes in (0, 20, 40):
            when = old + timedelta(minutes=minutes)
            series.record(session, acme, ProbeResult(Status.OK, "fine"), when)
        series.record(session, acme, ProbeResult(Status.CRITICAL, "no", reachable=False), old)

    hourly = monitoring.history(owner, acme, since=now - timedelta(days=10))
    first = hourly[0]
    assert (first.status, first.message) == (Status.CRITICAL, "3 of 4 runs ok, 3 answered")
    with container.db.write() as session:
        series.prune(session, now)
    with container.db.read() as session:
        raw = session.execute(select(func.count()).select_from(ResultRow)).scalar_one()
        rollups = session.execute(select(func.count()).select_from(RollupRow)).scalar_one()
    assert raw == 2 and rollups >= 2  # the old raw runs went, their hour stays a year


def _report(*findings: Finding) -> DomainReport:
    return DomainReport("Acme", "client.test", 80, findings)


def _finding(category: Category, severity: Severity) -> Finding:
    return Finding(severity, f"{category}.x", category, f"{category} is {severity}", "fix it")


def test_dns_alerts_only_for_what_was_once_right() -> None:
    never_set = _report(
        _finding(Category.SPF, Severity.OK), _finding(Category.DMARC, Severity.ERROR)
    )
    result, right = from_dns_report(never_set, [])
    assert result.status is Status.OK and right == {"spf"}
    assert "not set up yet" in result.message

    broken = _report(
        _finding(Category.SPF, Severity.ERROR), _finding(Category.DMARC, Severity.ERROR)
    )
    result, right = from_dns_report(broken, right)
    assert result.status is Status.CRITICAL and result.message.startswith("spf is error")
    assert right == {"spf"}  # still remembered: the alert stays until SPF is right again
