"""The suppression list: addresses and whole domains that are never mailed, per workspace or
agency-wide, and the hashes erasures leave behind.

`record` and `is_suppressed` take a session so the send engine and the bounce reader can add
an unsubscribe, a hard bounce or a complaint in the transaction that noticed it, and ask before
each send. An address is audited by its hash, never in clear: the trail cannot be erased."""

from __future__ import annotations

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.orm import Session

from penguin_desktop.core.campaigns import emails
from penguin_desktop.core.campaigns.importer import Blocklist, address_hash
from penguin_desktop.core.campaigns.models import Suppression, SuppressionKind, SuppressionReason
from penguin_desktop.core.campaigns.tables import SuppressionRow
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import WorkspaceRow


def classify(value: str) -> tuple[SuppressionKind, str]:
    """An address (normalized) or a domain (lower case, checked as the address check does)."""
    text = value.strip().lower().removeprefix("@")
    if "@" in text:
        email = emails.normalize(text)
        if email is None:
            raise ValidationError(f"{value.strip()!r} is not a valid email address", field="value")
        return SuppressionKind.ADDRESS, email
    email = emails.normalize(f"a@{text}")
    if email is None:
        raise ValidationError(f"{value.strip()!r} is not a valid domain name", field="value")
    return SuppressionKind.DOMAIN, emails.domain_of(email)


def _scope(workspace_id: int | None):  # type: ignore[no-untyped-def]
    column = SuppressionRow.workspace_id
    return column.is_(None) if workspace_id is None else column == workspace_id


def record(
    session: Session,
    workspace_id: int | None,
    kind: SuppressionKind,
    value: str,
    reason: SuppressionReason,
    by: str,
) -> bool:
    """Add one entry (`workspace_id` None: agency-wide); False when it was there already."""
    found = session.execute(
        select(SuppressionRow.id).where(
            _scope(workspace_id), SuppressionRow.kind == kind.value, SuppressionRow.value == value
        )
    ).first()
    if found is not None:
        return False
    session.add(
        SuppressionRow(
            workspace_id=workspace_id, kind=kind.value, value=value, reason=reason, added_by=by
        )
    )
    session.flush()
    return True


def blocklist(session: Session, workspace_id: int) -> Blocklist:
    """The workspace's entries and the agency's, as sets."""
    rows = session.execute(
        select(SuppressionRow.kind, SuppressionRow.value).where(
            or_(SuppressionRow.workspace_id == workspace_id, SuppressionRow.workspace_id.is_(None))
        )
    ).all()
    sets: dict[str, set[str]] = {k.value: set() for k in SuppressionKind}
    for kind, value in rows:
        sets[kind].add(value)
    return Blocklist(sets["address"], sets["domain"], sets["hash"])


def is_suppressed(session: Session, workspace_id: int, email: str) -> bool:
    """Whether the address may not be mailed from the workspace: the address, its domain or a
    domain above it, or its erasure hash is on the workspace's or the agency's list."""
    address = email.strip().lower()
    values = [address, address_hash(address), *emails.parent_domains(emails.domain_of(address))]
    return (
        session.execute(
            select(SuppressionRow.id)
            .where(
                SuppressionRow.value.in_(values),
                or_(
                    SuppressionRow.workspace_id == workspace_id,
                    SuppressionRow.workspace_id.is_(None),
                ),
            )
            .limit(1)
        ).first()
        is not None
    )


def _shown(kind: str, value: str) -> str:
    return address_hash(value) if kind == SuppressionKind.ADDRESS else value


class SuppressionService(Service):
    def _target(
        self, session: Session, actor: Actor, workspace: str | None, permission: Permission
    ) -> WorkspaceRow | None:
        if workspace is None:
            self._require_org(actor, Permission.SUPPRESSION_AGENCY, "suppression:agency")
            return None
        ws, _ = self._workspace(session, actor, workspace, permission, writable=True)
        return ws

    def add(
        self,
        actor: Actor,
        value: str,
        workspace: str | None,
        reason: SuppressionReason = SuppressionReason.MANUAL,
    ) -> Suppression:
        """Suppress an address or a domain in the workspace (None: agency-wide)."""
        kind, normal = classify(value)
        with self._writing(actor) as session:
            ws = self._target(session, actor, workspace, Permission.SUPPRESSION_MANAGE)
            ws_id = ws.id if ws else None
            added = record(session, ws_id, kind, normal, SuppressionReason(reason), actor.email)
            if added:
                self._audit(session, actor, "suppression.add", f"suppression:{kind}", ws,
                            kind=kind.value, value=_shown(kind, normal), reason=str(reason),
                            scope="workspace" if ws else "agency")  # fmt: skip
            row = session.execute(
                select(SuppressionRow).where(
                    _scope(ws_id), SuppressionRow.kind == kind, SuppressionRow.value == normal
                )
            ).scalar_one()
            return self._info(row, ws.name if ws else None)

    def remove(self, actor: Actor, value: str, workspace: str | None) -> None:
        kind, normal = classify(value)
        with self._writing(actor) as session:
            ws = self._target(session, actor, workspace, Permission.SUPPRESSION_MANAGE)
            ws_id = ws.id if ws else None
            result = session.execute(
                delete(SuppressionRow).where(
                    _scope(ws_id), SuppressionRow.kind == kind, SuppressionRow.value == normal
                )
            )
            assert isinstance(result, CursorResult)
            gone = result.rowcount
            where = f"workspace {ws.name!r}" if ws else "the agency's list"
            if not gone:
                raise NotFoundError(f"{value.strip()!r} is not suppressed in {where}")
            self._audit(session, actor, "suppression.remove", f"suppression:{kind}", ws,
                        kind=kind.value, value=_shown(kind, normal),
                        scope="workspace" if ws else "agency")  # fmt: skip

    def entries(self, actor: Actor, workspace: str | None) -> list[Suppression]:
        """The workspace's entries and the agency's (None: the agency's alone)."""
        with self._reading(actor) as session:
            names: dict[int | None, str | None] = {None: None}
            query = select(SuppressionRow).order_by(SuppressionRow.id)
            if workspace is None:
                query = query.where(SuppressionRow.workspace_id.is_(None))
            else:
                ws, _ = self._workspace(session, actor, workspace, Permission.LEAD_READ)
                names[ws.id] = ws.name
                query = query.where(
                    or_(SuppressionRow.workspace_id == ws.id, SuppressionRow.workspace_id.is_(None))
                )
            return [self._info(r, names[r.workspace_id]) for r in session.execute(query).scalars()]

    @staticmethod
    def _info(row: SuppressionRow, workspace: str | None) -> Suppression:
        return Suppression(
            row.id, workspace, row.kind, row.value, row.reason, row.added_at, row.added_by
        )
