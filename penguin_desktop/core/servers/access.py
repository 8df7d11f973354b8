"""Finding a server, checking the actor may touch it, and logging in to it: the
permission-checked reads and audited writes every server operation goes through, the SSH
sessions (pinned host key, key from the secret store, the server's lock), and the row as the
faces see it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.platform.jobs.locks import ResourceLocks
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets import SecretService
from penguin_desktop.core.servers.models import Health, ServerInfo, ServerStatus
from penguin_desktop.core.servers.ssh.client import SshConnection, SshTarget
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged
from penguin_desktop.core.servers.ssh.keys import load_private_key
from penguin_desktop.core.servers.tables import ServerRow

T = TypeVar("T")


@dataclass(frozen=True)
class Login:
    """What one SSH login needs, read in one transaction."""

    workspace: str
    name: str
    target: SshTarget
    pinned: str | None
    key_secret: str
    mailu_dir: str = "/mailu"


def server_info(ws: WorkspaceRow, row: ServerRow) -> ServerInfo:
    return ServerInfo(
        workspace=ws.name,
        name=row.name,
        provider=row.provider,
        ip=row.ip,
        hostname=row.hostname,
        ssh_port=row.ssh_port,
        ssh_user=row.ssh_user,
        host_key_fingerprint=row.host_key_fingerprint,
        offered_fingerprint=row.offered_fingerprint,
        status=ServerStatus(row.status),
        mailu_version=row.mailu_version,
        mailu_url=row.mailu_url,
        ssh_key_secret=row.ssh_key_secret,
        created_at=row.created_at,
        last_check_at=row.last_check_at,
        health=Health(health)
        if (health := json.loads(row.last_check or "{}").get("health"))
        else None,
        steps=dict(json.loads(row.steps or "{}").get("states", {})),
    )


def login_of(ws: WorkspaceRow, row: ServerRow) -> Login:
    return Login(
        ws.name,
        row.name,
        SshTarget(row.ip, row.ssh_port, row.ssh_user),
        row.host_key_fingerprint,
        row.ssh_key_secret,
        row.mailu_dir,
    )


def lock_key(workspace: str, server: str) -> str:
    return f"server {server!r} of {workspace!r}"


class ServerAccess(Service):
    """What every server operation stands on; ServerService, the door, is built on it."""

    def __init__(self, db: Database, secrets: SecretService, locks: ResourceLocks | None) -> None:
        super().__init__(db)
        self.secrets = secrets
        self.locks = locks or ResourceLocks()

    def _server(
        self,
        session: Session,
        actor: Actor,
        raw_name: str,
        workspace: str | None,
        permission: Permission,
        writable: bool = False,
    ) -> tuple[WorkspaceRow, ServerRow]:
        name = raw_name.strip()
        what = f"server named {name!r}"
        return self._named_row(
            session, actor, ServerRow, "name", name, workspace, permission, what, writable
        )

    def _read(
        self,
        actor: Actor,
        name: str,
        workspace: str | None,
        permission: Permission,
        view: Callable[[WorkspaceRow, ServerRow], T],
        writable: bool = False,
    ) -> T:
        """`view` of the server, taken inside one reading transaction (one consistent row)."""
        with self._reading(actor) as session:
            return view(*self._server(session, actor, name, workspace, permission, writable))

    def _login(
        self,
        actor: Actor,
        name: str,
        workspace: str | None,
        permission: Permission,
        writable: bool = False,
    ) -> Login:
        return self._read(actor, name, workspace, permission, login_of, writable)

    def _in_scope(
        self,
        actor: Actor,
        workspace: str | None,
        permission: Permission,
        view: Callable[[WorkspaceRow, ServerRow], T],
    ) -> list[T]:
        """`view` of every server of the workspaces `_workspaces_in_scope` gives."""
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, permission)
            rows = session.execute(
                select(ServerRow).where(ServerRow.workspace_id.in_(sorted(spaces)))
            ).scalars()
            return [view(spaces[r.workspace_id], r) for r in rows]

    def _logging_in_with(self, actor: Actor, workspace: str, secret: str) -> tuple[str, str | None]:
        """(the workspace's name, the server whose SSH key is `secret`, if any)."""
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.SERVER_MANAGE)
            server = session.execute(
                select(ServerRow.name).where(
                    ServerRow.workspace_id == ws.id, ServerRow.ssh_key_secret == secret
                )
            ).scalar_one_or_none()
            return ws.name, server

    def _ensure_free(self, session: Session, workspace_id: int, name: str) -> None:
        taken = f"a server named {name!r} already exists in this workspace"
        self._ensure_unused(session, ServerRow, "name", name, workspace_id, taken)

    def _check_free(self, actor: Actor, workspace: str, name: str) -> None:
        """Refuse early, before any slow or paid work, what `_insert` would refuse."""
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SERVER_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, name)

    def _insert(
        self, actor: Actor, workspace: str, row: ServerRow, action: str, **summary: Any
    ) -> ServerInfo:
        """Record a new server, checked again in the writing transaction (another may have
        taken the name meanwhile)."""
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SERVER_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, row.name)
            row.workspace_id = ws.id
            session.add(row)
            session.flush()
            self._audit(session, actor, action, f"server:{row.name}", ws, **summary)
            return server_info(ws, row)

    def _change(
        self,
        actor: Actor,
        server: str,
        workspace: str,
        permission: Permission,
        action: str,
        edit: Callable[[ServerRow], dict[str, Any]] | None = None,
        *,
        writable: bool = False,
        **summary: Any,
    ) -> ServerInfo:
        """Audit `action` on the server, with `edit`'s change to its row (what `edit` returns
        joins the audit summary) in the same transaction."""
        with self._writing(actor) as session:
            ws, row = self._server(session, actor, server, workspace, permission, writable)
            changed = edit(row) if edit is not None else {}
            self._audit(
                session, actor, action, f"server:{server}", ws,
                name=server, **summary, **changed,
            )  # fmt: skip
            return server_info(ws, row)

    # --- SSH sessions ----------------------------------------------------------------------------
    @contextmanager
    def connect(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        permission: Permission = Permission.SERVER_OPERATE,
        purpose: str = "ssh login",
        keep_key_for: timedelta | None = None,
    ) -> Iterator[SshConnection]:
        """A logged-in SSH connection to the server (pinned host key, key from the secret
        store, kept in memory `keep_key_for` by work that repeats). A changed host key is
        refused, audited, and nothing is sent."""
        login = self._login(actor, name, workspace, permission)
        key = self.secrets.use(
            actor, login.workspace, login.key_secret, f"{purpose} to {name}", keep_key_for
        )
        try:
            conn = SshConnection.connect(login.target, login.pinned, load_private_key(key))
        except HostKeyChanged as changed:
            self._record_refusal(actor, login, changed)
            raise
        with conn:
            yield conn

    def _record_refusal(self, actor: Actor, login: Login, changed: HostKeyChanged) -> None:
        with self.db.write() as session:
            ws, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_READ
            )
            row.offered_fingerprint = changed.offered
            self._audit(
                session, actor, "server.host-key.refused", f"server:{login.name}", ws,
                name=login.name, pinned=changed.pinned, offered=changed.offered,
            )  # fmt: skip

    def _hold(self, login: Login, what: str) -> AbstractContextManager[None]:
        """The server's one-job-at-a-time lock, held for `what`."""
        return self.locks.hold(lock_key(login.workspace, login.name), what)

    @contextmanager
    def _session(
        self,
        actor: Actor,
        login: Login,
        what: str,
        permission: Permission = Permission.SERVER_OPERATE,
    ) -> Iterator[SshConnection]:
        """The server's lock held for `what`, and a connection logged in for it."""
        with (
            self._hold(login, what),
            self.connect(actor, login.name, login.workspace, permission, what) as conn,
        ):
            yield conn

    @contextmanager
    def job(self, actor: Actor, name: str, workspace: str | None, what: str) -> Iterator[str]:
        """Hold the server's one-job-at-a-time lock; yields the workspace name."""
        login = self._login(actor, name, workspace, Permission.SERVER_READ)
        with self._hold(login, what):
            yield login.workspace
