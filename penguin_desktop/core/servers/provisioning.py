"""Installing MailU on a server: the plan (from the options, else the saved run a resume
continues), the secrets it needs (made once, reused by every rerun), and the run of the
provision.steps over one SSH connection. Saving the steps' states is the service's."""

from __future__ import annotations

import ipaddress
import json
import secrets as token_source
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from penguin_desktop.core.domains import ResolverConfig
from penguin_desktop.core.platform.errors import (
    Cancelled,
    NotFoundError,
    PenguinError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers.access import Login
from penguin_desktop.core.servers.mailu import api_url
from penguin_desktop.core.servers.names import (
    absolute_dir,
    is_host_name,
    mailu_secret_key_name,
    mailu_token_secret_name,
    postmaster_secret_name,
)
from penguin_desktop.core.servers.provision.steps import (
    MailuPlan,
    PlanSecrets,
    Remote,
    StateCallback,
    mailu_steps,
    run_plan,
)
from penguin_desktop.core.servers.ssh.client import SshConnection
from penguin_desktop.core.servers.tables import ServerRow


class ProvisionOptions(TypedDict, total=False):
    """What a provisioning run may be told beside the server, as `ServerService.provision`
    takes it; `DomainAttachService.provision` passes it on as it is."""

    domain: str | None
    hostname: str | None
    mailu_url: str | None
    mailu_dir: str | None
    public_ip: str | None
    resume: bool
    ctx: JobContext | None
    on_log: Callable[[str], None] | None
    admin_wait_s: float
    poll_s: float


@dataclass(frozen=True)
class SavedRun:
    """What the server's row remembers for a rerun: the last plan and MailU's whereabouts."""

    plan: dict[str, Any]
    token_secret: str
    mailu_dir: str
    mailu_url: str | None


def saved_run(row: ServerRow) -> SavedRun:
    return SavedRun(
        json.loads(row.steps or "{}").get("plan") or {},
        row.mailu_token_secret or mailu_token_secret_name(row.name),
        row.mailu_dir,
        row.mailu_url,
    )


def require_trusted(login: Login) -> None:
    if login.pinned is None:
        raise ValidationError(
            f"accept {login.name}'s host key first",
            remedy=Remedy(
                "server.accept-host-key",
                login.name,
                (("workspace", login.workspace),),
                ("SHA256:...",),
            ),
        )


def make_plan(
    server: str,
    saved: SavedRun,
    resume: bool,
    domain: str | None,
    hostname: str | None,
    mailu_url: str | None,
    mailu_dir: str | None,
    public_ip: str | None,
    admin_wait_s: float,
    poll_s: float,
) -> MailuPlan:
    """The options given, else those of the saved run, else the defaults."""
    last = saved.plan
    if resume and not last:
        raise ValidationError(
            f"{server} has no provisioning run to resume: start one by naming its mail domain",
            field="domain",
        )
    domain = (domain or last.get("domain") or "").strip().lower().rstrip(".")
    if not domain:
        raise ValidationError("which mail domain? name one (e.g. client.example)", field="domain")
    if not is_host_name(domain):
        raise ValidationError(f"bad mail domain {domain!r}")
    hostname = (hostname or last.get("hostname") or f"mail.{domain}").lower()
    if not is_host_name(hostname):
        raise ValidationError(f"bad host name {hostname!r}")
    folder = absolute_dir(mailu_dir or last.get("mailu_dir") or saved.mailu_dir)
    url = api_url(mailu_url or last.get("mailu_url") or saved.mailu_url or f"https://{hostname}")
    return MailuPlan(
        server=server,
        domain=domain,
        hostname=hostname,
        mailu_dir=folder,
        mailu_url=url,
        public_ip=_public_ip(public_ip or last.get("public_ip") or ""),
        admin_wait_s=admin_wait_s,
        poll_s=poll_s,
    )


def _public_ip(raw: str) -> str | None:
    public = raw.strip() or None
    if public is None:
        return None
    try:
        return str(ipaddress.ip_address(public))
    except ValueError:
        raise ValidationError(f"bad public IP address {public!r}") from None


def plan_json(plan: MailuPlan, states: dict[str, str]) -> str:
    """The plan and its steps' states as the server's row keeps them."""
    return json.dumps(
        {
            "plan": {
                "domain": plan.domain,
                "hostname": plan.hostname,
                "mailu_dir": plan.mailu_dir,
                "mailu_url": plan.mailu_url,
                "public_ip": plan.public_ip,
            },
            "states": states,
        }
    )


def plan_secrets(
    secrets: SecretService, actor: Actor, login: Login, domain: str, token_secret: str
) -> PlanSecrets:
    def kept(name: str, size: int, kind: SecretKind = SecretKind.API_KEY) -> str:
        """The stored value, else a new random one stored first (so a rerun reuses it)."""
        try:
            return secrets.use(actor, login.workspace, name, "provisioning")
        except NotFoundError:
            value = token_source.token_urlsafe(size)
            secrets.set(actor, login.workspace, name, kind, value, reason="provisioning")
            return value

    return PlanSecrets(
        secret_key=kept(mailu_secret_key_name(login.name), 16),
        api_token=kept(token_secret, 32),
        postmaster_password=kept(
            postmaster_secret_name(login.name, domain), 18, SecretKind.SMTP_PASSWORD
        ),
    )


def pending_states() -> dict[str, str]:
    return {step.name: "pending" for step in mailu_steps()}


def install(
    conn: SshConnection,
    plan: MailuPlan,
    plan_secrets: PlanSecrets,
    job: JobContext,
    log: Callable[[str], None],
    dns: ResolverConfig,
    on_state: StateCallback,
) -> tuple[str | None, tuple[str, ...]]:
    """Run the steps not done yet; (the first domain's DKIM record, the warnings)."""
    remote = Remote(conn, plan, plan_secrets, job, log, dns)
    try:
        run_plan(mailu_steps(), remote, on_state)
        dkim = remote.mailu().domain(plan.domain).dkim_record
    finally:
        remote.close()
    return dkim, tuple(remote.warnings)


def failure(exc: PenguinError, states: dict[str, str]) -> tuple[str, str]:
    """(the audit action, the step that failed or was cancelled) of a run that stopped."""
    step = next((s for s, st in states.items() if st in ("failed", "cancelled")), "")
    action = (
        "server.provision.cancelled" if isinstance(exc, Cancelled) else "server.provision.failed"
    )
    return action, step
