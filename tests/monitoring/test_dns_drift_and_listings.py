"""The monitor's DNS and blocklist checks against a real BIND: a record that was right and
goes wrong opens an alert, and resolves it when put back; an address and a domain on a local
DNSBL zone are critical, naming the list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from penguin_desktop.container import Container
from penguin_desktop.core.monitoring import CheckChange, CheckKind, Status
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.servers import ServerRow
from tests.servers.bind import BindServer, reset_records
from tests.servers.dns_zones import BLOCKLISTS, LISTED_IP, REPORTS, SERVER_IP

RIGHT_SPF = f'@ TXT "v=spf1 ip4:{SERVER_IP} ~all"'
DRIFTED_SPF = '@ TXT "v=spf1 ip4:198.51.100.1 -all"'


@pytest.fixture
def dns(bind: BindServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BindServer:
    lists = tmp_path / "blocklists.json"
    lists.write_text(json.dumps(BLOCKLISTS))
    monkeypatch.setenv("PENGUIN_DNS_NAMESERVER", bind.address)
    monkeypatch.setenv("PENGUIN_DNSBL_FILE", str(lists))
    return bind


def _only(container: Container, owner: Actor, kind: CheckKind) -> None:
    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    for check in monitoring.checks.all(owner, "Acme"):
        monitoring.checks.set(owner, check.id, CheckChange(enabled=check.kind is kind))


def test_a_record_that_drifts_alerts_then_resolves_when_put_back(
    container: Container, owner: Actor, dns: BindServer
) -> None:
    reset_records(dns, "drift.test", ("drift.test",), RIGHT_SPF)
    container.workspaces.create(owner, "Acme")
    container.domains.add(
        owner, "Acme", "drift.test", ips=[SERVER_IP], report_address=REPORTS, lab=True
    )
    _only(container, owner, CheckKind.DNS)
    runner, alerts = container.monitoring.runner, container.monitoring.alerts
    try:
        assert runner.run_round(owner).statuses == {"ok": 1}
        reset_records(dns, "drift.test", ("drift.test",), DRIFTED_SPF)
        drifted = runner.run_round(owner)
        (alert,) = alerts.all(owner)
        reset_records(dns, "drift.test", ("drift.test",), RIGHT_SPF)
        back = runner.run_round(owner)
    finally:
        reset_records(dns, "drift.test", ("drift.test",), RIGHT_SPF)

    assert (drifted.opened, back.resolved) == (1, 1)
    assert (alert.condition, alert.target) == ("dns", "drift.test")
    assert alert.severity in (Status.WARNING, Status.CRITICAL)
    assert "SPF" in alert.message and SERVER_IP in alert.message
    assert alerts.all(owner) == []


def test_a_listed_address_and_domain_are_critical_and_name_the_list(
    container: Container, owner: Actor, dns: BindServer
) -> None:
    container.workspaces.create(owner, "Acme")
    with container.db.write() as session:  # a server row as adoption leaves it
        ws = session.execute(select(WorkspaceRow).where(WorkspaceRow.name == "Acme")).scalar_one()
        session.add(ServerRow(workspace_id=ws.id, name="mx9", ip=LISTED_IP, ssh_key_secret="k"))
        session.add(ServerRow(workspace_id=ws.id, name="mx1", ip=SERVER_IP, ssh_key_secret="k"))
    container.domains.add(owner, "Acme", "listed.test", ips=[SERVER_IP], lab=True)
    _only(container, owner, CheckKind.BLACKLIST)

    report = container.monitoring.runner.run_round(owner)

    assert report.statuses == {"critical": 2, "ok": 1}
    by_target = {c.target: c for c in container.monitoring.checks.all(owner, "Acme") if c.enabled}
    assert "192.0.2.66 on Test ZEN" in (by_target["mx9"].last_message or "")
    assert "listed.test on Test DBL" in (by_target["listed.test"].last_message or "")
    assert by_target["mx1"].last_status is Status.OK
    assert {a.condition for a in container.monitoring.alerts.all(owner)} == {"blacklisted"}
