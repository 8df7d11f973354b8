"""Mail servers: adopt or create over a provider API, pin host keys, check health, provision MailU,
rotate keys, back up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from penguin_desktop.core.platform.lazy import lazy_exports

if TYPE_CHECKING:
    from .attach import DomainAttachService
    from .mailu import MailuClient
    from .models import (
        AdoptResult,
        Health,
        HealthCheck,
        HealthReport,
        MailHealth,
        ProvisionResult,
        ServerInfo,
        ServerStatus,
    )
    from .service import ServerService
    from .tables import ServerRow

__all__ = [
    "AdoptResult",
    "DomainAttachService",
    "Health",
    "HealthCheck",
    "HealthReport",
    "MailHealth",
    "MailuClient",
    "ProvisionResult",
    "ServerInfo",
    "ServerRow",
    "ServerService",
    "ServerStatus",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ServerService": ".service",
        "DomainAttachService": ".attach",
        "MailuClient": ".mailu",
        "ServerRow": ".tables",
        "ServerStatus": ".models",
        "Health": ".models",
        "ServerInfo": ".models",
        "AdoptResult": ".models",
        "HealthCheck": ".models",
        "HealthReport": ".models",
        "MailHealth": ".models",
        "ProvisionResult": ".models",
    },
)
