"""Mailboxes hosted elsewhere (Google Workspace, Microsoft 365, any SMTP/IMAP host) that
campaigns send through: connect, test the logins, list, disconnect.

The password is typed by the agency (nothing is generated: the host owns the account) and goes
straight into the secret store under the same name a MailU mailbox's would; the row holds only
that name. Testing logs in for real, outside any database transaction.
"""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.mailboxes.mailconn import MailServer, Tls, check_imap, check_smtp
from penguin_desktop.core.mailboxes.models import OutsideMailboxInfo
from penguin_desktop.core.mailboxes.sending import (
    MAILU,
    MAX_DAILY,
    MAX_GAP_SECONDS,
    SendingService,
    check_whole,
    default_limit_row,
    find_mailbox,
    limits_of,
    mailu_servers,
    outside_servers,
)
from penguin_desktop.core.mailboxes.service import clean_email, password_secret_name
from penguin_desktop.core.mailboxes.tables import MailboxRow, OutsideMailboxRow, SendingLimitRow
from penguin_desktop.core.platform.errors import ConflictError, NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers import ServerRow

MAX_HOST = 255
MAX_USER = 320


def clean_server(server: MailServer, prefix: str) -> MailServer:
    """The server with its host and user trimmed, or a ValidationError naming `prefix`_host,
    _port, _tls or _user."""
    what = prefix.upper()
    host = server.host.strip().lower().rstrip(".")
    if not host or len(host) > MAX_HOST or any(c.isspace() or c in "/@:" for c in host):
        raise ValidationError(
            f"say the {what} server's host name (like smtp.example.com), not {server.host!r}",
            field=f"{prefix}_host",
        )
    port = check_whole(server.port, 1, 65535, f"{prefix}_port", f"an {what} port")
    try:
        tls = Tls(str(server.tls).strip().lower())
    except ValueError:
        allowed = ", ".join(t.value for t in Tls)
        raise ValidationError(
            f"{what} TLS is one of {allowed}, not {str(server.tls)!r}", field=f"{prefix}_tls"
        ) from None
    user = server.user.strip()
    if not user or len(user) > MAX_USER:
        raise ValidationError(f"say the {what} login user name", field=f"{prefix}_user")
    return MailServer(host, port, tls, user)


def _info(
    ws: WorkspaceRow, row: OutsideMailboxRow, limit: SendingLimitRow | None
) -> OutsideMailboxInfo:
    smtp, imap = outside_servers(row)
    return OutsideMailboxInfo(
        workspace=ws.name,
        email=row.email,
        smtp=smtp,
        imap=imap,
        password_secret=row.password_secret,
        created_at=row.created_at,
        limits=limits_of(ws, row.email, limit),
    )


def _row(
    workspace_id: int, email: str, secret: str, smtp: MailServer, imap: MailServer | None
) -> OutsideMailboxRow:
    return OutsideMailboxRow(
        workspace_id=workspace_id,
        email=email,
        password_secret=secret,
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_tls=smtp.tls.value,
        smtp_user=smtp.user,
        imap_host=imap.host if imap else None,
        imap_port=imap.port if imap else None,
        imap_tls=imap.tls.value if imap else None,
        imap_user=imap.user if imap else None,
    )


def _text(server: MailServer) -> str:
    return f"{server.host}:{server.port} {server.tls.value} as {server.user}"


class OutsideMailboxService(Service):
    """Connect, test, list and disconnect mailboxes hosted outside the agency's MailU."""

    def __init__(self, db: Database, secrets: SecretService) -> None:
        super().__init__(db)
        self.secrets = secrets

    def connect(
        self,
        actor: Actor,
        workspace: str,
        raw_email: str,
        smtp: MailServer,
        imap: MailServer | None,
        password: str,
        *,
        daily_limit: int | None = None,
        min_gap_seconds: int | None = None,
    ) -> OutsideMailboxInfo:
        """Keep the mailbox's servers, its limits and (in the secret store) its password.
        Nothing is tried here: `test` logs in, so a host that is down today can be set up."""
        email = clean_email(raw_email)
        smtp = clean_server(smtp, "smtp")
        imap = clean_server(imap, "imap") if imap is not None else None
        if daily_limit is not None:
            check_whole(daily_limit, 1, MAX_DAILY, "daily_limit", "a limit")
        if min_gap_seconds is not None:
            check_whole(min_gap_seconds, 0, MAX_GAP_SECONDS, "min_gap_seconds", "a gap")
        if not password:
            raise ValidationError("give the mailbox's password", field="password")
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.MAILBOX_MANAGE, writable=True
            )
            self._ensure_free(session, ws, email)
            ws_name = ws.name
        secret = password_secret_name(email)
        self.secrets.set(
            actor, ws_name, secret, SecretKind.SMTP_PASSWORD, password,
            reason=f"outside mailbox {email}",
        )  # fmt: skip
        try:
            with self._writing(actor) as session:
                ws, _ = self._workspace(
                    session, actor, ws_name, Permission.MAILBOX_MANAGE, writable=True
                )
                self._ensure_free(session, ws, email)
                row = _row(ws.id, email, secret, smtp, imap)
                limit = default_limit_row(ws.id, email)
                if daily_limit is not None:
                    limit.daily_limit = daily_limit
                if min_gap_seconds is not None:
                    limit.min_gap_seconds = min_gap_seconds
                SendingService.forget(session, ws.id, email)
                session.add_all([row, limit])
                session.flush()
                self._audit(
                    session, actor, "mailbox.connect", f"mailbox:{email}", ws, email=email,
                    smtp=_text(smtp), imap=_text(imap) if imap else None,
                    daily_limit=limit.daily_limit, min_gap_seconds=limit.min_gap_seconds,
                )  # fmt: skip
                return _info(ws, row, limit)
        except BaseException:
            self.secrets.delete(actor, ws_name, secret, reason="outside mailbox connect failed")
            raise

    def disconnect(self, actor: Actor, raw_email: str, workspace: str | None = None) -> None:
        """Forget the outside mailbox, its limits and its password (the account itself, at its
        host, is untouched)."""
        email = clean_email(raw_email)
        with self._writing(actor) as session:
            ws, row = self._named_row(
                session, actor, OutsideMailboxRow, "email", email, workspace,
                Permission.MAILBOX_MANAGE, f"outside mailbox {email!r}", True,
            )  # fmt: skip
            ws_name, secret = ws.name, row.password_secret
            session.delete(row)
            SendingService.forget(session, ws.id, email)
            self._audit(session, actor, "mailbox.disconnect", f"mailbox:{email}", ws, email=email)
        with suppress(NotFoundError):
            self.secrets.delete(actor, ws_name, secret, reason="outside mailbox disconnected")

    def test(
        self,
        actor: Actor,
        raw_email: str,
        workspace: str | None = None,
        ca_file: str | None = None,
    ) -> list[str]:
        """Log in to SMTP (and IMAP, when known) with the stored password and out again, for
        an outside or a MailU mailbox; one line per login, or the adapter's error."""
        email = clean_email(raw_email)
        with self._reading(actor) as session:
            ws, kind = find_mailbox(
                self, session, actor, email, workspace, Permission.MAILBOX_MANAGE
            )
            smtp, imap, secret = self._servers(session, ws.id, email, kind)
            ws_name = ws.name
        password = self.secrets.use(actor, ws_name, secret, purpose="mailbox test")
        return self.check(smtp, imap, password, ca_file=ca_file)

    @staticmethod
    def check(
        smtp: MailServer, imap: MailServer | None, password: str, *, ca_file: str | None = None
    ) -> list[str]:
        """Log in with a password not stored yet (the connect form's Test button), so a typo
        shows before anything is kept; nothing is read or written here, nothing audited."""
        smtp = clean_server(smtp, "smtp")
        imap = clean_server(imap, "imap") if imap is not None else None
        lines = [check_smtp(smtp, password, ca_file=ca_file)]
        if imap is not None:
            lines.append(check_imap(imap, password, ca_file=ca_file))
        return lines

    def all(self, actor: Actor, workspace: str | None = None) -> list[OutsideMailboxInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.MAILBOX_READ)
            rows = session.execute(
                select(OutsideMailboxRow, SendingLimitRow)
                .outerjoin(
                    SendingLimitRow,
                    (SendingLimitRow.workspace_id == OutsideMailboxRow.workspace_id)
                    & (SendingLimitRow.email == OutsideMailboxRow.email),
                )
                .where(OutsideMailboxRow.workspace_id.in_(sorted(spaces)))
            ).all()
            infos = [_info(spaces[r.workspace_id], r, limit) for r, limit in rows]
        return sorted(infos, key=lambda m: (m.workspace.casefold(), m.email))

    @staticmethod
    def _servers(
        session: Session, workspace_id: int, email: str, kind: str
    ) -> tuple[MailServer, MailServer | None, str]:
        if kind == MAILU:
            box, server = session.execute(
                select(MailboxRow, ServerRow)
                .join(ServerRow, ServerRow.id == MailboxRow.server_id)
                .where(MailboxRow.workspace_id == workspace_id, MailboxRow.email == email)
            ).one()
            smtp, imap = mailu_servers(server.hostname or server.ip, email)
            return smtp, imap, box.password_secret
        row = session.execute(
            select(OutsideMailboxRow).where(
                OutsideMailboxRow.workspace_id == workspace_id, OutsideMailboxRow.email == email
            )
        ).scalar_one()
        smtp, imap_server = outside_servers(row)
        return smtp, imap_server, row.password_secret

    @staticmethod
    def _ensure_free(session: Session, ws: WorkspaceRow, email: str) -> None:
        """One address is one mailbox in a workspace, MailU's or outside."""
        for model, what in ((MailboxRow, "a MailU mailbox"), (OutsideMailboxRow, "connected")):
            taken = session.execute(
                select(model.id).where(model.workspace_id == ws.id, model.email == email)
            ).first()
            if taken is not None:
                raise ConflictError(f"{email} is already {what} in {ws.name}")
