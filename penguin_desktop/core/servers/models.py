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
class MailHealth:
    """The figures monitoring watches on a mail server, read live and kept nowhere (monitoring
    stores its own results). `reachable` is False when no SSH session could be had; `error`
    then says why, and otherwise names the figures that could not be read (left None or
    empty). `disk_percent` is the use of the filesystem holding the MailU directory; a
    container counts as up when it runs and its health check does not say unhealthy;
    `queue_oldest_seconds` is None when the queue is empty."""

    workspace: str
    server: str
    reachable: bool
    error: str | None
    load_per_cpu: float | None = None
    memory_free_percent: float | None = None
    disk_percent: float | None = None
    containers_expected: tuple[str, ...] = ()  # MailU's services, as its compose project has them
    containers_up: tuple[str, ...] = ()
    queue_size: int | None = None
    queue_oldest_seconds: float | None = None
    elapsed: float = 0.0

    @property
    def containers_down(self) -> tuple[str, ...]:
        up = set(self.containers_up)
        return tuple(name for name in self.containers_expected if name not in up)


@dataclass(frozen=True)
class ProvisionResult:
    server: ServerInfo
    steps: dict[str, str]
    dkim_record: str | None
    warnings: tuple[str, ...] = ()  # what needs doing by hand (e.g. the reverse DNS to ask for)
    domain: str | None = None  # the first mail domain the run created in MailU
