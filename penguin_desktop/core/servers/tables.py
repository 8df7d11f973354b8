"""Mail servers: address, pinned host key, status and the last health check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow
from penguin_desktop.core.servers.models import ServerStatus


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
    status: Mapped[str] = mapped_column(String(32), default=ServerStatus.HOST_KEY_PENDING.value)
    steps: Mapped[str] = mapped_column(Text, default="{}")
    last_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_check: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ux_servers_ws_name", "workspace_id", "name", unique=True),)
