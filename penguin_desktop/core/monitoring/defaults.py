"""What every server and domain is checked for without anyone asking: the kinds, their ports
and TLS modes, and their schedules; and the rows that give each target its defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import DomainRow
from penguin_desktop.core.monitoring.models import CheckKind, TlsMode
from penguin_desktop.core.monitoring.tables import CheckRow
from penguin_desktop.core.servers import ServerRow

NETWORK_DEFAULTS: dict[CheckKind, tuple[int, TlsMode]] = {
    CheckKind.SMTP: (25, TlsMode.STARTTLS),
    CheckKind.SUBMISSION: (587, TlsMode.STARTTLS),
    CheckKind.SMTPS: (465, TlsMode.IMPLICIT),
    CheckKind.IMAPS: (993, TlsMode.IMPLICIT),
    CheckKind.HTTPS: (443, TlsMode.IMPLICIT),
}
INTERVALS: dict[CheckKind, int] = {
    **dict.fromkeys(NETWORK_DEFAULTS, 60),
    CheckKind.SSH_HEALTH: 300,
    CheckKind.DNS: 3600,
    CheckKind.BLACKLIST: 6 * 3600,
}
SERVER_KINDS = frozenset({*NETWORK_DEFAULTS, CheckKind.SSH_HEALTH, CheckKind.BLACKLIST})
DOMAIN_KINDS = frozenset({CheckKind.DNS, CheckKind.BLACKLIST})


def default_rows(
    session: Session, workspace_ids: list[int], now: datetime
) -> list[tuple[int, str, int]]:
    """Create the default checks every server and domain of these workspaces lacks; returns
    (workspace id, kind, count) of what was added."""
    have = {
        (r.kind, r.server_id, r.domain_id)
        for r in session.execute(
            select(CheckRow).where(
                CheckRow.workspace_id.in_(workspace_ids), CheckRow.is_default.is_(True)
            )
        ).scalars()
    }
    added: dict[tuple[int, str], int] = {}

    def add(ws_id: int, kind: CheckKind, server: int | None, domain: int | None) -> None:
        if (kind.value, server, domain) in have:
            return
        port, tls = NETWORK_DEFAULTS.get(kind, (None, None))
        session.add(
            CheckRow(
                workspace_id=ws_id,
                kind=kind.value,
                server_id=server,
                domain_id=domain,
                port=port,
                tls=tls.value if tls else None,
                interval_s=INTERVALS[kind],
                enabled=True,
                is_default=True,
                next_due_at=now,
            )
        )
        added[(ws_id, kind.value)] = added.get((ws_id, kind.value), 0) + 1

    for ws_id, server_id in session.execute(
        select(ServerRow.workspace_id, ServerRow.id).where(
            ServerRow.workspace_id.in_(workspace_ids)
        )
    ):
        for kind in sorted(SERVER_KINDS):
            add(ws_id, kind, server_id, None)
    for ws_id, domain_id in session.execute(
        select(DomainRow.workspace_id, DomainRow.id).where(
            DomainRow.workspace_id.in_(workspace_ids)
        )
    ):
        for kind in sorted(DOMAIN_KINDS):
            add(ws_id, kind, None, domain_id)
    return [(ws, kind, n) for (ws, kind), n in sorted(added.items())]
