"""Mail servers, their health and provisioning results as the faces see them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class ServerStatus(enum.StrEnum):
    """Where the server is in its life; its health is the last check's, kept apart."""

    HOST_KEY_PENDING = "host-key-pending"  # adopted; its host key awaits explicit acceptance
    ADOPTED = "adopted"  # host key pinned
    PROVISIONING = "provisioning"
    PROVISION_FAILED = "provision-failed"
    MAILU_READY = "mailu-ready"


class Health(enum.StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"  # reachable, but a check failed
    UNREACHABLE = "unreachable"  # connection, host key or login failed
    SKIPPED = "skipped"  # host key not accepted yet, or a job holds the server


@dataclass(frozen=True)
class ServerInfo:
    """A mail server as the faces see it; credentials appear only as secret names."""

    workspace: str
    name: str
    provider: str
    ip: str
    hostname: str | None
    ssh_port: int
    ssh_user: str
    host_key_fingerprint: str | None
    offered_fingerprint: str | None
    status: ServerStatus
    mailu_version: str | None
    mailu_url: str | None
    ssh_key_secret: str
    created_at: datetime
    last_check_at: datetime | None
    health: Health | None
    steps: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AdoptResult:
    server: ServerInfo
    public_key: str  # to append to the server's authorized_keys
    generated_key: bool


@dataclass(frozen=True)
class HealthCheck:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class HealthReport:
    workspace: str
    server: str
    health: Health
    checks: list[HealthCheck]
    seconds: float
    error: str | None = None
    mailu_version: str | None = None  # read from the server's MailU compose file, when found


@dataclass(frozen=True)
class ProvisionResult:
    server: ServerInfo
    steps: dict[str, str]
    dkim_record: str | None
    warnings: tuple[str, ...] = ()  # what needs doing by hand (e.g. the reverse DNS to ask for)
    domain: str | None = None  # the first mail domain the run created in MailU
