"""Mailboxes: MailU users on a workspace's servers. Passwords are generated into the secret
store and go nowhere else except MailU's API (and later an SMTP/IMAP login)."""

from __future__ import annotations

import secrets as token_source
from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.auth.permissions import Permission
from penguin_desktop.core.errors import ConflictError, NotFoundError, ValidationError
from penguin_desktop.core.mailu.client import MailuClient
from penguin_desktop.core.models import Actor, MailboxInfo, SecretKind
from penguin_desktop.core.services.base import Service
from penguin_desktop.core.services.secrets import SecretService
from penguin_desktop.core.services.servers import ServerService
from penguin_desktop.core.store.database import Database
from penguin_desktop.core.store.tables import MailboxRow, ServerRow, WorkspaceRow

SMTP_SUBMISSION_PORT = 587
IMAPS_PORT = 993
PASSWORD_BYTES = 18


def clean_email(raw: str) -> str:
    email = raw.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise ValidationError(f"bad mailbox address {raw!r}: expected name@domain")
    return email


def password_secret_name(email: str) -> str:
    return f"mailbox/{email}"


def _info(ws: WorkspaceRow, server: ServerRow, row: MailboxRow) -> MailboxInfo:
    host = server.hostname or server.ip
    return MailboxInfo(
        workspace=ws.name,
        server=server.name,
        email=row.email,
        enabled=row.enabled,
        quota_mb=row.quota_mb,
        password_secret=row.password_secret,
        smtp_host=host,
        smtp_port=SMTP_SUBMISSION_PORT,
        imap_host=host,
        imap_port=IMAPS_PORT,
        created_at=row.created_at,
    )


class MailboxService(Service):
    def __init__(self, db: Database, secrets: SecretService, servers: ServerService) -> None:
        super().__init__(db)
        self.secrets = secrets
        self.servers = servers

    def _mailu(self, actor: Actor, workspace: str, server: ServerRow) -> MailuClient:
        if not server.mailu_url or not server.mailu_token_secret:
            raise ValidationError(
                f"{server.name} has no MailU admin API yet: run `penguin server provision "
                f"{server.name} --domain ...`, or adopt it with --mailu-url"
            )
        token = self.secrets.use(
            actor, workspace, server.mailu_token_secret, f"MailU admin API of {server.name}"
        )
        return MailuClient(server.mailu_url, token)

    def create(
        self,
        actor: Actor,
        raw_email: str,
        server_name: str,
        workspace: str | None = None,
        quota_mb: int | None = None,
    ) -> MailboxInfo:
        email = clean_email(raw_email)
        if quota_mb is not None and quota_mb < 1:
            raise ValidationError("a quota is at least 1 MB")
        with self._reading(actor) as session:
            ws, server = self.servers._server(
                session, actor, server_name, workspace, Permission.MAILBOX_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, email)
            ws_name = ws.name
        secret = password_secret_name(email)
        password = token_source.token_urlsafe(PASSWORD_BYTES)
        self.secrets.set(
            actor, ws_name, secret, SecretKind.SMTP_PASSWORD, password, reason=f"mailbox {email}"
        )
        try:
            with self._mailu(actor, ws_name, server) as api:
                quota = quota_mb * 1024 * 1024 if quota_mb else None
                api.create_user(email, password, quota_bytes=quota, comment="penguinmails")
            with self._writing(actor) as session:
                ws, server = self.servers._server(
                    session, actor, server.name, ws_name, Permission.MAILBOX_MANAGE, True
                )
                self._ensure_free(session, ws.id, email)
                row = MailboxRow(
                    workspace_id=ws.id,
                    server_id=server.id,
                    email=email,
                    quota_mb=quota_mb,
                    enabled=True,
                    password_secret=secret,
                )
                session.add(row)
                session.flush()
                self._audit(
                    session,
                    actor,
                    "mailbox.create",
                    f"mailbox:{email}",
                    ws,
                    email=email,
                    server=server.name,
                    quota_mb=quota_mb,
                )
                return _info(ws, server, row)
        except BaseException:
            self.secrets.delete(actor, ws_name, secret, reason="mailbox create failed")
            raise

    def all(
        self, actor: Actor, workspace: str | None = None, server: str | None = None
    ) -> list[MailboxInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.MAILBOX_READ)
            query = (
                select(MailboxRow, ServerRow)
                .join(ServerRow, ServerRow.id == MailboxRow.server_id)
                .where(MailboxRow.workspace_id.in_(sorted(spaces)))
            )
            if server:
                query = query.where(ServerRow.name == server.strip())
            infos = [_info(spaces[m.workspace_id], s, m) for m, s in session.execute(query)]
        return sorted(infos, key=lambda m: (m.workspace.casefold(), m.email))

    def disable(self, actor: Actor, raw_email: str, workspace: str | None = None) -> MailboxInfo:
        """Disable the MailU user: no login, no sending, mail kept."""
        ws_name, server, row = self._load(actor, raw_email, workspace)
        with self._mailu(actor, ws_name, server) as api:
            api.update_user(row.email, enabled=False)
        return self._record(actor, ws_name, row.email, "mailbox.disable", enabled=False)

    def passwd(self, actor: Actor, raw_email: str, workspace: str | None = None) -> MailboxInfo:
        """A new generated password: set in MailU first, then stored (a replacement is a
        rotation for the secrets framework)."""
        ws_name, server, row = self._load(actor, raw_email, workspace)
        password = token_source.token_urlsafe(PASSWORD_BYTES)
        with self._mailu(actor, ws_name, server) as api:
            api.update_user(row.email, password=password)
        self.secrets.set(
            actor,
            ws_name,
            row.password_secret,
            SecretKind.SMTP_PASSWORD,
            password,
            reason=f"mailbox {row.email} password changed",
        )
        return self._record(actor, ws_name, row.email, "mailbox.passwd")

    def remove(self, actor: Actor, raw_email: str, workspace: str | None = None) -> None:
        """Delete the MailU user (and its mail) and forget the mailbox and its password."""
        ws_name, server, row = self._load(actor, raw_email, workspace)
        with self._mailu(actor, ws_name, server) as api, suppress(NotFoundError):
            api.delete_user(row.email)
        with self._writing(actor) as session:
            ws, mailbox = self._mailbox(session, actor, row.email, ws_name, writable=True)
            session.delete(mailbox)
            self._audit(
                session, actor, "mailbox.remove", f"mailbox:{row.email}", ws, email=row.email
            )
        with suppress(NotFoundError):
            self.secrets.delete(actor, ws_name, row.password_secret, reason="mailbox removed")

    # --- helpers -------------------------------------------------------------------------------
    def _load(
        self, actor: Actor, raw_email: str, workspace: str | None
    ) -> tuple[str, ServerRow, MailboxRow]:
        with self._reading(actor) as session:
            ws, row = self._mailbox(session, actor, clean_email(raw_email), workspace, True)
            server = session.get(ServerRow, row.server_id)
            assert server is not None
            return ws.name, server, row

    def _record(
        self, actor: Actor, workspace: str, email: str, action: str, **changes: bool
    ) -> MailboxInfo:
        with self._writing(actor) as session:
            ws, row = self._mailbox(session, actor, email, workspace, writable=True)
            for key, value in changes.items():
                setattr(row, key, value)
            self._audit(session, actor, action, f"mailbox:{email}", ws, email=email, **changes)
            server = session.get(ServerRow, row.server_id)
            assert server is not None
            return _info(ws, server, row)

    def _mailbox(
        self,
        session: Session,
        actor: Actor,
        email: str,
        workspace: str | None,
        writable: bool = False,
    ) -> tuple[WorkspaceRow, MailboxRow]:
        permission = Permission.MAILBOX_MANAGE if writable else Permission.MAILBOX_READ
        if workspace is None:
            spaces = self._rows_visible(session, actor, None)
            found = (
                session.execute(
                    select(MailboxRow.workspace_id).where(
                        MailboxRow.email == email, MailboxRow.workspace_id.in_(sorted(spaces))
                    )
                )
                .scalars()
                .all()
            )
            if not found:
                raise NotFoundError(f"no mailbox {email!r} in your workspaces")
            if len(found) > 1:
                raise ValidationError(f"{email} is in several workspaces: say which with -w")
            workspace = spaces[found[0]].name
        ws, _ = self._workspace(session, actor, workspace, permission, writable=writable)
        row = session.execute(
            select(MailboxRow).where(MailboxRow.workspace_id == ws.id, MailboxRow.email == email)
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no mailbox {email!r} in {ws.name!r}")
        return ws, row

    @staticmethod
    def _ensure_free(session: Session, workspace_id: int, email: str) -> None:
        taken = session.execute(
            select(MailboxRow.id).where(
                MailboxRow.workspace_id == workspace_id, MailboxRow.email == email
            )
        ).scalar_one_or_none()
        if taken is not None:
            raise ConflictError(f"mailbox {email} already exists in this workspace")
