"""Checks, their results as time series, alert rules, alerts, notifiers and their delivery log.

Results are observations, not user writes: they are kept as time series (raw rows for 7 days,
hourly roll-ups for a year, daily roll-ups for the uptime figures) and not audited one by one;
what a person or the monitor decides (a check added, an alert opened or acknowledged, a notifier
added) is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow


class CheckRow(Base):
    """One check of one server or domain. `state` keeps what a check must remember between runs
    as JSON (the DNS categories that were once right, the recent statuses for flapping)."""

    __tablename__ = "monitor_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    server_id: Mapped[int | None] = mapped_column(
        ForeignKey("servers.id", ondelete="CASCADE"), nullable=True
    )
    domain_id: Mapped[int | None] = mapped_column(
        ForeignKey("sending_domains.id", ondelete="CASCADE"), nullable=True
    )
    port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tls: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The name the certificate must carry, when not the server's host name (a mail host name
    # of the client's own, say).
    tls_name: Mapped[str | None] = mapped_column(String(253), nullable=True)
    interval_s: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    thresholds: Mapped[str] = mapped_column(Text, default="{}")
    state: Mapped[str] = mapped_column(Text, default="{}")
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_monitor_checks_ws", "workspace_id"),
        Index("ix_monitor_checks_due", "enabled", "next_due_at"),
    )


class ResultRow(Base):
    """One run of one check, kept 7 days."""

    __tablename__ = "monitor_results"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("monitor_checks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    reachable: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    metrics: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (
        Index("ix_monitor_results_check_at", "check_id", "at"),
        Index("ix_monitor_results_at", "at"),
    )


class RollupRow(Base):
    """A check's runs over one hour (`period` "h", kept a year) or one day (`period` "d"):
    counts for uptime, the worst status, and the mean of every metric as JSON."""

    __tablename__ = "monitor_rollups"
    check_id: Mapped[int] = mapped_column(
        ForeignKey("monitor_checks.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(1), primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    runs: Mapped[int] = mapped_column(Integer)
    reached: Mapped[int] = mapped_column(Integer)
    ok: Mapped[int] = mapped_column(Integer)
    worst: Mapped[str] = mapped_column(String(16))
    metrics: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (Index("ix_monitor_rollups_period_start", "period", "start"),)


class AlertRuleRow(Base):
    """A change to an alert rule's default, for the agency (no workspace) or one workspace."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    condition: Mapped[str] = mapped_column(String(32))
    warning: Mapped[float | None] = mapped_column(Float, nullable=True)
    critical: Mapped[float | None] = mapped_column(Float, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_alert_rules_ws_condition", "workspace_id", "condition"),)


class AlertRow(Base):
    """One alert: open, acknowledged (by whom, when) or resolved. At most one not resolved per
    check and condition, which the database itself refuses to break."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    check_id: Mapped[int] = mapped_column(ForeignKey("monitor_checks.id", ondelete="CASCADE"))
    condition: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="open")
    message: Mapped[str] = mapped_column(Text)
    dedup_key: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_by: Mapped[str | None] = mapped_column(String(254), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index(
            "ux_alerts_one_open",
            "check_id",
            "condition",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
        Index("ix_alerts_ws_state", "workspace_id", "state"),
    )


class NotifierRow(Base):
    """Where alerts go; the routing key or signing secret only as a secret reference."""

    __tablename__ = "notifiers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    secret: Mapped[str] = mapped_column(String(128))
    # The agency's notifiers keep their secret in the organization's store: which one.
    secret_backend: Mapped[str | None] = mapped_column(String(16), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_notifiers_name", "name", unique=True),)


class DeliveryRow(Base):
    """One alert event owed to one notifier, with its attempts: the delivery log. `body` is
    the event as sent (no secret in it), so every retry sends the same event."""

    __tablename__ = "notifier_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notifier_id: Mapped[int] = mapped_column(ForeignKey("notifiers.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_notifier_deliveries_due", "delivered", "next_attempt_at"),)
