"""Monitoring: checks of servers and domains on schedules, results as time series, alert rules
and alerts, notifiers (PagerDuty, signed webhooks), and the Home dashboard's figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .checks import CheckChange
    from .models import (
        AlertInfo,
        AlertState,
        CheckInfo,
        CheckKind,
        Dashboard,
        NotifierKind,
        Status,
        TlsMode,
    )
    from .runner import RoundReport
    from .service import MonitoringService

__all__ = [
    "AlertInfo",
    "AlertState",
    "CheckChange",
    "CheckInfo",
    "CheckKind",
    "Dashboard",
    "MonitoringService",
    "NotifierKind",
    "RoundReport",
    "Status",
    "TlsMode",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "MonitoringService": ".service",
        "CheckChange": ".checks",
        "RoundReport": ".runner",
        "AlertInfo": ".models",
        "AlertState": ".models",
        "CheckInfo": ".models",
        "CheckKind": ".models",
        "Dashboard": ".models",
        "NotifierKind": ".models",
        "Status": ".models",
        "TlsMode": ".models",
    },
)
