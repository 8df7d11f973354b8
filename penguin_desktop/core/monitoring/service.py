"""The monitoring capability's door: its services built on first use over the same database,
secrets, servers and domains, as the faces use them. Lazily, because the console opens on Home,
which needs the dashboard and the alerts only: the runner's probes load dnspython, paramiko
(through the servers) and httpx, which would double the console's start-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from penguin_desktop.core.monitoring import series
from penguin_desktop.core.monitoring.alerts import AlertService
from penguin_desktop.core.monitoring.checks import CheckService
from penguin_desktop.core.monitoring.dashboard import DashboardService
from penguin_desktop.core.monitoring.events import queue
from penguin_desktop.core.monitoring.models import ResultPoint
from penguin_desktop.core.monitoring.rule_settings import RuleService
from penguin_desktop.core.monitoring.settings import (
    CA_KEY,
    PAGERDUTY_KEY,
    MonitorSettings,
    validate_ca_bundle,
    validate_url,
)
from penguin_desktop.core.monitoring.settings import read as read_settings
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.settings import store
from penguin_desktop.core.platform.store.tables import utcnow

if TYPE_CHECKING:
    from penguin_desktop.core.domains import DomainService
    from penguin_desktop.core.monitoring.notify import NotifierService
    from penguin_desktop.core.monitoring.runner import MonitorRunner
    from penguin_desktop.core.secrets import SecretService
    from penguin_desktop.core.servers import ServerService

DEFAULT_HISTORY = timedelta(hours=24)


class MonitoringService(Service):
    """`checks`, `rules`, `alerts`, `notifiers`, `runner` and `dashboard`, plus the history of
    one check and the agency's two settings."""

    def __init__(
        self,
        db: Database,
        secrets: Callable[[], SecretService],
        servers: Callable[[], ServerService],
        domains: Callable[[], DomainService],
    ) -> None:
        super().__init__(db)
        self._secrets, self._servers, self._domains = secrets, servers, domains
        self.checks = CheckService(db)
        self.rules = RuleService(db)
        self.alerts = AlertService(db, queue)
        self.dashboard = DashboardService(db, secrets)

    @cached_property
    def notifiers(self) -> NotifierService:
        from penguin_desktop.core.monitoring.notify import NotifierService

        return NotifierService(self.db, self._secrets())

    @cached_property
    def runner(self) -> MonitorRunner:
        from penguin_desktop.core.monitoring.runner import MonitorRunner

        return MonitorRunner(self.db, self.checks, self._servers(), self._domains(), self.notifiers)

    def history(
        self, actor: Actor, check_id: int, since: datetime | None = None
    ) -> list[ResultPoint]:
        now = utcnow()
        with self._reading(actor) as session:
            _, row = self.checks.row(session, actor, check_id, Permission.MONITOR_READ)
            return series.history(session, row.id, since or now - DEFAULT_HISTORY, now)

    def settings(self, actor: Actor) -> MonitorSettings:
        with self.db.read() as session:
            return read_settings(session)

    def set_settings(
        self,
        actor: Actor,
        *,
        ca_bundle: str | None = None,
        clear_ca_bundle: bool = False,
        pagerduty_url: str | None = None,
    ) -> MonitorSettings:
        """Save the agency's CA bundle (a PEM file) and PagerDuty events URL."""
        ca = str(validate_ca_bundle(ca_bundle)) if ca_bundle else None
        url = validate_url(pagerduty_url) if pagerduty_url else None
        with self._writing(actor) as session:
            self._require_org(actor, Permission.ALERT_RULE_AGENCY, "monitor:settings")
            changed: dict[str, object] = {}
            if ca is not None or clear_ca_bundle:
                changed["ca_bundle"] = [store(session, CA_KEY, ca), ca]
            if url is not None:
                changed["pagerduty_url"] = [store(session, PAGERDUTY_KEY, url), url]
            self._audit(session, actor, "monitor.settings", "monitor:settings", None, **changed)
            return read_settings(session)
