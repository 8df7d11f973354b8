"""How fast each mailbox of a workspace may send, MailU's and outside ones alike: limits,
warm-up, pause, per-domain caps, and the bulk read the send engine plans from.

Limits are keyed by address, so a MailU mailbox and an outside one share one table; a mailbox
without a row sends at the table's defaults, so none has to be written before a campaign.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from penguin_desktop.core.mailboxes.mailconn import MailServer, Tls
from penguin_desktop.core.mailboxes.models import SendingAccount, SendingLimits
from penguin_desktop.core.mailboxes.service import (
    IMAPS_PORT,
    SMTP_SUBMISSION_PORT,
    clean_email,
)
from penguin_desktop.core.mailboxes.tables import (
    MailboxRow,
    OutsideMailboxRow,
    SendingDomainLimitRow,
    SendingLimitRow,
)
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.servers import ServerRow

MAX_DAILY = 100_000
MAX_GAP_SECONDS = 86_400
MAX_WARMUP_STEP = 1000
MAX_REASON = 300
MAILU, OUTSIDE = "mailu", "outside"


def _default(column: str) -> Any:
    """The table's default, so there is one place that says what an unset mailbox sends at."""
    default = SendingLimitRow.__table__.c[column].default
    return default.arg if default is not None else None


def default_limit_row(workspace_id: int, email: str) -> SendingLimitRow:
    """A limits row at the table's defaults (SQLAlchemy fills defaults only on insert)."""
    names = ("daily_limit", "min_gap_seconds", "warmup_step", "bounce_threshold")
    return SendingLimitRow(
        workspace_id=workspace_id, email=email, **{n: _default(n) for n in names}
    )


def limits_of(ws: WorkspaceRow, email: str, row: SendingLimitRow | None) -> SendingLimits:
    row = row or default_limit_row(ws.id, email)
    return SendingLimits(
        workspace=ws.name,
        email=email,
        daily_limit=row.daily_limit,
        min_gap_seconds=row.min_gap_seconds,
        warmup_start=row.warmup_start,
        warmup_step=row.warmup_step,
        warmup_since=row.warmup_since,
        bounce_threshold=row.bounce_threshold,
        paused_at=row.paused_at,
        pause_reason=row.pause_reason,
    )


def check_whole(value: int, low: int, high: int, field: str, what: str) -> int:
    """`value` as a whole number in low..high, or a ValidationError naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"{what} is a whole number from {low} to {high}, not {value!r}", field=field
        )
    return value


def find_mailbox(
    service: Service,
    session: Session,
    actor: Actor,
    email: str,
    workspace: str | None,
    permission: Permission,
    writable: bool = False,
) -> tuple[WorkspaceRow, str]:
    """The workspace holding `email` as a MailU or outside mailbox and which kind it is; with
    no workspace named, the one among the actor's that has it."""
    if workspace is None:
        spaces = service._rows_visible(session, actor, None)
        found = set(_holders(session, MailboxRow, email, spaces))
        found |= set(_holders(session, OutsideMailboxRow, email, spaces))
        if not found:
            raise NotFoundError(f"no mailbox {email!r} in your workspaces")
        if len(found) > 1:
            where = ", ".join(sorted(spaces[i].name for i in found))
            raise ValidationError(
                f"mailbox {email!r} is in several workspaces ({where}): say which workspace",
                field="workspace",
            )
        workspace = spaces[found.pop()].name
    ws, _ = service._workspace(session, actor, workspace, permission, writable=writable)
    if _holders(session, MailboxRow, email, {ws.id: ws}):
        return ws, MAILU
    if _holders(session, OutsideMailboxRow, email, {ws.id: ws}):
        return ws, OUTSIDE
    raise NotFoundError(f"no mailbox {email!r} in {ws.name!r}")


def _holders(
    session: Session,
    model: type[MailboxRow] | type[OutsideMailboxRow],
    email: str,
    spaces: dict[int, WorkspaceRow],
) -> list[int]:
    query = select(model.workspace_id).where(
        model.email == email, model.workspace_id.in_(sorted(spaces))
    )
    return list(session.execute(query).scalars())


def mailu_servers(host: str, email: str) -> tuple[MailServer, MailServer]:
    """How the send engine logs in to a MailU mailbox: submission with STARTTLS, IMAPS."""
    smtp = MailServer(host, SMTP_SUBMISSION_PORT, Tls.STARTTLS, email)
    return smtp, MailServer(host, IMAPS_PORT, Tls.IMPLICIT, email)


def outside_servers(row: OutsideMailboxRow) -> tuple[MailServer, MailServer | None]:
    smtp = MailServer(row.smtp_host, row.smtp_port, Tls(row.smtp_tls), row.smtp_user)
    imap = None
    if row.imap_host and row.imap_port and row.imap_tls:
        imap = MailServer(row.imap_host, row.imap_port, Tls(row.imap_tls), row.imap_user or "")
    return smtp, imap


def _limits_join(model: type[MailboxRow] | type[OutsideMailboxRow]) -> Any:
    return and_(
        SendingLimitRow.workspace_id == model.workspace_id, SendingLimitRow.email == model.email
    )


class SendingService(Service):
    """Limits, warm-up, pauses and domain caps of the workspace's sending mailboxes."""

    def set_limits(
        self,
        actor: Actor,
        raw_email: str,
        workspace: str | None = None,
        *,
        daily_limit: int | None = None,
        min_gap_seconds: int | None = None,
        warmup_start: int | None = None,
        warmup_step: int | None = None,
        bounce_threshold: float | None = None,
        no_warmup: bool = False,
    ) -> SendingLimits:
        """Change what is given, keep the rest; a new warm-up start restarts the ramp today."""
        email = clean_email(raw_email)
        if no_warmup and warmup_start is not None:
            raise ValidationError("either a warm-up start or no warm-up", field="warmup_start")
        with self._writing(actor) as session:
            ws, _ = find_mailbox(
                self, session, actor, email, workspace, Permission.MAILBOX_MANAGE, True
            )
            row = self._limit_row(session, ws.id, email)
            if daily_limit is not None:
                row.daily_limit = check_whole(daily_limit, 1, MAX_DAILY, "daily_limit", "a limit")
            if min_gap_seconds is not None:
                row.min_gap_seconds = check_whole(
                    min_gap_seconds, 0, MAX_GAP_SECONDS, "min_gap_seconds", "a gap in seconds"
                )
            if warmup_step is not None:
                row.warmup_step = check_whole(
                    warmup_step, 1, MAX_WARMUP_STEP, "warmup_step", "a warm-up step"
                )
            if warmup_start is not None:
                row.warmup_start = check_whole(
                    warmup_start, 1, row.daily_limit, "warmup_start", "a warm-up start"
                )
                row.warmup_since = utcnow()
            elif no_warmup:
                row.warmup_start, row.warmup_since = None, None
            elif row.warmup_start is not None and row.warmup_start > row.daily_limit:
                raise ValidationError(
                    f"the warm-up starts at {row.warmup_start} a day, above the daily limit",
                    field="daily_limit",
                )
            if bounce_threshold is not None:
                row.bounce_threshold = _check_threshold(bounce_threshold)
            limits = limits_of(ws, email, row)
            self._audit(
                session, actor, "mailbox.limits", f"mailbox:{email}", ws, email=email,
                daily_limit=limits.daily_limit, min_gap_seconds=limits.min_gap_seconds,
                warmup_start=limits.warmup_start, warmup_step=limits.warmup_step,
                bounce_threshold=limits.bounce_threshold,
            )  # fmt: skip
            return limits

    def pause(
        self, actor: Actor, raw_email: str, workspace: str | None, reason: str
    ) -> SendingLimits:
        """Stop every campaign sending from this mailbox until it is resumed; `reason` is shown
        wherever the mailbox is (the send engine says "SMTP login refused" and the like)."""
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationError("say why the mailbox is paused", field="reason")
        if len(reason) > MAX_REASON:
            raise ValidationError(f"a reason is at most {MAX_REASON} characters", field="reason")
        return self._set_paused(actor, raw_email, workspace, reason)

    def resume(self, actor: Actor, raw_email: str, workspace: str | None = None) -> SendingLimits:
        """Let campaigns send from the mailbox again."""
        return self._set_paused(actor, raw_email, workspace, None)

    def _set_paused(
        self, actor: Actor, raw_email: str, workspace: str | None, reason: str | None
    ) -> SendingLimits:
        email = clean_email(raw_email)
        with self._writing(actor) as session:
            ws, _ = find_mailbox(
                self, session, actor, email, workspace, Permission.MAILBOX_MANAGE, True
            )
            row = self._limit_row(session, ws.id, email)
            row.paused_at = utcnow() if reason else None
            row.pause_reason = reason
            action = "mailbox.pause" if reason else "mailbox.resume"
            extra = {"reason": reason} if reason else {}
            self._audit(session, actor, action, f"mailbox:{email}", ws, email=email, **extra)
            return limits_of(ws, email, row)

    def set_domain_limit(
        self, actor: Actor, workspace: str, raw_domain: str, daily_limit: int | None
    ) -> int | None:
        """Cap what all mailboxes of one sending domain send a day together (None: no cap)."""
        domain = raw_domain.strip().lower().rstrip(".")
        if not domain or "." not in domain or "@" in domain:
            raise ValidationError(f"not a domain name: {raw_domain.strip()!r}", field="domain")
        if daily_limit is not None:
            check_whole(daily_limit, 1, MAX_DAILY, "daily_limit", "a limit")
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.MAILBOX_MANAGE, writable=True
            )
            row = session.get(SendingDomainLimitRow, (ws.id, domain))
            if daily_limit is None and row is not None:
                session.delete(row)
            elif daily_limit is not None and row is None:
                session.add(
                    SendingDomainLimitRow(
                        workspace_id=ws.id, domain=domain, daily_limit=daily_limit
                    )
                )
            elif row is not None and daily_limit is not None:
                row.daily_limit = daily_limit
            self._audit(
                session, actor, "mailbox.domain-limit", f"domain:{domain}", ws,
                domain=domain, daily_limit=daily_limit,
            )  # fmt: skip
        return daily_limit

    def domain_limits(self, actor: Actor, workspace: str) -> dict[str, int]:
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.MAILBOX_READ)
            rows = session.execute(
                select(SendingDomainLimitRow).where(SendingDomainLimitRow.workspace_id == ws.id)
            ).scalars()
            return {r.domain: r.daily_limit for r in rows}

    def accounts(self, actor: Actor, workspace: str) -> list[SendingAccount]:
        """Every MailU and outside mailbox of the workspace with its limits, in two queries
        (the send engine plans hundreds of mailboxes at once)."""
        found: list[SendingAccount] = []
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.MAILBOX_READ)
            mailu = session.execute(
                select(MailboxRow, ServerRow, SendingLimitRow)
                .join(ServerRow, ServerRow.id == MailboxRow.server_id)
                .outerjoin(SendingLimitRow, _limits_join(MailboxRow))
                .where(MailboxRow.workspace_id == ws.id)
            ).all()
            for box, server, limit in mailu:
                smtp, imap = mailu_servers(server.hostname or server.ip, box.email)
                found.append(
                    SendingAccount(
                        ws.name, box.email, MAILU, smtp, imap, box.password_secret,
                        box.enabled, limits_of(ws, box.email, limit),
                    )
                )  # fmt: skip
            outside = session.execute(
                select(OutsideMailboxRow, SendingLimitRow)
                .outerjoin(SendingLimitRow, _limits_join(OutsideMailboxRow))
                .where(OutsideMailboxRow.workspace_id == ws.id)
            ).all()
            for row, limit in outside:
                smtp, imap_server = outside_servers(row)
                found.append(
                    SendingAccount(
                        ws.name, row.email, OUTSIDE, smtp, imap_server, row.password_secret,
                        True, limits_of(ws, row.email, limit),
                    )
                )  # fmt: skip
        return sorted(found, key=lambda a: a.email)

    @staticmethod
    def _limit_row(session: Session, workspace_id: int, email: str) -> SendingLimitRow:
        row = session.get(SendingLimitRow, (workspace_id, email))
        if row is None:
            row = default_limit_row(workspace_id, email)
            session.add(row)
        return row

    @staticmethod
    def forget(session: Session, workspace_id: int, email: str) -> None:
        """Drop a mailbox's limits with the mailbox (its address may come back as another)."""
        session.execute(
            delete(SendingLimitRow).where(
                SendingLimitRow.workspace_id == workspace_id, SendingLimitRow.email == email
            )
        )


def _check_threshold(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValidationError(
            f"a bounce threshold is a fraction above 0 and at most 1 (0.02 is 2%), not {value!r}",
            field="bounce_threshold",
        )
    return float(value)
