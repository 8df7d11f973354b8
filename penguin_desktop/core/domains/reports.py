"""Keeping check results: each domain's score, worst finding and full report on its row, so
lists and the console show them after a restart without asking DNS again."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains.dns.findings import DomainReport, report_to_json
from penguin_desktop.core.domains.tables import SendingDomainRow
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow


def remember(session: Session, reports: Sequence[DomainReport]) -> None:
    """A domain removed while it was being checked is skipped."""
    for report in reports:
        row = session.execute(
            select(SendingDomainRow)
            .join(WorkspaceRow, WorkspaceRow.id == SendingDomainRow.workspace_id)
            .where(
                WorkspaceRow.name == report.workspace,
                SendingDomainRow.name == report.domain,
            )
        ).scalar_one_or_none()
        if row is not None:
            worst = report.worst
            row.last_score, row.last_checked_at = report.score, utcnow()
            row.last_worst = worst.code if worst else None
            row.last_worst_message = worst.message if worst else None
            row.last_report = report_to_json(report)
