"""Notifiers as the agency keeps them (secrets in the store, never in the database, gone with
the notifier), and a server still waiting for its host key to be accepted: not "down"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.monitoring import CheckChange, CheckKind, NotifierKind, Status
from penguin_desktop.core.platform.errors import ConflictError, PermissionDenied, ValidationError
from penguin_desktop.core.platform.models import Actor, Role
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets import BackendKind
from penguin_desktop.core.servers import ServerRow
from tests.conftest import add_user
from tests.servers.common import free_port
from tests.servers.webhook_receiver import WebhookReceiver

ROUTING_KEY = "R" * 32


def test_an_agency_notifier_keeps_its_key_in_the_store_until_removed(
    container: Container, owner: Actor
) -> None:
    notifiers = container.monitoring.notifiers
    added = notifiers.add(owner, NotifierKind.PAGERDUTY, "oncall", ROUTING_KEY)
    backend = container.secrets.system_backend()

    assert (added.workspace, added.secret) == (None, "notifier-oncall")
    assert container.secrets.system_secret(added.secret, backend, "test") == ROUTING_KEY
    assert ROUTING_KEY not in repr(notifiers.all(owner))
    with pytest.raises(ConflictError, match="already exists"):
        notifiers.add(owner, NotifierKind.PAGERDUTY, "oncall", ROUTING_KEY)

    notifiers.remove(owner, "oncall")
    assert notifiers.all(owner) == []
    assert container.secrets.system_secret(added.secret, BackendKind(backend), "test") is None


def test_bad_notifiers_are_refused_with_the_field_at_fault(
    container: Container, owner: Actor
) -> None:
    notifiers = container.monitoring.notifiers
    container.workspaces.create(owner, "Acme")
    member = add_user(container, owner, "m@agency.test")
    container.members.add(owner, "Acme", "m@agency.test", Role.MANAGER)
    cases = [
        (lambda: notifiers.add(owner, NotifierKind.PAGERDUTY, "pd", "short"), "routing_key"),
        (lambda: notifiers.add(owner, NotifierKind.WEBHOOK, "h", "s" * 20, url="ftp://x"), "url"),
        (lambda: notifiers.add(owner, NotifierKind.WEBHOOK, "a b", "s", url="http://a"), "name"),
    ]  # fmt: skip
    for attempt, field in cases:
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.field == field
    with pytest.raises(PermissionDenied):
        notifiers.add(member, NotifierKind.WEBHOOK, "h", "s" * 20, workspace="Acme",
                      url="https://hooks.example/x")  # fmt: skip


def test_a_server_waiting_for_its_host_key_is_unknown_never_down(
    container: Container, owner: Actor
) -> None:
    container.workspaces.create(owner, "Acme")
    with container.db.write() as session:
        ws = session.execute(select(WorkspaceRow).where(WorkspaceRow.name == "Acme")).scalar_one()
        session.add(ServerRow(workspace_id=ws.id, name="mx1", ip="127.0.0.1", ssh_key_secret="k"))
    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        if check.kind is not CheckKind.SSH_HEALTH:
            monitoring.checks.set(owner, check.id, CheckChange(enabled=False))
    for _ in range(3):
        monitoring.runner.run_round(owner)

    (check,) = [c for c in monitoring.checks.all(owner, "Acme") if c.enabled]
    assert (check.last_status, check.failures) == (Status.UNKNOWN, 0)
    assert "host key is not accepted yet" in (check.last_message or "")
    assert monitoring.alerts.all(owner) == []


def test_the_pagerduty_url_and_ca_bundle_are_settings_the_environment_overrides(
    container: Container, owner: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitoring = container.monitoring
    fresh = monitoring.settings(owner)
    assert (fresh.pagerduty_url, fresh.pagerduty_url_from) == (
        "https://events.pagerduty.com/v2/enqueue", "default",
    )  # fmt: skip
    assert (fresh.ca_bundle, fresh.ca_bundle_from) == (None, "none")
    with pytest.raises(ValidationError) as refused:
        monitoring.set_settings(owner, ca_bundle=str(tmp_path / "missing.pem"))
    assert refused.value.field == "ca_bundle"
    saved = monitoring.set_settings(owner, pagerduty_url="https://pd.proxy.example/v2/enqueue")
    assert saved.pagerduty_url_from == "setting"
    monkeypatch.setenv("PENGUIN_PAGERDUTY_EVENTS_URL", "http://127.0.0.1:9/v2/enqueue")
    now = monitoring.settings(owner)
    assert (now.pagerduty_url, now.pagerduty_url_from) == (
        "http://127.0.0.1:9/v2/enqueue", "environment",
    )  # fmt: skip


def test_a_checks_own_thresholds_and_back_to_the_rule(container: Container, owner: Actor) -> None:
    container.workspaces.create(owner, "Acme")
    container.domains.add(owner, "Acme", "client.test", ips=["127.0.0.1"], lab=True)
    checks = container.monitoring.checks
    checks.ensure_defaults(owner)
    (dns,) = [c for c in checks.all(owner, "Acme") if c.kind is CheckKind.BLACKLIST]

    own = checks.set(owner, dns.id, CheckChange(thresholds={"blacklisted": (None, 2)}))
    assert own.thresholds == {"blacklisted": (None, 2)}
    with pytest.raises(ValidationError) as refused:
        checks.set(owner, dns.id, CheckChange(thresholds={"disk": (80, 90)}))
    assert refused.value.field == "threshold"
    back = checks.set(owner, dns.id, CheckChange(thresholds={"blacklisted": (None, None)}))
    assert back.thresholds == {}


def test_a_muted_notifier_is_owed_nothing_until_turned_back_on(
    container: Container, owner: Actor, receiver: WebhookReceiver
) -> None:
    container.workspaces.create(owner, "Acme")
    notifiers = container.monitoring.notifiers
    notifiers.add(owner, NotifierKind.WEBHOOK, "hook", "s" * 32, workspace="Acme", url=receiver.url)
    with container.db.write() as session:
        ws = session.execute(select(WorkspaceRow).where(WorkspaceRow.name == "Acme")).scalar_one()
        session.add(ServerRow(workspace_id=ws.id, name="mx1", ip="127.0.0.1", ssh_key_secret="k"))
    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        enabled = check.kind is CheckKind.SMTP
        monitoring.checks.set(
            owner, check.id, CheckChange(enabled=enabled, port=free_port() if enabled else None)
        )

    assert notifiers.set_enabled(owner, "hook", False).enabled is False
    monitoring.runner.run_round(owner)
    assert monitoring.runner.run_round(owner).opened == 1
    assert notifiers.deliveries(owner) == [] and receiver.state.received == []

    assert notifiers.set_enabled(owner, "hook", True).enabled is True
    (alert,) = monitoring.alerts.all(owner)
    monitoring.alerts.acknowledge(owner, alert.id)
    monitoring.notifiers.deliver_due(owner)
    (request,) = receiver.state.received
    assert request.headers["x-penguin-event"] == "alert.acknowledged"
