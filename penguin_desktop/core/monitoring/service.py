"""The monitoring capability's door: its services built once over the same database, secrets,
servers and domains, as the faces use them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from penguin_desktop.core.monitoring import series
from penguin_desktop.core.monitoring.alerts import AlertService
from penguin_desktop.core.monitoring.checks import CheckService
from penguin_desktop.core.monitoring.dashboard import DashboardService
from penguin_desktop.core.monitoring.models import ResultPoint
from penguin_desktop.core.monitoring.notify import NotifierService, queue
from penguin_desktop.core.monitoring.rule_settings import RuleService
from penguin_desktop.core.monitoring.runner import MonitorRunner
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
from penguin_desktop.core.secrets import SecretService

if TYPE_CHECKING:
    from penguin_desktop.core.domains import DomainService
    from penguin_desktop.core.servers import ServerService

DEFAULT_HISTORY = timedelta(hours=24)


class MonitoringService(Service):
    """`checks`, `rules`, `alerts`, `notifiers`, `runner` and `dashboard`, plus the history of
    one check and the agency's two settings."""

    def __init__(
        self, db: Database, secrets: SecretService, servers: ServerService, domains: DomainService
    ) -> None:
        super().__init__(db)
        self.checks = CheckService(db)
        self.rules = RuleService(db)
        self.notifiers = NotifierService(db, secrets)
        self.alerts = AlertService(db, queue)
        self.runner = MonitorRunner(db, self.checks, servers, domains, self.notifiers)
        self.dashboard = DashboardService(db, secrets)

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
