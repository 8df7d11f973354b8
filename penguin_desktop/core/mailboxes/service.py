"""Mailboxes: MailU users on a workspace's servers, their aliases and how mail clients reach
them. Passwords are generated into the secret store and go nowhere else except MailU's API (and
later an SMTP/IMAP login).

Mailboxes are kept in the workspace (linked to the MailU user by address); aliases live only in
MailU and are read from its admin API, so they are never out of date.

Over the ~400-line habit: mailboxes and their aliases share one door (permission, MailU client,
audit) and each method is short; aliases are the part to move out next.
"""

from __future__ import annotations

import secrets as token_source
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.mailboxes.models import MailboxInfo
from penguin_desktop.core.mailboxes.tables import MailboxRow
from penguin_desktop.core.platform import quotas
from penguin_desktop.core.platform.emails import normalize_email
from penguin_desktop.core.platform.errors import (
    ConflictError,
    NotFoundError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission, allows
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers import MailuClient, ServerRow

if TYPE_CHECKING:  # paramiko stays unloaded until a server is really used
    from penguin_desktop.core.servers import ServerService

T = TypeVar("T")

SMTP_SUBMISSION_PORT = 587
SMTPS_PORT = 465
IMAPS_PORT = 993
STARTTLS = "STARTTLS"
IMPLICIT_TLS = "SSL/TLS"
PASSWORD_BYTES = 18
MAX_QUOTA_MB = 1024 * 1024  # 1 TiB: anything above is a typo
MAX_DESTINATIONS = 50


@dataclass(frozen=True)
class Endpoint:
    """One way a mail client reaches the mailbox."""

    protocol: str  # "SMTP" or "IMAP"
    host: str
    port: int
    security: str  # STARTTLS or SSL/TLS


@dataclass(frozen=True)
class MailboxSettings:
    """What a mail client (or a sending tool) needs to log in; the password itself stays in
    the secret store, named by `password_secret`."""

    workspace: str
    server: str
    email: str
    username: str
    enabled: bool
    password_secret: str
    endpoints: tuple[Endpoint, ...]


@dataclass(frozen=True)
class AliasInfo:
    """A MailU alias on one of a workspace's servers: mail to `email` goes to `destinations`."""

    workspace: str
    server: str
    email: str
    destinations: tuple[str, ...]
    comment: str

    @property
    def destination_text(self) -> str:
        return ", ".join(self.destinations)


def clean_email(raw: str, what: str = "mailbox address") -> str:
    """The lower-cased address (checked by core.auth.emails), or a ValidationError naming
    `what` was wrong and why."""
    try:
        return normalize_email(raw)
    except ValidationError as exc:
        reason = exc.message.removeprefix(f"not a valid email address {raw!r}: ")
        raise ValidationError(f"bad {what} {raw.strip()!r}: {reason}") from None


def clean_quota(quota_mb: int | None) -> int | None:
    if quota_mb is None:
        return None
    if isinstance(quota_mb, bool) or not isinstance(quota_mb, int):
        raise ValidationError(f"a quota is a whole number of MB, not {quota_mb!r}")
    if quota_mb < 1:
        raise ValidationError("a quota is at least 1 MB")
    if quota_mb > MAX_QUOTA_MB:
        raise ValidationError(f"a quota of {quota_mb} MB is more than 1 TB: is it a typo?")
    return quota_mb


def clean_destinations(alias: str, raw: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Each destination checked and lower-cased, in the order given, without repeats."""
    found: list[str] = []
    for item in raw:
        for part in item.replace(",", " ").split():
            email = clean_email(part, "destination address")
            if email not in found:
                found.append(email)
    if not found:
        raise ValidationError(f"say where mail to {alias} goes: at least one destination")
    if alias in found:
        raise ValidationError(f"{alias} cannot forward to itself")
    if len(found) > MAX_DESTINATIONS:
        raise ValidationError(f"at most {MAX_DESTINATIONS} destinations per alias")
    return tuple(found)


def _host(server: ServerRow) -> str:
    return server.hostname or server.ip


def _settings(ws: WorkspaceRow, server: ServerRow, row: MailboxRow) -> MailboxSettings:
    host = _host(server)
    return MailboxSettings(
        workspace=ws.name,
        server=server.name,
        email=row.email,
        username=row.email,
        enabled=row.enabled,
        password_secret=row.password_secret,
        endpoints=(
            Endpoint("SMTP", host, SMTPS_PORT, IMPLICIT_TLS),
            Endpoint("SMTP", host, SMTP_SUBMISSION_PORT, STARTTLS),
            Endpoint("IMAP", host, IMAPS_PORT, IMPLICIT_TLS),
        ),
    )


def password_secret_name(email: str) -> str:
    return f"mailbox/{email}"


def _info(ws: WorkspaceRow, server: ServerRow, row: MailboxRow) -> MailboxInfo:
    host = _host(server)
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

    @staticmethod
    def _require_mailu(server: ServerRow) -> tuple[str, str]:
        if not server.mailu_url or not server.mailu_token_secret:
            raise ValidationError(
                f"{server.name} has no MailU admin API yet: provision it, or give the URL of "
                "its MailU admin API",
                field="mailu_url",
                remedy=Remedy("server.provision", server.name, (("domain", ""),)),
            )
        return server.mailu_url, server.mailu_token_secret

    def _mailu(self, actor: Actor, workspace: str, server: ServerRow) -> MailuClient:
        url, token_secret = self._require_mailu(server)
        token = self.secrets.use(
            actor, workspace, token_secret, f"MailU admin API of {server.name}"
        )
        return MailuClient(url, token)

    def create(
        self,
        actor: Actor,
        raw_email: str,
        server_name: str,
        workspace: str | None = None,
        quota_mb: int | None = None,
    ) -> MailboxInfo:
        email = clean_email(raw_email)
        quota_mb = clean_quota(quota_mb)
        with self._reading(actor) as session:
            ws, server = self.servers._server(
                session, actor, server_name, workspace, Permission.MAILBOX_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, email)
            self.db.quotas.require(session, ws.id, quotas.MAILBOXES)
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
                self.db.quotas.require(session, ws.id, quotas.MAILBOXES)
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

    def settings(
        self, actor: Actor, raw_email: str, workspace: str | None = None
    ) -> MailboxSettings:
        """How mail clients log in: SMTP 465 (SSL/TLS) or 587 (STARTTLS), IMAP 993 (SSL/TLS),
        the address as username. No password: it is only named (its secret)."""
        with self._reading(actor) as session:
            ws, row = self._mailbox(session, actor, clean_email(raw_email), workspace)
            server = session.get(ServerRow, row.server_id)
            assert server is not None
            return _settings(ws, server, row)

    def disable(self, actor: Actor, raw_email: str, workspace: str | None = None) -> MailboxInfo:
        """Disable the MailU user: no login, no sending, mail kept."""
        return self._set_enabled(actor, raw_email, workspace, False)

    def enable(self, actor: Actor, raw_email: str, workspace: str | None = None) -> MailboxInfo:
        """Let a disabled mailbox log in and send again (same password, same mail)."""
        return self._set_enabled(actor, raw_email, workspace, True)

    def _set_enabled(
        self, actor: Actor, raw_email: str, workspace: str | None, enabled: bool
    ) -> MailboxInfo:
        ws_name, server, row = self._load(actor, raw_email, workspace)
        with self._mailu(actor, ws_name, server) as api:
            self._on_mailu(server, row.email, lambda: api.update_user(row.email, enabled=enabled))
        action = "mailbox.enable" if enabled else "mailbox.disable"
        return self._record(actor, ws_name, row.email, action, enabled=enabled)

    def set_quota(
        self, actor: Actor, raw_email: str, quota_mb: int, workspace: str | None = None
    ) -> MailboxInfo:
        """Change the mailbox's quota in MailU (MB), then here."""
        quota = clean_quota(quota_mb)
        if quota is None:
            raise ValidationError("say the new quota in MB")
        ws_name, server, row = self._load(actor, raw_email, workspace)
        with self._mailu(actor, ws_name, server) as api:
            self._on_mailu(
                server,
                row.email,
                lambda: api.update_user(row.email, quota_bytes=quota * 1024 * 1024),
            )
        return self._record(
            actor, ws_name, row.email, "mailbox.quota", previous_mb=row.quota_mb, quota_mb=quota
        )

    def passwd(self, actor: Actor, raw_email: str, workspace: str | None = None) -> MailboxInfo:
        """A new generated password: set in MailU first, then stored (a replacement is a
        rotation for the secrets framework)."""
        ws_name, server, row = self._load(actor, raw_email, workspace)
        password = token_source.token_urlsafe(PASSWORD_BYTES)
        with self._mailu(actor, ws_name, server) as api:
            self._on_mailu(server, row.email, lambda: api.update_user(row.email, password=password))
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
        """Delete the MailU user (and its mail) and forget the mailbox and its password.
        Aliases pointing at it stay in MailU (they may forward elsewhere too)."""
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

    # --- aliases -------------------------------------------------------------------------------
    def add_alias(
        self,
        actor: Actor,
        raw_alias: str,
        destinations: list[str] | tuple[str, ...],
        server_name: str,
        workspace: str | None = None,
        comment: str = "",
    ) -> AliasInfo:
        """A MailU alias on `server_name`: mail to it goes to every destination (mailboxes
        here or any outside address)."""
        alias = clean_email(raw_alias, "alias address")
        targets = clean_destinations(alias, destinations)
        with self._reading(actor) as session:
            ws, server = self.servers._server(
                session, actor, server_name, workspace, Permission.MAILBOX_MANAGE, writable=True
            )
            taken = session.execute(
                select(MailboxRow.id).where(
                    MailboxRow.workspace_id == ws.id, MailboxRow.email == alias
                )
            ).scalar_one_or_none()
            if taken is not None:
                raise ConflictError(f"{alias} is a mailbox of {ws.name}; an alias needs its own")
            ws_name = ws.name
        with self._mailu(actor, ws_name, server) as api:
            try:
                api.create_alias(alias, list(targets), comment=comment.strip())
            except ConflictError:
                raise ConflictError(
                    f"{alias} already exists on {server.name} (as an alias or a mailbox)"
                ) from None
            except NotFoundError as exc:
                domain = alias.rsplit("@", 1)[1]
                raise NotFoundError(
                    f"{exc.message}: add {domain} to MailU on {server.name} first"
                ) from None
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, ws_name, Permission.MAILBOX_MANAGE, writable=True
            )
            self._audit(
                session,
                actor,
                "mailbox.alias.add",
                f"alias:{alias}",
                ws,
                alias=alias,
                server=server.name,
                destinations=list(targets),
            )
        return AliasInfo(ws_name, server.name, alias, targets, comment.strip())

    def aliases(
        self,
        actor: Actor,
        workspace: str | None = None,
        server: str | None = None,
        destination: str | None = None,
    ) -> list[AliasInfo]:
        """Aliases on the MailU servers in scope, read live from MailU (with each server's
        admin token, hence `mailbox.alias.read`); `destination` keeps those forwarding to it."""
        wanted = clean_email(destination, "destination address") if destination else None
        found: list[AliasInfo] = []
        for ws_name, row in self._alias_servers(
            actor, workspace, server, Permission.MAILBOX_ALIAS_READ
        ):
            with self._mailu(actor, ws_name, row) as api:
                listed = self._on_mailu(row, None, api.aliases)
            for alias in listed:
                targets = tuple(d.lower() for d in alias.destination)
                if wanted is None or wanted in targets:
                    found.append(
                        AliasInfo(ws_name, row.name, alias.email.lower(), targets, alias.comment)
                    )
        return sorted(found, key=lambda a: (a.workspace.casefold(), a.email, a.server))

    def remove_alias(
        self,
        actor: Actor,
        raw_alias: str,
        workspace: str | None = None,
        server: str | None = None,
    ) -> AliasInfo:
        """Delete an alias from MailU. Without `server`, the one server in scope that has it."""
        alias = clean_email(raw_alias, "alias address")
        holders: list[tuple[str, ServerRow, AliasInfo]] = []
        for ws_name, row in self._alias_servers(
            actor, workspace, server, Permission.MAILBOX_MANAGE, writable=True
        ):
            with self._mailu(actor, ws_name, row) as api:
                for item in self._on_mailu(row, None, api.aliases):
                    if item.email.lower() == alias:
                        info = AliasInfo(
                            ws_name,
                            row.name,
                            alias,
                            tuple(d.lower() for d in item.destination),
                            item.comment,
                        )
                        holders.append((ws_name, row, info))
        if not holders:
            where = f"on {server.strip()}" if server else "on your workspaces' MailU servers"
            raise NotFoundError(f"no alias {alias} {where}")
        if len(holders) > 1:
            places = ", ".join(sorted(f"{i.server} ({i.workspace})" for _, _, i in holders))
            raise ValidationError(
                f"{alias} is on several servers ({places}): say which server", field="server"
            )
        ws_name, row, info = holders[0]
        with self._mailu(actor, ws_name, row) as api:
            try:
                api.delete_alias(alias)
            except NotFoundError:
                raise NotFoundError(f"no alias {alias} on {row.name} (anymore)") from None
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, ws_name, Permission.MAILBOX_MANAGE, writable=True
            )
            self._audit(
                session,
                actor,
                "mailbox.alias.remove",
                f"alias:{alias}",
                ws,
                alias=alias,
                server=row.name,
                destinations=list(info.destinations),
            )
        return info

    def _alias_servers(
        self,
        actor: Actor,
        workspace: str | None,
        server: str | None,
        permission: Permission,
        writable: bool = False,
    ) -> list[tuple[str, ServerRow]]:
        """(workspace name, server) of the MailU servers in scope where the actor may do
        `permission`; naming a server or workspace the actor may not use is refused."""
        with self._reading(actor) as session:
            if server:
                ws, row = self.servers._server(
                    session, actor, server, workspace, permission, writable=writable
                )
                self._require_mailu(row)
                return [(ws.name, row)]
            if workspace:
                ws, _ = self._workspace(session, actor, workspace, permission, writable=writable)
                spaces = {ws.id: ws}
            else:
                spaces = {
                    i: w
                    for i, (w, role) in self._visible_workspaces(session, actor, None).items()
                    if allows(role, permission) and not (writable and w.archived_at is not None)
                }
            rows = session.execute(
                select(ServerRow)
                .where(
                    ServerRow.workspace_id.in_(sorted(spaces)),
                    ServerRow.mailu_url.is_not(None),
                    ServerRow.mailu_token_secret.is_not(None),
                )
                .order_by(ServerRow.name)
            ).scalars()
            return [(spaces[r.workspace_id].name, r) for r in rows if r.mailu_url]

    @staticmethod
    def _on_mailu(server: ServerRow, email: str | None, call: Callable[[], T]) -> T:
        """Run a MailU call, naming the server in its errors; a user MailU no longer knows is
        said in words that tell what to do."""
        try:
            return call()
        except NotFoundError as exc:
            if email is not None:
                raise NotFoundError(
                    f"MailU on {server.name} has no user {email} (removed there by hand?); "
                    "removing the mailbox here forgets it",
                    remedy=Remedy("mailbox.remove", email),
                ) from None
            raise NotFoundError(f"{exc.message} (on {server.name})") from None

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
        self,
        actor: Actor,
        workspace: str,
        email: str,
        action: str,
        previous_mb: int | None = None,
        **changes: Any,
    ) -> MailboxInfo:
        with self._writing(actor) as session:
            ws, row = self._mailbox(session, actor, email, workspace, writable=True)
            for key, value in changes.items():
                setattr(row, key, value)
            extra = {"previous_mb": previous_mb} if "quota_mb" in changes else {}
            self._audit(
                session, actor, action, f"mailbox:{email}", ws, email=email, **extra, **changes
            )
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
        return self._named_row(
            session, actor, MailboxRow, "email", email, workspace, permission,
            f"mailbox {email!r}", writable,
        )  # fmt: skip

    def _ensure_free(self, session: Session, workspace_id: int, email: str) -> None:
        taken = f"mailbox {email} already exists in this workspace"
        self._ensure_unused(session, MailboxRow, "email", email, workspace_id, taken)
