"""Checks, their results, alerts and notifiers as the faces and the adapters see them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class CheckKind(enum.StrEnum):
    SMTP = "smtp"
    SUBMISSION = "submission"
    SMTPS = "smtps"
    IMAPS = "imaps"
    HTTPS = "https"
    SSH_HEALTH = "ssh-health"
    DNS = "dns"
    BLACKLIST = "blacklist"


class TlsMode(enum.StrEnum):
    STARTTLS = "starttls"
    IMPLICIT = "implicit"
    NONE = "none"


class Status(enum.StrEnum):
    """Ordered from best to worst by `SEVERITY`; unknown means the check itself could not tell."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


SEVERITY = {Status.OK: 0, Status.UNKNOWN: 1, Status.WARNING: 2, Status.CRITICAL: 3}


def worst(statuses: list[Status]) -> Status:
    return max(statuses, key=SEVERITY.__getitem__, default=Status.OK)


@dataclass(frozen=True)
class Metric:
    """One measured figure: `name` is stable (`cert_days`, `latency_ms`, `queue_size`,
    `queue_oldest_s`, `disk_percent`, `load_per_cpu`, `memory_free_percent`, `listed`)."""

    name: str
    value: float
    unit: str = ""


@dataclass(frozen=True)
class ProbeResult:
    """What one run of one check found. `reachable` is False when the service did not answer
    at all (connection refused, timeout, TLS failure): the "down" condition counts those.
    `message` is plain words with what to do; `metrics` the measured figures."""

    status: Status
    message: str
    reachable: bool = True
    metrics: tuple[Metric, ...] = ()
    details: tuple[str, ...] = ()

    def metric(self, name: str) -> float | None:
        return next((m.value for m in self.metrics if m.name == name), None)


@dataclass(frozen=True)
class ServiceTarget:
    """Where a network check connects; `server_name` is the certificate name expected."""

    host: str
    port: int
    tls: TlsMode
    server_name: str
    timeout: float = 10.0


@dataclass(frozen=True)
class CheckInfo:
    id: int
    workspace: str
    kind: CheckKind
    target: str  # the server's or domain's name
    target_type: str  # "server" or "domain"
    port: int | None
    tls: TlsMode | None
    tls_name: str | None  # the certificate name expected, when not the server's host name
    interval: int  # seconds
    enabled: bool
    is_default: bool
    last_status: Status | None
    last_message: str | None
    last_run_at: datetime | None
    failures: int  # consecutive runs that did not reach the service
    # The check's own thresholds by condition (warning, critical), over the rules in force.
    thresholds: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultPoint:
    """One raw result (kept 7 days) or one hourly roll-up (kept a year)."""

    at: datetime
    status: Status
    message: str
    latency_ms: float | None
    metrics: dict[str, float] = field(default_factory=dict)


class AlertState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertEventKind(enum.StrEnum):
    TRIGGERED = "alert.triggered"
    ACKNOWLEDGED = "alert.acknowledged"
    RESOLVED = "alert.resolved"


@dataclass(frozen=True)
class AlertInfo:
    id: int
    workspace: str
    check_id: int
    check_kind: CheckKind
    target: str
    condition: str  # e.g. "cert_expiry", "down", "queue", "disk", "blacklisted", "dns"
    severity: Status  # warning or critical
    state: AlertState
    message: str
    dedup_key: str  # stable per check and condition: PagerDuty's dedup_key
    opened_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class AlertEvent:
    """What notifiers send: one alert's change of state."""

    kind: AlertEventKind
    alert: AlertInfo
    at: datetime


class NotifierKind(enum.StrEnum):
    PAGERDUTY = "pagerduty"
    WEBHOOK = "webhook"


@dataclass(frozen=True)
class DeliveryAttempt:
    """One try at one notifier: `status_code` is None when no HTTP answer came back."""

    ok: bool
    status_code: int | None
    error: str | None
    retryable: bool


@dataclass(frozen=True)
class NotifierInfo:
    id: int
    name: str
    kind: NotifierKind
    workspace: str | None  # None: the agency's, told of every workspace's alerts
    url: str | None  # the webhook's address; PagerDuty's events URL is a setting
    secret: str  # the name of the secret holding the routing key or signing secret
    enabled: bool


@dataclass(frozen=True)
class DeliveryInfo:
    """One line of a notifier's delivery log."""

    id: int
    notifier: str
    alert_id: int
    event: AlertEventKind
    attempts: int
    status_code: int | None
    error: str | None
    delivered: bool
    at: datetime
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Uptime:
    """Share of runs that reached the service, in percent; None when nothing ran then."""

    day: float | None
    week: float | None
    month: float | None


@dataclass(frozen=True)
class Tile:
    """A server or a domain on the Home page: its worst current status and why."""

    workspace: str
    target: str
    target_type: str  # "server" or "domain"
    status: Status | None  # None: never checked
    summary: str
    open_alerts: int
    uptime: Uptime


@dataclass(frozen=True)
class ExpiringCertificate:
    workspace: str
    target: str
    port: int
    days_left: float
    checked_at: datetime


@dataclass(frozen=True)
class DueSecret:
    workspace: str | None
    name: str
    due_at: datetime


@dataclass(frozen=True)
class SeriesPoint:
    at: datetime
    value: float


@dataclass(frozen=True)
class Series:
    """One line on a chart: a metric over time for one target (hourly roll-ups)."""

    metric: str  # latency_ms, queue_size, disk_percent, cert_days
    workspace: str
    target: str
    points: tuple[SeriesPoint, ...]


@dataclass(frozen=True)
class Dashboard:
    """Everything the Home page shows, read in one go; `workspaces` in display order."""

    workspaces: tuple[str, ...]
    tiles: tuple[Tile, ...]
    open_alerts: tuple[AlertInfo, ...]
    expiring: tuple[ExpiringCertificate, ...]
    due_secrets: tuple[DueSecret, ...]
    series: tuple[Series, ...]
    generated_at: datetime
