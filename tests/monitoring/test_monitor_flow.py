"""A round of checks end to end, against real servers on loopback: a mail server whose
certificate nears expiry, PagerDuty's Events API and a webhook receiver as the published APIs
answer, and a real sshd for the server itself."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.monitoring import CheckChange, CheckKind, NotifierKind, TlsMode
from penguin_desktop.core.monitoring.models import AlertState, Status
from penguin_desktop.core.monitoring.notifiers.webhook import verify_signature
from penguin_desktop.core.platform.errors import ConflictError, PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import utcnow
from tests.conftest import add_user
from tests.servers.common import free_port
from tests.servers.mail_tls import SERVER_NAME, MailPki, TlsIdentity, running_smtp
from tests.servers.pagerduty import PagerDutyServer
from tests.servers.sshd import SshdServer
from tests.servers.webhook_receiver import WebhookReceiver


@pytest.fixture
def acme(container: Container, owner: Actor, sshd: SshdServer, tmp_path: Path) -> str:
    """Workspace Acme with server mx1 on the test sshd, its default checks turned off so each
    test chooses what runs."""
    sshd.reset_remote()
    container.workspaces.create(owner, "Acme")
    container.servers.adopt(
        owner, "Acme", "mx1", sshd.host, port=sshd.port, user=sshd.user,
        private_key=sshd.client_key.private_openssh, accept_fingerprint=sshd.host_fingerprint,
        mailu_dir=str(tmp_path),
    )  # fmt: skip
    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        monitoring.checks.set(owner, check.id, CheckChange(enabled=False))
    return "Acme"


def _smtp_check(container: Container, owner: Actor, port: int) -> int:
    check = container.monitoring.checks.add(
        owner, "Acme", CheckKind.SMTP, server="mx1", port=port, tls=TlsMode.STARTTLS,
        tls_name=SERVER_NAME,
    )  # fmt: skip
    return check.id


def test_a_certificate_near_expiry_pages_once_then_resolves_with_the_same_key(
    container: Container, owner: Actor, acme: str, pki: MailPki, pagerduty: PagerDutyServer
) -> None:
    monitoring = container.monitoring
    monitoring.set_settings(owner, ca_bundle=str(pki.ca_file), pagerduty_url=pagerduty.url)
    monitoring.notifiers.add(owner, NotifierKind.PAGERDUTY, "oncall", pagerduty.routing_key)
    identity = TlsIdentity(pki.expiring)
    with running_smtp(identity) as smtp:
        check_id = _smtp_check(container, owner, smtp.port)
        first = monitoring.runner.run_round(owner)
        second = monitoring.runner.run_round(owner)
        identity.renew(pki.valid)
        third = monitoring.runner.run_round(owner)

    assert (first.checks, first.opened, second.opened, third.resolved) == (1, 1, 0, 1)
    events = [r.json() for r in pagerduty.state.received]
    assert [e["event_action"] for e in events] == ["trigger", "resolve"]
    key = f"penguin-check-{check_id}-cert_expiry"
    assert events[0]["dedup_key"] == events[1]["dedup_key"] == key
    assert events[0]["payload"]["severity"] == "critical"
    assert "certificate expires: 2.0 days, under 3.0 days" in events[0]["payload"]["summary"]
    alerts = monitoring.alerts.all(owner, include_resolved=True)
    assert [(a.condition, a.state) for a in alerts] == [("cert_expiry", AlertState.RESOLVED)]
    assert monitoring.checks.get(owner, check_id).last_status is Status.OK
    history = monitoring.history(owner, check_id)
    assert [p.status for p in history] == [Status.OK, Status.OK, Status.OK]
    assert history[0].metrics["cert_days"] == pytest.approx(2, abs=0.1)


def test_a_service_is_down_only_after_two_failed_runs_and_comes_back(
    container: Container, owner: Actor, acme: str
) -> None:
    monitoring = container.monitoring
    check_id = _smtp_check(container, owner, free_port())

    assert monitoring.runner.run_round(owner).opened == 0
    assert monitoring.checks.get(owner, check_id).failures == 1
    assert monitoring.runner.run_round(owner).opened == 1

    (alert,) = monitoring.alerts.all(owner)
    assert (alert.condition, alert.severity) == ("down", Status.CRITICAL)
    assert alert.state is AlertState.OPEN
    assert "connection refused" in alert.message
    assert monitoring.checks.get(owner, check_id).last_status is Status.CRITICAL


def test_a_signed_webhook_and_a_receiver_that_is_down_for_a_while(
    container: Container, owner: Actor, acme: str, receiver: WebhookReceiver
) -> None:
    monitoring = container.monitoring
    secret = "whsec-" + "k" * 26
    monitoring.notifiers.add(
        owner, NotifierKind.WEBHOOK, "ops-hook", secret, workspace="Acme", url=receiver.url
    )
    _smtp_check(container, owner, free_port())
    receiver.server.down()
    monitoring.runner.run_round(owner)
    report = monitoring.runner.run_round(owner)  # opens "down"; the receiver is down

    assert (report.opened, report.delivered, report.failed_deliveries) == (1, 0, 1)
    (log,) = monitoring.notifiers.deliveries(owner)
    assert (log.delivered, log.attempts, log.status_code) == (False, 1, None)
    assert log.next_attempt_at is not None and log.error and secret not in log.error
    assert monitoring.runner.run_round(owner).checks == 1  # the checks go on

    receiver.server.up()
    sent, failed = monitoring.notifiers.deliver_due(owner, utcnow() + timedelta(hours=1))
    assert (sent, failed) == (1, 0)
    (request,) = receiver.state.received
    assert request.headers["x-penguin-event"] == "alert.triggered"
    signed = request.headers["x-penguin-signature"]
    assert verify_signature(secret, signed, request.body, time.time())
    assert request.json()["alert"]["condition"] == "down"
    (log,) = monitoring.notifiers.deliveries(owner)
    assert (log.delivered, log.attempts, log.status_code) == (True, 2, 200)


def test_who_may_change_checks_and_handle_alerts(
    container: Container, owner: Actor, acme: str
) -> None:
    monitoring = container.monitoring
    viewer = add_user(container, owner, "viewer@agency.test")
    member = add_user(container, owner, "member@agency.test")
    container.members.add(owner, "Acme", "viewer@agency.test", Role.VIEWER)
    container.members.add(owner, "Acme", "member@agency.test", Role.MEMBER)
    check_id = _smtp_check(container, owner, free_port())
    monitoring.runner.run_round(owner)
    monitoring.runner.run_round(owner)
    (alert,) = monitoring.alerts.all(viewer)

    with pytest.raises(PermissionDenied):
        monitoring.checks.set(viewer, check_id, CheckChange(interval=120))
    with pytest.raises(PermissionDenied):
        monitoring.alerts.acknowledge(viewer, alert.id)
    acked = monitoring.alerts.acknowledge(member, alert.id)
    assert (acked.state, acked.acknowledged_by) == (AlertState.ACKNOWLEDGED, "member@agency.test")
    with pytest.raises(ConflictError, match=r"already acknowledged by member@agency\.test"):
        monitoring.alerts.acknowledge(member, alert.id)
    with pytest.raises(ValidationError, match="default check"):
        monitoring.checks.remove(owner, monitoring.checks.all(owner, "Acme")[0].id)
