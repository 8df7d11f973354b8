"""Campaigns: leads imported from CSV into lists, segments and export, the suppression list
(addresses, domains, erasure hashes; per workspace and agency-wide), GDPR erasure, consent and
jurisdiction per lead, and each workspace's sender details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .compliance import ComplianceService, consent_blocks
    from .models import (
        ComplianceInfo,
        ConsentCountry,
        ErasureResult,
        ImportPreview,
        ImportReport,
        LawfulBasis,
        Lead,
        Suppression,
        SuppressionKind,
        SuppressionReason,
    )
    from .service import LeadService
    from .suppression import SuppressionService, is_suppressed

__all__ = [
    "ComplianceInfo",
    "ComplianceService",
    "ConsentCountry",
    "ErasureResult",
    "ImportPreview",
    "ImportReport",
    "LawfulBasis",
    "Lead",
    "LeadService",
    "Suppression",
    "SuppressionKind",
    "SuppressionReason",
    "SuppressionService",
    "consent_blocks",
    "is_suppressed",
]

_HOMES = {
    "ComplianceService": ".compliance",
    "consent_blocks": ".compliance",
    "LeadService": ".service",
    "SuppressionService": ".suppression",
    "is_suppressed": ".suppression",
}

__getattr__, __dir__ = lazy_exports(
    __name__, {name: _HOMES.get(name, ".models") for name in __all__}
)
