"""What a round must run: each check with everything its probe needs, read in one go before
any network work starts (the probes then hold no database session)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import DomainRow
from penguin_desktop.core.monitoring.models import CheckKind, ServiceTarget, TlsMode
from penguin_desktop.core.monitoring.tables import CheckRow
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.servers import ServerRow

SERVICE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Job:
    check_id: int
    workspace: str
    kind: CheckKind
    target: str
    service: ServiceTarget | None = None  # network checks
    subjects: tuple[str, ...] = ()  # blocklist checks: addresses or the domain
    state: dict[str, Any] = field(default_factory=dict)
    waiting: str | None = None  # why it cannot run yet (a result of its own, never "down")


def load_jobs(session: Session, workspace_ids: Sequence[int], due_by: datetime | None) -> list[Job]:
    """Enabled checks of these workspaces; with `due_by`, only those due by then."""
    query = select(CheckRow).where(CheckRow.workspace_id.in_(workspace_ids), CheckRow.enabled)
    if due_by is not None:
        query = query.where(or_(CheckRow.next_due_at.is_(None), CheckRow.next_due_at <= due_by))
    rows = list(session.execute(query.order_by(CheckRow.id)).scalars())
    names = dict(
        session.execute(
            select(WorkspaceRow.id, WorkspaceRow.name).where(WorkspaceRow.id.in_(workspace_ids))
        ).all()
    )
    servers = {
        s.id: s
        for s in session.execute(
            select(ServerRow).where(ServerRow.id.in_({r.server_id for r in rows if r.server_id}))
        ).scalars()
    }
    domains = {
        d.id: d
        for d in session.execute(
            select(DomainRow).where(DomainRow.id.in_({r.domain_id for r in rows if r.domain_id}))
        ).scalars()
    }
    jobs = []
    for row in rows:
        job = _job(row, names[row.workspace_id], servers, domains)
        if job is not None:
            jobs.append(job)
    return jobs


def _job(
    row: CheckRow, workspace: str, servers: dict[int, ServerRow], domains: dict[int, DomainRow]
) -> Job | None:
    kind = CheckKind(row.kind)
    try:
        state: dict[str, Any] = json.loads(row.state or "{}")
    except ValueError:
        state = {}
    if row.server_id is not None:
        server = servers.get(row.server_id)
        if server is None:
            return None
        if kind is CheckKind.BLACKLIST:
            return Job(row.id, workspace, kind, server.name, subjects=(server.ip,), state=state)
        if row.port is not None:
            service = ServiceTarget(
                host=server.ip,
                port=row.port,
                tls=TlsMode(row.tls or TlsMode.NONE.value),
                server_name=row.tls_name or server.hostname or server.ip,
                timeout=SERVICE_TIMEOUT,
            )
            return Job(row.id, workspace, kind, server.name, service=service, state=state)
        waiting = None
        if server.host_key_fingerprint is None:
            waiting = "the server's host key is not accepted yet: compare and accept it first"
        return Job(row.id, workspace, kind, server.name, state=state, waiting=waiting)
    domain = domains.get(row.domain_id or 0)
    if domain is None:
        return None
    subjects: tuple[str, ...] = (domain.name,) if kind is CheckKind.BLACKLIST else ()
    return Job(row.id, workspace, kind, domain.name, subjects=subjects, state=state)
