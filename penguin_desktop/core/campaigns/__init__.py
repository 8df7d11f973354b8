"""Campaigns: leads imported from CSV into lists, segments and export, the suppression list
(addresses, domains, erasure hashes; per workspace and agency-wide), GDPR erasure, consent and
jurisdiction per lead, and each workspace's sender details; campaigns with steps and A/B
variants, personalization, the send engine with its exactly-once ledger and layered limits, the
compliance gate, one-click unsubscribes, inbox reading and results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .campaigns import CampaignService
    from .compliance import ComplianceService, consent_blocks
    from .engine import SendEngine
    from .insight import CampaignInsight
    from .models import (
        AbVerdict,
        CampaignInfo,
        CampaignStats,
        CampaignStatus,
        ComplianceInfo,
        ConsentCountry,
        DayPlan,
        ErasureResult,
        ImportPreview,
        ImportReport,
        LawfulBasis,
        Lead,
        MessagePreview,
        RunReport,
        StepInfo,
        Suppression,
        SuppressionKind,
        SuppressionReason,
        VariantInfo,
        VariantResult,
    )
    from .service import LeadService
    from .suppression import SuppressionService, is_suppressed
    from .unsubscribe import (
        UnsubscribeService,
        link_key,
        mailto_link,
        read_token,
        sign_token,
        unsubscribe_link,
    )

__all__ = [
    "AbVerdict",
    "CampaignInfo",
    "CampaignInsight",
    "CampaignService",
    "CampaignStats",
    "CampaignStatus",
    "ComplianceInfo",
    "ComplianceService",
    "ConsentCountry",
    "DayPlan",
    "ErasureResult",
    "ImportPreview",
    "ImportReport",
    "LawfulBasis",
    "Lead",
    "LeadService",
    "MessagePreview",
    "RunReport",
    "SendEngine",
    "StepInfo",
    "Suppression",
    "SuppressionKind",
    "SuppressionReason",
    "SuppressionService",
    "UnsubscribeService",
    "VariantInfo",
    "VariantResult",
    "consent_blocks",
    "is_suppressed",
    "link_key",
    "mailto_link",
    "read_token",
    "sign_token",
    "unsubscribe_link",
]

_HOMES = {
    "CampaignService": ".campaigns",
    "CampaignInsight": ".insight",
    "SendEngine": ".engine",
    "ComplianceService": ".compliance",
    "consent_blocks": ".compliance",
    "LeadService": ".service",
    "SuppressionService": ".suppression",
    "is_suppressed": ".suppression",
    "UnsubscribeService": ".unsubscribe",
    "link_key": ".unsubscribe",
    "mailto_link": ".unsubscribe",
    "read_token": ".unsubscribe",
    "sign_token": ".unsubscribe",
    "unsubscribe_link": ".unsubscribe",
}

__getattr__, __dir__ = lazy_exports(
    __name__, {name: _HOMES.get(name, ".models") for name in __all__}
)
