"""Attaching a sending domain to a MailU server: the domain is created in MailU, MailU
generates its DKIM key, and the public half (with the server's address) goes into the
domain's required records, so the next DNS fix publishes what MailU signs with.

Every step is idempotent: attaching again after a failure (or to re-read a rotated key)
finds the MailU domain and its key in place and only updates the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

from penguin_desktop.core.domains import DomainInfo, DomainService, normalize_domain
from penguin_desktop.core.platform.errors import (
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    PenguinError,
)
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.models import ProvisionResult
from penguin_desktop.core.servers.provisioning import ProvisionOptions
from penguin_desktop.core.servers.service import ServerService

# MailU signs with the selector its DKIM_SELECTOR setting names; our template sets "dkim".
MAILU_SELECTOR = "dkim"


@dataclass(frozen=True)
class AttachResult:
    domain: DomainInfo
    server: str
    selector: str
    created_domain: bool  # the sending domain was new in the workspace
    created_in_mailu: bool
    generated_dkim: bool


@dataclass(frozen=True)
class ProvisionOutcome:
    """A provisioning run and its hand-off to DNS. MailU stays installed when the hand-off
    fails: `attach_error` says why, and each face words what to do about it."""

    result: ProvisionResult
    attached: AttachResult | None  # None: no first domain, or the hand-off failed
    attach_error: str | None = None


class DomainAttachService:
    def __init__(self, domains: DomainService, servers: ServerService) -> None:
        self.domains = domains
        self.servers = servers

    def attach(
        self,
        actor: Actor,
        raw_domain: str,
        server: str,
        workspace: str | None = None,
        selector: str = MAILU_SELECTOR,
    ) -> AttachResult:
        name = normalize_domain(raw_domain)
        info, api = self.servers.mailu_api(actor, server, workspace)
        ws = info.workspace
        with api:
            created_domain = False
            try:
                self.domains.get(actor, name, ws)
            except NotFoundError:
                hosts = [info.hostname] if info.hostname else []
                # The address is the adopted server's own: a lab's loopback stays a lab's.
                self.domains.add(actor, ws, name, ips=[info.ip], mail_hosts=hosts, lab=True)
                created_domain = True
            try:
                created_in_mailu, generated, key = _mailu_domain(api, info.name, name)
            except BaseException:
                if created_domain:  # nothing half-done is left in the workspace
                    self.domains.remove(actor, name, ws)
                raise
        domain = self.domains.link_mail_server(
            actor, ws, name, server=info.name, selector=selector, public_key=key
        )
        return AttachResult(
            domain, info.name, selector, created_domain, created_in_mailu, generated
        )

    def provision(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        **options: Unpack[ProvisionOptions],
    ) -> ProvisionOutcome:
        """Install MailU (ServerService.provision; a failed install is raised as there), then
        hand over to DNS: the first mail domain's DKIM key and the server's address go into the
        domain's required records, exactly as attaching. The faces call this, not the two
        steps, so the hand-off happens and is reported the same way everywhere."""
        result = self.servers.provision(actor, name, workspace, **options)
        if result.domain is None:
            return ProvisionOutcome(result, None)
        try:
            attached = self.attach(
                actor, result.domain, result.server.name, result.server.workspace
            )
        except PenguinError as exc:
            return ProvisionOutcome(result, None, exc.message)
        return ProvisionOutcome(result, attached)


def _mailu_domain(api: MailuClient, server: str, name: str) -> tuple[bool, bool, str]:
    """Create the domain and its DKIM key in MailU unless there; return (created, generated,
    the public key)."""
    created = generated = False
    try:
        api.create_domain(name)
        created = True
    except ConflictError:
        pass  # already there: attaching again is how a failed attach resumes
    found = api.domain(name)
    if found.dkim_public_key is None:
        found = api.generate_dkim(name)
        generated = True
    if found.dkim_public_key is None:
        raise ExternalServiceError(
            f"MailU on {server} did not return a DKIM key for {name}; check that DKIM is "
            "enabled in its mailu.env, then attach again"
        )
    return created, generated, found.dkim_public_key
