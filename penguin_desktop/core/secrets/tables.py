"""Secret references and backend choices: names and places, never values."""

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
