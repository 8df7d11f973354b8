"""Consent and jurisdiction: each workspace's sender details (postal address, unsubscribe
link), the countries whose law asks for prior consent even for B2B email (a table the agency
edits, seeded with DE, NL, HR and RO), and `consent_blocks`, which the send engine asks about
every lead before mailing it."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import fields
from penguin_desktop.core.campaigns.models import ComplianceInfo, ConsentCountry, LawfulBasis, Lead
from penguin_desktop.core.campaigns.tables import ComplianceRow, ConsentCountryRow
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import utcnow


def consent_countries(session: Session) -> frozenset[str]:
    return frozenset(
        session.execute(
            select(ConsentCountryRow.country).where(ConsentCountryRow.needs_consent.is_(True))
        ).scalars()
    )


def consent_blocks(lead: Lead, needs_consent: frozenset[str]) -> str | None:
    """Why the lead may not be mailed for want of consent, or None: its country asks for prior
    consent and its lawful basis is not consent. `needs_consent` comes from
    `ComplianceService.consent_countries()`, read once per send run."""
    if lead.country in needs_consent and lead.lawful_basis != LawfulBasis.CONSENT:
        return (
            f"{lead.country} requires prior consent for email and the lead's lawful basis is "
            f"{lead.lawful_basis or 'not recorded'}"
        )
    return None


def _check_url(url: str) -> str:
    value = url.strip()
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or " " in value:
        raise ValidationError(
            f"{value!r} is not an https address", field="unsubscribe_url", value=value
        )
    return value


class ComplianceService(Service):
    def set(
        self, actor: Actor, workspace: str, postal_address: str, unsubscribe_url: str
    ) -> ComplianceInfo:
        """Keep the postal address and unsubscribe link every email of the workspace carries."""
        address = postal_address.strip()
        if not address:
            raise ValidationError("the postal address may not be empty", field="postal_address")
        url = _check_url(unsubscribe_url)
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.COMPLIANCE_SET, writable=True
            )
            row = session.get(ComplianceRow, ws.id) or ComplianceRow(workspace_id=ws.id)
            row.postal_address, row.unsubscribe_url = address, url
            row.updated_at, row.updated_by = utcnow(), actor.email
            session.add(row)
            self._audit(session, actor, "compliance.set", f"workspace:{ws.name}", ws,
                        postal_address=address, unsubscribe_url=url)  # fmt: skip
            session.flush()
            return ComplianceInfo(ws.name, address, url, row.updated_at)

    def settings(self, actor: Actor, workspace: str) -> ComplianceInfo:
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.LEAD_READ)
            row = session.get(ComplianceRow, ws.id)
            if row is None:
                raise NotFoundError(f"workspace {ws.name!r} has no postal address set yet")
            return ComplianceInfo(ws.name, row.postal_address, row.unsubscribe_url, row.updated_at)

    def consent_countries(self) -> frozenset[str]:
        with self.db.read() as session:
            return consent_countries(session)

    def countries(self, actor: Actor) -> list[ConsentCountry]:
        with self._reading(actor) as session:
            rows = session.execute(select(ConsentCountryRow).order_by(ConsentCountryRow.country))
            return [ConsentCountry(r.country, r.needs_consent) for r in rows.scalars()]

    def set_country(self, actor: Actor, country: str, needs_consent: bool) -> ConsentCountry:
        code = fields.country(country)
        if code is None:
            raise ValidationError(
                f"{country.strip()!r} is not an ISO 3166 country code", field="country"
            )
        with self._writing(actor) as session:
            self._require_org(actor, Permission.COMPLIANCE_COUNTRIES, f"country:{code}")
            row = session.get(ConsentCountryRow, code) or ConsentCountryRow(country=code)
            row.needs_consent = needs_consent
            session.add(row)
            self._audit(session, actor, "compliance.country", f"country:{code}",
                        needs_consent=needs_consent)  # fmt: skip
            return ConsentCountry(code, needs_consent)
