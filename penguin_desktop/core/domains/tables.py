"""Sending domains, their DKIM keys and the DNS providers that write them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    column,
    table,
)
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow


class DnsProviderRow(Base):
    """Where a workspace's DNS fixes are written; credentials only as a secret reference."""

    __tablename__ = "dns_providers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[str] = mapped_column(Text, default="{}")
    credential_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_dns_providers_ws_name", "workspace_id", "name", unique=True),)


class SendingDomainRow(Base):
    """A domain a workspace sends from; lists are JSON text (small, always read whole)."""

    __tablename__ = "sending_domains"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(253))
    mail_hosts: Mapped[str] = mapped_column(Text, default="[]")
    server_ips: Mapped[str] = mapped_column(Text, default="[]")
    dmarc_policy: Mapped[str] = mapped_column(String(16), default="quarantine")
    report_address: Mapped[str | None] = mapped_column(String(254), nullable=True)
    mta_sts_mode: Mapped[str] = mapped_column(String(16), default="testing")
    autoconfig: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_id: Mapped[int | None] = mapped_column(
        ForeignKey("dns_providers.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_worst: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_worst_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The last check's findings and breakdown as JSON (core.domains.dns.findings.report_to_json), so
    # the console can show them after a restart without asking DNS again.
    last_report: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    # The MailU server the domain was attached to (`penguin domain attach`).
    mail_server_id: Mapped[int | None] = mapped_column(
        ForeignKey("servers.id", ondelete="SET NULL", name="fk_sending_domains_mail_server"),
        nullable=True,
    )

    __table_args__ = (Index("ux_sending_domains_ws_name", "workspace_id", "name", unique=True),)


class DkimKeyRow(Base):
    """A DKIM selector's public key; a generated private key lives in the secret store."""

    __tablename__ = "dkim_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain_id: Mapped[int] = mapped_column(ForeignKey("sending_domains.id", ondelete="CASCADE"))
    selector: Mapped[str] = mapped_column(String(63))
    public_key: Mapped[str] = mapped_column(Text)
    bits: Mapped[int | None] = mapped_column(Integer, nullable=True)
    private_key_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_dkim_keys_domain_selector", "domain_id", "selector", unique=True),)


# The servers table as far as a domain's link to its mail server reads it (the foreign key
# above). Servers depend on domains, not the other way round, so domains names the table as the
# foreign key does instead of importing the servers' mapping.
MAIL_SERVERS = table(
    "servers",
    column("id", Integer),
    column("workspace_id", Integer),
    column("name", String),
    column("ip", String),
    column("hostname", String),
)
