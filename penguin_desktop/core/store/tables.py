"""SQLAlchemy 2 mappings of the workspace database.

Secrets never have a column here; later capabilities store only references to them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class MetaRow(Base):
    """Marks the database as ours (`application` key) and keeps small settings."""

    __tablename__ = "penguin_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OrganizationRow(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    org_role: Mapped[str] = mapped_column(String(16))
    idle_timeout_minutes: Mapped[int] = mapped_column(Integer, default=30)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures_counted_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WorkspaceRow(Base):
    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MembershipRow(Base):
    __tablename__ = "memberships"
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginEventRow(Base):
    __tablename__ = "login_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    email: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    face: Mapped[str] = mapped_column(String(16))
    success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_login_events_user_at", "user_id", "at"),)


class AuditEventRow(Base):
    """One link of the append-only hash chain.

    `ts` is ISO-8601 UTC text so the canonical form hashes identically on every database.
    `seq` is assigned from the chain head, never by the database, so a gap means a deletion.
    """

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254))
    face: Mapped[str] = mapped_column(String(16))
    workspace_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    workspace: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_workspace_seq", "workspace_id", "seq"),
        Index("ix_audit_actor_seq", "actor", "seq"),
        Index("ix_audit_action_seq", "action", "seq"),
        Index("ix_audit_ts", "ts"),
    )


class AuditHeadRow(Base):
    """The single row holding the chain's tip: the lock writers queue on, and a witness that
    catches a truncated tail during verification."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class SecretBackendRow(Base):
    """The secret store chosen for the organization (`scope` "org") or one workspace
    ("ws:<id>"), with its non-secret settings (Vault address, mount, namespace, role ID)."""

    __tablename__ = "secret_backends"
    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    settings: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(254))


class SecretRefRow(Base):
    """A reference to a secret value held by a secret store; never the value itself."""

    __tablename__ = "secret_refs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    locator: Mapped[str] = mapped_column(String(96), unique=True)
    backend: Mapped[str] = mapped_column(String(16))
    backend_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    leftover_backend: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rotation_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_accessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ux_secret_refs_ws_name", "workspace_id", "name", unique=True),)


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
    # The last check's findings and breakdown as JSON (core.dns.findings.report_to_json), so
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


class ServerRow(Base):
    """A mail server of a workspace. SSH and MailU credentials only as secret references; the
    pinned host key as its SHA256 fingerprint (`offered_fingerprint` awaits acceptance)."""

    __tablename__ = "servers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(32), default="existing")
    provider_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str] = mapped_column(String(45))
    hostname: Mapped[str | None] = mapped_column(String(253), nullable=True)
    ssh_port: Mapped[int] = mapped_column(Integer, default=22)
    ssh_user: Mapped[str] = mapped_column(String(32), default="root")
    ssh_key_secret: Mapped[str] = mapped_column(String(128))
    host_key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    offered_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mailu_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    mailu_url: Mapped[str | None] = mapped_column(String(300), nullable=True)
    mailu_token_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)
    mailu_dir: Mapped[str] = mapped_column(String(300), default="/mailu")
    status: Mapped[str] = mapped_column(String(32), default="new")
    steps: Mapped[str] = mapped_column(Text, default="{}")
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_check: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_servers_ws_name", "workspace_id", "name", unique=True),)


class MailboxRow(Base):
    """A MailU user (mailbox) on one of the workspace's servers; its password only as a secret
    reference."""

    __tablename__ = "mailboxes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    quota_mb: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    password_secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_mailboxes_ws_email", "workspace_id", "email", unique=True),)
