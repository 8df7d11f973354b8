"""Billing: the agency's Stripe account mirrored locally (customers, plans, subscriptions,
invoices, charges, refunds, events), customers linked to client workspaces, payment history
and refunds, plans with limits and feature flags, and revenue with MRR movements."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .models import (
        ConnectionInfo,
        CustomerInfo,
        FlagInfo,
        InvoiceInfo,
        KeyTest,
        Payment,
        PlanInfo,
        RefundResult,
        Revenue,
        SyncKind,
        SyncReport,
        SyncStatus,
        UsageLine,
        WorkspacePlan,
    )
    from .plans import PlanService
    from .service import BillingService

__all__ = [
    "BillingService",
    "ConnectionInfo",
    "CustomerInfo",
    "FlagInfo",
    "InvoiceInfo",
    "KeyTest",
    "Payment",
    "PlanInfo",
    "PlanService",
    "RefundResult",
    "Revenue",
    "SyncKind",
    "SyncReport",
    "SyncStatus",
    "UsageLine",
    "WorkspacePlan",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BillingService": ".service",
        "PlanService": ".plans",
        **{name: ".models" for name in __all__ if name not in ("BillingService", "PlanService")},
    },
)
