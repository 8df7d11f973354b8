"""Reading domain and provider rows into the plain data the rest of the capability works with.

Network steps (checks, fixes) run outside any transaction, so what they need is copied out of
the session here first; nothing returned holds on to a row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains.dns.names import display_domain
from penguin_desktop.core.domains.dns.records import DkimSelector, DomainSpec
from penguin_desktop.core.domains.models import DkimKeyInfo, DnsProviderInfo, DomainInfo
from penguin_desktop.core.domains.tables import (
    MAIL_SERVERS,
    DkimKeyRow,
    DnsProviderRow,
    SendingDomainRow,
)
from penguin_desktop.core.platform.errors import NotFoundError
from penguin_desktop.core.platform.store.tables import WorkspaceRow


@dataclass
class Loaded:
    """Everything a network step needs, copied out of the session."""

    workspace: str
    workspace_id: int
    spec: DomainSpec
    provider_name: str | None = None
    provider_kind: str | None = None
    provider_settings: dict[str, Any] = field(default_factory=dict)
    credential_secret: str | None = None


def loaded(ws: WorkspaceRow, spec: DomainSpec, provider: DnsProviderRow | None) -> Loaded:
    if provider is None:
        return Loaded(ws.name, ws.id, spec)
    return Loaded(
        ws.name,
        ws.id,
        spec,
        provider.name,
        provider.kind,
        json.loads(provider.settings),
        provider.credential_secret,
    )


def keys(session: Session, row: SendingDomainRow) -> list[DkimKeyRow]:
    return list(
        session.execute(
            select(DkimKeyRow).where(DkimKeyRow.domain_id == row.id).order_by(DkimKeyRow.selector)
        ).scalars()
    )


def spec_of_row(
    ws: WorkspaceRow, row: SendingDomainRow, key_rows: Sequence[DkimKeyRow]
) -> DomainSpec:
    return DomainSpec(
        name=row.name,
        mail_hosts=tuple(json.loads(row.mail_hosts)),
        server_ips=tuple(json.loads(row.server_ips)),
        dkim=tuple(DkimSelector(k.selector, k.public_key) for k in key_rows),
        dmarc_policy=row.dmarc_policy,
        report_address=row.report_address,
        mta_sts_mode=row.mta_sts_mode,
        autoconfig=row.autoconfig,
        workspace=ws.name,
    )


def spec_of_info(info: DomainInfo) -> DomainSpec:
    """The spec of a domain already listed, so checking every domain reads each row once."""
    return DomainSpec(
        name=info.name,
        mail_hosts=info.mail_hosts,
        server_ips=info.server_ips,
        dkim=tuple(DkimSelector(k.selector, k.public_key) for k in info.dkim),
        dmarc_policy=info.dmarc_policy,
        report_address=info.report_address,
        mta_sts_mode=info.mta_sts_mode,
        autoconfig=info.autoconfig,
        workspace=info.workspace,
    )


def domain_info(session: Session, ws: WorkspaceRow, row: SendingDomainRow) -> DomainInfo:
    provider = session.get(DnsProviderRow, row.provider_id) if row.provider_id else None
    return DomainInfo(
        workspace=ws.name,
        name=row.name,
        display_name=display_domain(row.name),
        mail_hosts=tuple(json.loads(row.mail_hosts)) or (f"mail.{row.name}",),
        server_ips=tuple(json.loads(row.server_ips)),
        dkim=tuple(
            DkimKeyInfo(k.selector, k.public_key, k.bits, k.private_key_secret)
            for k in keys(session, row)
        ),
        dmarc_policy=row.dmarc_policy,
        report_address=row.report_address,
        mta_sts_mode=row.mta_sts_mode,
        autoconfig=row.autoconfig,
        provider=provider.name if provider else None,
        created_at=row.created_at,
        last_score=row.last_score,
        last_worst=row.last_worst,
        last_checked_at=row.last_checked_at,
        last_worst_message=row.last_worst_message,
        mail_server=_server_name(session, row.mail_server_id),
    )


def _server_name(session: Session, server_id: int | None) -> str | None:
    """Read through the servers' table view: domains may not import the servers capability."""
    if server_id is None:
        return None
    found: str | None = session.execute(
        select(MAIL_SERVERS.c.name).where(MAIL_SERVERS.c.id == server_id)
    ).scalar_one_or_none()
    return found


def provider_info(ws: WorkspaceRow, row: DnsProviderRow) -> DnsProviderInfo:
    return DnsProviderInfo(
        ws.name,
        row.name,
        row.kind,
        json.loads(row.settings),
        row.credential_secret,
        row.created_at,
    )


def provider_row(session: Session, workspace_id: int, name: str) -> DnsProviderRow:
    row = session.execute(
        select(DnsProviderRow).where(
            DnsProviderRow.workspace_id == workspace_id, DnsProviderRow.name == name.strip()
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"no DNS provider named {name.strip()!r} in this workspace")
    return row
