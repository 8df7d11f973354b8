"""The compliance gate's rules about a lead and a workspace, read once per send pass: the
suppression list, consent by country, the workspace's sender details, the sending domains' DNS
posture. The message itself is checked by `message.gate`.

A rule is lasting (the lead is blocked and leaves the campaign: suppressed, no consent, a token
without value) or passing (the lead waits, held by the rule, until someone fixes the workspace:
no postal address yet, a sending domain whose DNS is in error)."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import suppression
from penguin_desktop.core.campaigns.compliance import consent_blocks, consent_countries
from penguin_desktop.core.campaigns.importer import Blocklist
from penguin_desktop.core.campaigns.loading import StepSpec, VariantSpec
from penguin_desktop.core.campaigns.models import Lead
from penguin_desktop.core.campaigns.tables import ComplianceRow, LeadRow
from penguin_desktop.core.domains import DomainRow

NO_SENDER_DETAILS = "the workspace has no postal address and unsubscribe link yet"


@dataclass(frozen=True)
class Verdict:
    reason: str
    lasting: bool


def _dns_errors(session: Session, workspace_id: int) -> dict[str, str]:
    """Sending domains whose last check found an error (not an inconclusive one): the domain
    and the error's words."""
    rows = session.execute(
        select(DomainRow.name, DomainRow.last_report).where(
            DomainRow.workspace_id == workspace_id, DomainRow.last_report.is_not(None)
        )
    )
    errors: dict[str, str] = {}
    for name, text in rows:
        try:
            findings: list[dict[str, Any]] = json.loads(text or "{}").get("findings", [])
        except (ValueError, AttributeError):
            continue
        for finding in findings:
            if finding.get("severity") == "error" and not finding.get("inconclusive"):
                errors[name] = str(finding.get("message", "an error"))
                break
    return errors


@dataclass
class Rules:
    workspace_id: int
    postal_address: str | None
    unsubscribe_url: str | None
    blocklist: Blocklist
    needs_consent: frozenset[str]
    dns_errors: dict[str, str]

    @classmethod
    def read(cls, session: Session, workspace_id: int) -> Rules:
        row = session.get(ComplianceRow, workspace_id)
        return cls(
            workspace_id,
            row.postal_address if row else None,
            row.unsubscribe_url if row else None,
            suppression.blocklist(session, workspace_id),
            consent_countries(session),
            _dns_errors(session, workspace_id),
        )

    def verdict(self, lead: Lead, sender: str) -> Verdict | None:
        held = self.blocklist.reason(lead.email)
        if held is not None:
            return Verdict(held, lasting=True)
        no_consent = consent_blocks(lead, self.needs_consent)
        if no_consent is not None:
            return Verdict(no_consent, lasting=True)
        if not self.postal_address or not self.unsubscribe_url:
            return Verdict(NO_SENDER_DETAILS, lasting=False)
        domain = sender.rpartition("@")[2]
        if domain in self.dns_errors:
            return Verdict(f"DNS of {domain} is in error: {self.dns_errors[domain]}", False)
        return None


def pick_variant(step: StepSpec, lead_id: int) -> VariantSpec:
    """The A/B split: the same lead always gets the same variant of a step."""
    index = zlib.crc32(f"{lead_id}:{step.id}".encode()) % len(step.variants)
    return step.variants[index]


def lead_of(row: LeadRow, workspace: str) -> Lead:
    custom = json.loads(row.custom_json or "{}")
    return row.as_lead(workspace, custom if isinstance(custom, dict) else {})


def values_of(lead: Lead) -> dict[str, str | None]:
    """The lead's fields as the templates name them: the standard ones, then custom fields."""
    values: dict[str, str | None] = {
        "email": lead.email, "first_name": lead.first_name, "last_name": lead.last_name,
        "company": lead.company, "title": lead.title, "phone": lead.phone,
        "website": lead.website, "country": lead.country,
    }  # fmt: skip
    for name, value in lead.custom.items():
        values.setdefault(name, value)
    return values
