"""Campaigns' tables: leads, lead lists, the suppression list, the consent countries and each
workspace's compliance settings.

A lead's `email` is kept normalized to lower case, so the unique (workspace, email) index is the
case-insensitive duplicate check. `consent_at` is kept as ISO 8601 text as the source gave it
(normalized): it is evidence, read by people, and an import of a million rows writes it through
the driver without a datetime conversion per row. Custom fields are one JSON map per lead."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from penguin_desktop.core.campaigns.models import Lead
from penguin_desktop.core.platform.store.tables import Base, UTCDateTime, utcnow

EMAIL = 320


class LeadRow(Base):
    __tablename__ = "leads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(EMAIL))
    first_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    company: Mapped[str | None] = mapped_column(String(255), nullable=True)
    title: Mapped[str | None] = mapped_column(String(255), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    website: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    lawful_basis: Mapped[str | None] = mapped_column(String(24), nullable=True)
    consent_source: Mapped[str | None] = mapped_column(String(255), nullable=True)
    consent_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    custom_json: Mapped[str] = mapped_column(Text, default="{}")

    __table_args__ = (UniqueConstraint("workspace_id", "email", name="ux_leads_ws_email"),)

    def as_lead(self, workspace: str, custom: dict[str, str]) -> Lead:
        return Lead(
            self.id, workspace, self.email, self.first_name, self.last_name, self.company,
            self.title, self.phone, self.website, self.country, self.lawful_basis,
            self.consent_source, self.consent_at, custom,
        )  # fmt: skip


class LeadListRow(Base):
    __tablename__ = "lead_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128))
    name_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("workspace_id", "name_key", name="ux_lead_lists_ws_name"),)


class LeadListMemberRow(Base):
    __tablename__ = "lead_list_members"
    list_id: Mapped[int] = mapped_column(
        ForeignKey("lead_lists.id", ondelete="CASCADE"), primary_key=True
    )
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_lead_list_members_lead", "lead_id"),)


class SuppressionRow(Base):
    """An address, a whole domain, or (after an erasure) the SHA-256 of an address that must not
    be mailed; `workspace_id` None is agency-wide. `value` is lower case (a hash in hex)."""

    __tablename__ = "suppressions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(EMAIL))
    reason: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(320), default="")

    __table_args__ = (Index("ix_suppressions_value", "value"),)


class ConsentCountryRow(Base):
    """A country whose law asks for prior consent even for B2B email (a setting, not code)."""

    __tablename__ = "consent_countries"
    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    needs_consent: Mapped[bool] = mapped_column(Boolean, default=True)


class ComplianceRow(Base):
    """What every email of a workspace must carry: the sender's postal address and the
    unsubscribe link."""

    __tablename__ = "compliance_settings"
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    postal_address: Mapped[str] = mapped_column(Text)
    unsubscribe_url: Mapped[str] = mapped_column(String(2000))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320), default="")
