"""Domain objects the faces see: plain frozen dataclasses and enums, never ORM rows."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Role(enum.StrEnum):
    """Roles, from most to least powerful. Used per workspace and once for the organization."""

    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    VIEWER = "viewer"

    @property
    def rank(self) -> int:
        """Higher is more powerful; lets role changes be checked as 'not above your own'."""
        return len(ROLE_ORDER) - ROLE_ORDER.index(self)


ROLE_ORDER: tuple[Role, ...] = (Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.VIEWER)


class Face(enum.StrEnum):
    """Which front end acted: recorded in login activity and the audit trail."""

    CLI = "cli"
    GUI = "gui"
    SYSTEM = "system"


class ProviderKind(enum.StrEnum):
    """How a DNS provider is written to: RFC 2136 with TSIG, the Cloudflare API, or by hand."""

    RFC2136 = "rfc2136"
    CLOUDFLARE = "cloudflare"
    MANUAL = "manual"


class Outcome(enum.StrEnum):
    OK = "ok"
    DENIED = "denied"


@dataclass(frozen=True)
class Actor:
    """An authenticated user acting through one face; every service call takes one."""

    user_id: int
    email: str
    org_role: Role
    face: Face
    idle_timeout_minutes: int = 30


@dataclass(frozen=True)
class Organization:
    name: str
    created_at: datetime


@dataclass(frozen=True)
class UserInfo:
    email: str
    org_role: Role
    created_at: datetime
    locked_until: datetime | None
    idle_timeout_minutes: int


@dataclass(frozen=True)
class WorkspaceInfo:
    id: int
    name: str
    created_at: datetime
    archived: bool
    my_role: Role


@dataclass(frozen=True)
class MemberInfo:
    email: str
    role: Role
    added_at: datetime


@dataclass(frozen=True)
class LoginActivity:
    at: datetime
    email: str
    face: Face
    success: bool
    reason: str


@dataclass(frozen=True)
class AuditEntry:
    """One link of the hash chain as stored; `summary` is canonical JSON text."""

    seq: int
    ts: str
    actor: str
    face: str
    workspace: str
    action: str
    target: str
    outcome: str
    summary: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditFilter:
    """Filters shared by audit list, the audit page and every export format."""

    workspace: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def describe(self) -> list[tuple[str, str]]:
        """Human-readable filter lines for report headers."""
        return [
            ("Workspace", self.workspace or "all visible"),
            ("Actor", self.actor or "any"),
            ("Action", self.action or "any"),
            ("Since", self.since.isoformat() if self.since else "beginning"),
            ("Until", self.until.isoformat() if self.until else "now"),
        ]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ExportResult:
    path: str
    format: str
    rows: int
    head_hash: str
    filters: list[tuple[str, str]] = field(default_factory=list)


class SecretKind(enum.StrEnum):
    SSH_KEY = "ssh_key"
    SMTP_PASSWORD = "smtp_password"
    API_KEY = "api_key"
    VAULT_TOKEN = "vault_token"
    WEBHOOK_SECRET = "webhook_secret"
    DKIM_KEY = "dkim_key"


@dataclass(frozen=True)
class SecretRefInfo:
    """What the faces may know of a secret: everything but its value."""

    workspace: str
    name: str
    kind: SecretKind
    backend: str
    created_at: datetime
    last_rotated_at: datetime
    last_accessed_at: datetime | None
    rotation_days: int | None
    due_at: datetime | None
    due: bool


@dataclass(frozen=True)
class BackendInfo:
    """Which secret store is active for a scope, and why."""

    scope: str
    kind: str
    why: str
    settings: dict[str, str]


@dataclass(frozen=True)
class MigrationResult:
    moved: int
    already_there: int
    cleaned: int
    target: str


@dataclass(frozen=True)
class DkimKeyInfo:
    selector: str
    public_key: str
    bits: int | None
    private_key_secret: str | None


@dataclass(frozen=True)
class DomainInfo:
    """A sending domain as the faces see it; `name` is ASCII, `display_name` Unicode."""

    workspace: str
    name: str
    display_name: str
    mail_hosts: tuple[str, ...]
    server_ips: tuple[str, ...]
    dkim: tuple[DkimKeyInfo, ...]
    dmarc_policy: str
    report_address: str | None
    mta_sts_mode: str
    autoconfig: bool
    provider: str | None
    created_at: datetime
    last_score: int | None = None
    last_worst: str | None = None
    last_checked_at: datetime | None = None
    last_worst_message: str | None = None
    mail_server: str | None = None


@dataclass(frozen=True)
class DnsProviderInfo:
    workspace: str
    name: str
    kind: str
    settings: dict[str, str]
    credential_secret: str | None
    created_at: datetime


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


@dataclass(frozen=True)
class MailboxInfo:
    """A mailbox and how mail clients reach it; the password stays in the secret store."""

    workspace: str
    server: str
    email: str
    enabled: bool
    quota_mb: int | None
    password_secret: str
    smtp_host: str
    smtp_port: int  # submission with STARTTLS
    imap_host: str
    imap_port: int  # IMAPS
    created_at: datetime
