"""One of everything the core can make, for tests that look at every screen.

Whatever the services can make here is made through them: workspaces, members of every role,
a secret of every kind, DNS providers, domains (with their generated DKIM keys), mailboxes and
aliases on the loopback MailU, and a denial in the audit log. What needs a real remote first (a
server in each state of its life, a domain's DNS check, a domain attached to a MailU server, the
Stripe mirror as a sync leaves it) is written with the services' own tables and helpers, as
they would have left it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from penguin_desktop.container import Container
from penguin_desktop.core.domains import reports
from penguin_desktop.core.domains.dns.findings import (
    Category,
    CategoryScore,
    DomainReport,
    Finding,
    Severity,
)
from penguin_desktop.core.domains.models import ProviderKind
from penguin_desktop.core.domains.tables import SendingDomainRow
from penguin_desktop.core.monitoring import CheckKind, NotifierKind, TlsMode
from penguin_desktop.core.platform.errors import PenguinError
from penguin_desktop.core.platform.models import Actor, Face, Role
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.secrets.models import SecretKind
from penguin_desktop.core.secrets.tables import SecretRefRow
from penguin_desktop.core.servers import health, provisioning
from penguin_desktop.core.servers.models import Health, HealthCheck, HealthReport, ServerStatus
from penguin_desktop.core.servers.names import mailu_token_secret_name, ssh_key_secret_name
from penguin_desktop.core.servers.provision.steps import MailuPlan, mailu_steps
from penguin_desktop.core.servers.tables import ServerRow
from tests.servers.mailu import MailuServer

from . import billing_world, campaigns_world

PASSWORD = "correct horse battery staple"
WORKSPACE, OTHER, ARCHIVED = "Acme", "Globex", "Archived Co"
MAIL_DOMAIN = "client.test"
READY = "mx-ready"
FINGERPRINT = "SHA256:" + "A" * 43
OTHER_FINGERPRINT = "SHA256:" + "B" * 43
STEP_STATES = ("done", "running", "failed", "warning", "cancelled", "skipped")

SECRET_VALUES: dict[SecretKind, str] = {
    SecretKind.SSH_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n"
    "-----END OPENSSH PRIVATE KEY-----\n",
    SecretKind.DKIM_KEY: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
}


@dataclass(frozen=True)
class World:
    owner: Actor
    viewer: Actor
    domains: tuple[str, ...]
    servers: tuple[str, ...]
    mailboxes: tuple[str, ...]


def build(container: Container, owner: Actor, mailu: MailuServer) -> World:
    for name in (WORKSPACE, OTHER, ARCHIVED):
        container.workspaces.create(owner, name)
    viewer = _members(container, owner)
    _secrets(container, owner)
    servers = _servers(container, owner, mailu)
    domains = _domains(container, owner)
    mailboxes = _mailboxes(container, owner, mailu)
    _monitoring(container, owner)
    billing_world.build(container, WORKSPACE, OTHER, ARCHIVED)
    campaigns_world.build(container, owner, WORKSPACE)
    container.workspaces.archive(owner, ARCHIVED)
    with contextlib.suppress(PenguinError):  # a denial, audited as one
        container.secrets.reveal(viewer, WORKSPACE, "api_key-secret", "curious")
    return World(owner, viewer, domains, servers, mailboxes)


def _members(container: Container, owner: Actor) -> Actor:
    """A user of every role in the workspace; the viewer, signed in, for a denial."""
    for role in Role:
        email = f"{role.value}.member@agency.test"
        container.users.add(owner, email, PASSWORD, Role.MEMBER)
        container.members.add(owner, WORKSPACE, email, role)
    container.members.add(owner, OTHER, "viewer.member@agency.test", Role.VIEWER)
    return container.auth.login("viewer.member@agency.test", PASSWORD, Face.GUI)


def _secrets(container: Container, owner: Actor) -> None:
    """A secret of every kind, one of them due for rotation."""
    for kind in SecretKind:
        value = SECRET_VALUES.get(kind, f"value of a {kind.value}")
        container.secrets.set(owner, WORKSPACE, f"{kind.value}-secret", kind, value, 30)
    with container.db.write() as session:
        session.execute(
            update(SecretRefRow)
            .where(SecretRefRow.name == "smtp_password-secret")
            .values(last_rotated_at=utcnow() - timedelta(days=400))
        )


def _workspace_id(session: Session, name: str) -> int:
    return session.execute(select(WorkspaceRow.id).where(WorkspaceRow.name == name)).scalar_one()


def _servers(container: Container, owner: Actor, mailu: MailuServer) -> tuple[str, ...]:
    """A server in every state, each once without a check and once with one; the MailU-ready
    one answers on the loopback MailU."""
    key = SECRET_VALUES[SecretKind.SSH_KEY]
    container.secrets.set(owner, WORKSPACE, ssh_key_secret_name(READY), SecretKind.SSH_KEY, key)
    container.secrets.set(
        owner, WORKSPACE, mailu_token_secret_name(READY), SecretKind.API_KEY, mailu.state.token
    )
    names: list[str] = []
    steps = [step.name for step in mailu_steps()]
    states = {name: STEP_STATES[i % len(STEP_STATES)] for i, name in enumerate(steps)}
    plan = MailuPlan(READY, MAIL_DOMAIN, f"mail.{MAIL_DOMAIN}", "/mailu", mailu.base_url)
    healths = list(Health)
    with container.db.write() as session:
        ws = _workspace_id(session, WORKSPACE)
        for index, status in enumerate(ServerStatus):
            for checked in (False, True):
                name = (
                    READY
                    if status is ServerStatus.MAILU_READY and not checked
                    else (f"{status.value}-{'checked' if checked else 'new'}")
                )
                names.append(name)
                pending = status is ServerStatus.HOST_KEY_PENDING
                report = HealthReport(
                    WORKSPACE,
                    name,
                    healths[index % len(healths)],
                    [HealthCheck("ssh", True, "logged in"), HealthCheck("disk", False, "97% used")],
                    1.5,
                    "the last check found problems",
                )
                session.add(
                    ServerRow(
                        workspace_id=ws,
                        name=name,
                        ip=f"192.0.2.{10 + len(names)}",
                        hostname=f"{name}.{MAIL_DOMAIN}" if index % 2 else None,
                        ssh_key_secret=ssh_key_secret_name(READY),
                        host_key_fingerprint=None if pending else FINGERPRINT,
                        offered_fingerprint=OTHER_FINGERPRINT if pending else None,
                        mailu_url=mailu.base_url if status is ServerStatus.MAILU_READY else None,
                        mailu_token_secret=mailu_token_secret_name(READY),
                        mailu_version="2024.06" if status is ServerStatus.MAILU_READY else None,
                        status=status.value,
                        steps=provisioning.plan_json(plan, states) if index > 1 else "{}",
                        last_check_at=utcnow() if checked else None,
                        last_check=health.saved_form(report) if checked else "{}",
                    )
                )
    return tuple(names)


def _domains(container: Container, owner: Actor) -> tuple[str, ...]:
    """Unchecked, checked with a finding of every kind, published through a provider, and
    attached to the MailU server."""
    domains = container.domains
    domains.add_provider(owner, WORKSPACE, "by-hand", ProviderKind.MANUAL, {})
    domains.add_provider(
        owner,
        WORKSPACE,
        "bind",
        ProviderKind.RFC2136,
        {"server": "127.0.0.1:53", "key_name": "update-key"},
        "c2VjcmV0LXRzaWcta2V5LWZvci10ZXN0cw==",
    )
    ips = ["192.0.2.10", "2001:db8::10"]
    domains.add(owner, WORKSPACE, "unchecked.test", ips=ips, dkim_selectors=["pm"], lab=True)
    domains.add(owner, WORKSPACE, "checked.test", ips=ips, dkim_selectors=["pm"], lab=True)
    domains.add(owner, WORKSPACE, "provided.test", ips=ips, provider="bind", lab=True)
    domains.add(
        owner, WORKSPACE, MAIL_DOMAIN, ips=ips, report_address="dmarc@client.test", lab=True
    )
    findings = tuple(
        Finding(
            severity,
            f"{category.value}-{severity.value}",
            category,
            f"{category.value} says {severity.value}",
            f"publish the {category.value} record" if severity is not Severity.OK else "",
            inconclusive=category is Category.BLACKLIST,
        )
        for category in Category
        for severity in Severity
    )
    breakdown = tuple(
        CategoryScore(category, 10, 5.0, category is not Category.PTR, Severity.WARNING)
        for category in Category
    )
    with container.db.write() as session:
        reports.remember(
            session, [DomainReport(WORKSPACE, "checked.test", 61, findings, breakdown)]
        )
        server = session.execute(select(ServerRow.id).where(ServerRow.name == READY))
        session.execute(
            update(SendingDomainRow)
            .where(SendingDomainRow.name == MAIL_DOMAIN)
            .values(mail_server_id=server.scalar_one())
        )
    return ("unchecked.test", "checked.test", "provided.test", MAIL_DOMAIN)


def _mailboxes(container: Container, owner: Actor, mailu: MailuServer) -> tuple[str, ...]:
    from penguin_desktop.core.mailboxes.mailconn import MailServer, Tls
    from penguin_desktop.core.servers.mailu import MailuClient

    with MailuClient(mailu.base_url, mailu.state.token) as api:
        api.create_domain(MAIL_DOMAIN)
    boxes = container.mailboxes
    boxes.create(owner, f"ann@{MAIL_DOMAIN}", READY, WORKSPACE, 2048)
    boxes.create(owner, f"bob@{MAIL_DOMAIN}", READY, WORKSPACE)
    boxes.disable(owner, f"bob@{MAIL_DOMAIN}", WORKSPACE)
    boxes.add_alias(owner, f"sales@{MAIL_DOMAIN}", [f"ann@{MAIL_DOMAIN}"], READY, WORKSPACE)
    boxes.add_alias(
        owner,
        f"team@{MAIL_DOMAIN}",
        [f"ann@{MAIL_DOMAIN}", f"bob@{MAIL_DOMAIN}", "boss@elsewhere.test"],
        READY,
        WORKSPACE,
        "everyone",
    )
    smtp = MailServer("smtp.elsewhere.test", 587, Tls.STARTTLS, "carl@elsewhere.test")
    imap = MailServer("imap.elsewhere.test", 993, Tls.IMPLICIT, "carl@elsewhere.test")
    container.outside_mailboxes.connect(
        owner, WORKSPACE, "carl@elsewhere.test", smtp, imap, "an-app-password", daily_limit=30
    )
    container.sending.set_limits(owner, f"ann@{MAIL_DOMAIN}", WORKSPACE, warmup_start=5)
    container.sending.pause(owner, "carl@elsewhere.test", WORKSPACE, "SMTP login refused")
    return (f"ann@{MAIL_DOMAIN}", f"bob@{MAIL_DOMAIN}")


def _monitoring(container: Container, owner: Actor) -> None:
    """Default and added checks with a result of every status (raw and rolled up), alerts open,
    acknowledged and resolved, an agency and a workspace notifier with a failed delivery."""
    from penguin_desktop.core.monitoring import alerts, events, rules, series
    from penguin_desktop.core.monitoring.models import Metric, ProbeResult, Status
    from penguin_desktop.core.monitoring.tables import CheckRow
    from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow

    monitoring = container.monitoring
    monitoring.checks.ensure_defaults(owner)
    monitoring.checks.add(
        owner, WORKSPACE, CheckKind.SMTP, server=READY, port=2525, tls=TlsMode.STARTTLS,
        tls_name="mail.client.test",
    )  # fmt: skip
    monitoring.notifiers.add(
        owner, NotifierKind.WEBHOOK, "ops-hook", "w" * 32, workspace=WORKSPACE,
        url="http://127.0.0.1:9/hook",
    )  # fmt: skip
    monitoring.notifiers.add(owner, NotifierKind.PAGERDUTY, "oncall", "r" * 32)
    now = utcnow()
    results = [
        ProbeResult(Status.OK, "all good", metrics=(Metric("latency_ms", 12.0),
                    Metric("cert_days", 80.0))),
        ProbeResult(Status.WARNING, "AUTH not offered", metrics=(Metric("cert_days", 2.0),)),
        ProbeResult(Status.CRITICAL, "connection refused", reachable=False),
        ProbeResult(Status.UNKNOWN, "some figures could not be read",
                    metrics=(Metric("disk_percent", 91.0), Metric("queue_size", 600.0))),
    ]  # fmt: skip
    with container.db.write() as session:
        ws = session.execute(select(WorkspaceRow).where(WorkspaceRow.name == WORKSPACE))
        workspace = ws.scalar_one()
        checks = session.execute(
            select(CheckRow).where(CheckRow.workspace_id == workspace.id).order_by(CheckRow.id)
        ).scalars()
        changes = []
        for row, result in zip(checks, results, strict=False):
            series.record(session, row.id, result, now)
            row.last_status, row.last_message, row.last_run_at = result.status, result.message, now
            verdict = rules.Verdict(rules.Condition.SERVICE, Status.CRITICAL, result.message)
            if result.status is not Status.OK:
                changes += alerts.apply(session, owner, workspace, row, READY, [verdict], now)
        events.queue(session, changes, now)
    open_alerts = monitoring.alerts.all(owner)
    monitoring.alerts.acknowledge(owner, open_alerts[0].id)
    monitoring.alerts.resolve(owner, open_alerts[-1].id)
