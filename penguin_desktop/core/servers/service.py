"""Mail servers of a workspace: adopt one by address, trust its host key explicitly, check its
health over SSH, remove it. One job at a time per server.

The SSH private key and the MailU admin token live in the secret store; the database holds
their secret names and the pinned host-key fingerprint only.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
import secrets as token_source
import shlex
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import ResolverConfig
from penguin_desktop.core.platform.errors import (
    Cancelled,
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    PenguinError,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.jobs.locks import ResourceLocks
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.models import (
    AdoptResult,
    Health,
    HealthCheck,
    HealthReport,
    ProvisionResult,
    ServerInfo,
    ServerStatus,
)
from penguin_desktop.core.servers.provision import backup as archive
from penguin_desktop.core.servers.provision.steps import (
    MailuPlan,
    PlanSecrets,
    Remote,
    mailu_steps,
    run_plan,
)
from penguin_desktop.core.servers.ssh.client import (
    HostKey,
    SshConnection,
    SshTarget,
    probe_host_key,
    read_host_key,
)
from penguin_desktop.core.servers.ssh.errors import HostKeyChanged
from penguin_desktop.core.servers.ssh.fingerprints import normalize_fingerprint
from penguin_desktop.core.servers.ssh.keys import (
    generate_ed25519,
    load_private_key,
    public_line,
)
from penguin_desktop.core.servers.tables import ServerRow
from penguin_desktop.core.servers.vps.base import open_provider, wait_until_active

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
HEALTH_CONCURRENCY = 10
DISK_FULL_PERCENT = 90
LOAD_PER_CPU = 4.0  # a 1-minute load above this many runnable tasks per CPU is trouble
T = TypeVar("T")


def clean_server_name(raw: str) -> str:
    name = raw.strip()
    if not _NAME.match(name):
        raise ValidationError(
            f"bad server name {raw!r}: 1-63 letters, digits and . _ - "
            "(start with a letter or digit)"
        )
    return name


def ssh_key_secret_name(server: str) -> str:
    return f"server/{server}/ssh-key"


def mailu_token_secret_name(server: str) -> str:
    return f"server/{server}/mailu-token"


ARCHIVE_KEY_SECRET = "backup/archive-key"


def _env_values(data: bytes) -> dict[str, str]:
    values = {}
    for line in data.decode(errors="replace").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def mailu_secret_key_name(server: str) -> str:
    return f"server/{server}/mailu-secret-key"


def postmaster_secret_name(server: str, domain: str) -> str:
    return f"server/{server}/postmaster@{domain}"


def _resolve(host: str) -> tuple[str, str | None]:
    """(IP, hostname or None) of an address given as an IP or a name."""
    host = host.strip().rstrip(".")
    if not host:
        raise ValidationError("a server address cannot be empty")
    try:
        return str(ipaddress.ip_address(host)), None
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ExternalServiceError(f"cannot resolve {host!r}: no such host name") from None
    return str(infos[0][4][0]), host.lower()


def _info(ws: WorkspaceRow, row: ServerRow) -> ServerInfo:
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


@dataclass(frozen=True)
class _Login:
    """What one SSH login needs, read in one transaction."""

    workspace: str
    name: str
    target: SshTarget
    pinned: str | None
    key_secret: str
    mailu_dir: str = "/mailu"


class ServerService(Service):
    def __init__(
        self,
        db: Database,
        secrets: SecretService,
        locks: ResourceLocks | None = None,
        resolver: Callable[[], ResolverConfig] | None = None,
    ) -> None:
        """`resolver` says which DNS server the reverse-DNS step asks; by default the one the
        domain checks use (DomainService.resolver_config)."""
        super().__init__(db)
        self.secrets = secrets
        self.locks = locks or ResourceLocks()
        self._resolver = resolver

    def resolver_config(self) -> ResolverConfig:
        if self._resolver is not None:
            return self._resolver()
        from penguin_desktop.core.domains import DomainService

        return DomainService(self.db, self.secrets).resolver_config()

    # --- adopt / list / show / remove ----------------------------------------------------------
    def adopt(
        self,
        actor: Actor,
        workspace: str,
        raw_name: str,
        host: str,
        port: int = 22,
        user: str = "root",
        private_key: str | None = None,
        accept_fingerprint: str | None = None,
        mailu_url: str | None = None,
        mailu_token: str | None = None,
        mailu_dir: str = "/mailu",
    ) -> AdoptResult:
        """Record an existing server. Its host key is read (no login) and pinned only when
        `accept_fingerprint` matches it; otherwise the server waits for `accept_host_key`.
        Without `private_key` a new ed25519 key is generated; its public half is returned for
        the server's authorized_keys. With the host key accepted and a key that logs in, the
        version of a MailU already there is read from its compose file in `mailu_dir`."""
        name = clean_server_name(raw_name)
        if not 1 <= port <= 65535:
            raise ValidationError(f"bad SSH port {port}: 1-65535")
        if not _USER.match(user):
            raise ValidationError(f"bad SSH user name {user!r}")
        accepted = normalize_fingerprint(accept_fingerprint) if accept_fingerprint else None
        if (mailu_url is None) != (mailu_token is None):
            raise ValidationError("an existing MailU needs both its admin API URL and its token")
        if mailu_url is not None and not mailu_url.startswith(("http://", "https://")):
            raise ValidationError(f"bad MailU admin API URL {mailu_url!r}: http(s)://...")
        mailu_dir = mailu_dir.rstrip("/") or "/"
        if not mailu_dir.startswith("/") or any(ch in mailu_dir for ch in "\n\0"):
            raise ValidationError(
                f"the MailU directory must be an absolute path, not {mailu_dir!r}"
            )
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SERVER_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, name)
        if private_key is not None:
            public, generated = public_line(load_private_key(private_key)), False
        else:
            pair = generate_ed25519(f"penguinmails-{name}")
            private_key, public, generated = pair.private_openssh, pair.public_openssh, True
        if mailu_url is not None and mailu_token is not None:
            with MailuClient(mailu_url, mailu_token) as api:
                api.ping()  # a wrong token or URL is refused now, before anything is saved
        ip, hostname = _resolve(host)
        offered = probe_host_key(SshTarget(ip, port, user))
        if accepted is not None and accepted != offered:
            raise ValidationError(
                f"{host}:{port} offers host key {offered}, not the {accepted} you accepted; "
                "nothing was saved"
            )
        version = None
        if accepted is not None and not generated:
            version = self._peek_mailu_version(
                SshTarget(ip, port, user), accepted, private_key, mailu_dir
            )
        key_secret = ssh_key_secret_name(name)
        token_secret = mailu_token_secret_name(name) if mailu_token else None
        written: list[str] = []
        try:
            self.secrets.set(
                actor, workspace, key_secret, SecretKind.SSH_KEY, private_key, reason="server adopt"
            )
            written.append(key_secret)
            if token_secret and mailu_token:
                self.secrets.set(
                    actor,
                    workspace,
                    token_secret,
                    SecretKind.API_KEY,
                    mailu_token,
                    reason="server adopt",
                )
                written.append(token_secret)
            with self._writing(actor) as session:
                ws, _ = self._workspace(
                    session, actor, workspace, Permission.SERVER_MANAGE, writable=True
                )
                self._ensure_free(session, ws.id, name)
                row = ServerRow(
                    workspace_id=ws.id,
                    name=name,
                    provider="existing",
                    ip=ip,
                    hostname=hostname,
                    ssh_port=port,
                    ssh_user=user,
                    ssh_key_secret=key_secret,
                    host_key_fingerprint=accepted,
                    offered_fingerprint=None if accepted else offered,
                    mailu_url=mailu_url,
                    mailu_token_secret=token_secret,
                    mailu_dir=mailu_dir,
                    mailu_version=version,
                    status=(ServerStatus.ADOPTED if accepted else ServerStatus.HOST_KEY_PENDING),
                    steps="{}",
                    last_check="{}",
                )
                session.add(row)
                session.flush()
                self._audit(
                    session,
                    actor,
                    "server.adopt",
                    f"server:{name}",
                    ws,
                    name=name,
                    address=f"{ip}:{port}",
                    user=user,
                    host_key=accepted or "",
                    offered=offered,
                    generated_key=generated,
                    mailu_url=mailu_url or "",
                    mailu_version=version or "",
                )
                info = _info(ws, row)
        except BaseException:
            for secret in written:
                self.secrets.delete(actor, workspace, secret, reason="server adopt failed")
            raise
        return AdoptResult(info, public, generated)

    @staticmethod
    def _peek_mailu_version(
        target: SshTarget, pinned: str, private_key: str, folder: str
    ) -> str | None:
        """The MailU version on a server being adopted, or None (no MailU, or no login yet:
        adopting never fails on this; `run-check` reads it later)."""
        try:
            with SshConnection.connect(target, pinned, load_private_key(private_key)) as conn:
                return read_mailu_version(conn, folder)
        except PenguinError:
            return None

    def create(
        self,
        actor: Actor,
        workspace: str,
        raw_name: str,
        provider: str,
        region: str,
        plan: str,
        image: str,
        *,
        hostname: str | None = None,
        api_key_secret: str | None = None,
        ssh_port: int = 22,
        ssh_user: str = "root",
        ctx: JobContext | None = None,
        on_log: Callable[[str], None] | None = None,
        poll_s: float = 5.0,
        timeout_s: float = 900.0,
    ) -> AdoptResult:
        """Create a VPS through a provider API with a generated ed25519 key, wait until it is
        active, set its reverse DNS to `hostname`, and record it. Its host key is read and left
        for explicit acceptance. If anything fails after the instance exists, it is deleted."""
        name = clean_server_name(raw_name)
        job = ctx or JobContext()
        log = on_log or (lambda _line: None)
        secret = api_key_secret or f"provider/{provider}"
        if hostname is not None and not _DOMAIN.match(hostname.lower()):
            raise ValidationError(f"bad host name {hostname!r}")
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.SERVER_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, name)
        try:
            api_key = self.secrets.use(actor, workspace, secret, f"create server {name}")
        except NotFoundError:
            raise ValidationError(
                f"no {provider} API key in {workspace!r}: store it first with `penguin secrets "
                f"set {secret} --kind api_key --workspace {workspace!r} --value-stdin`"
            ) from None
        pair = generate_ed25519(f"penguinmails-{name}")
        api = open_provider(provider, api_key)
        try:
            instance = api.create(
                name=name, region=region, plan=plan, image=image, ssh_public_key=pair.public_openssh
            )
            log(f"{provider} instance {instance.ref} ordered; waiting until it is active")
            try:
                instance = wait_until_active(api, instance.ref, job, timeout_s, poll_s)
                ip = instance.ip or ""
                log(f"instance {instance.ref} is active at {ip}")
                if hostname:
                    api.set_reverse_dns(instance.ref, ip, hostname.lower())
                    log(f"reverse DNS of {ip} set to {hostname.lower()}")
                try:
                    offered: str | None = probe_host_key(SshTarget(ip, ssh_port, ssh_user))
                except ExternalServiceError as exc:
                    offered = None
                    log(f"its SSH host key cannot be read yet ({exc.message})")
                info = self._record_created(
                    actor, workspace, name, provider, instance.ref, ip, hostname, ssh_port,
                    ssh_user, pair.private_openssh, offered,
                )  # fmt: skip
            except BaseException:
                with suppress(PenguinError):
                    api.delete(instance.ref)
                    log(f"instance {instance.ref} deleted again")
                raise
        finally:
            api.close()
        return AdoptResult(info, pair.public_openssh, True)

    def _record_created(
        self,
        actor: Actor,
        workspace: str,
        name: str,
        provider: str,
        ref: str,
        ip: str,
        hostname: str | None,
        ssh_port: int,
        ssh_user: str,
        private_key: str,
        offered: str | None,
    ) -> ServerInfo:
        key_secret = ssh_key_secret_name(name)
        self.secrets.set(
            actor, workspace, key_secret, SecretKind.SSH_KEY, private_key, reason="server create"
        )
        try:
            with self._writing(actor) as session:
                ws, _ = self._workspace(
                    session, actor, workspace, Permission.SERVER_MANAGE, writable=True
                )
                self._ensure_free(session, ws.id, name)
                row = ServerRow(
                    workspace_id=ws.id,
                    name=name,
                    provider=provider,
                    provider_ref=ref,
                    ip=ip,
                    hostname=hostname.lower() if hostname else None,
                    ssh_port=ssh_port,
                    ssh_user=ssh_user,
                    ssh_key_secret=key_secret,
                    offered_fingerprint=offered,
                    mailu_dir="/mailu",
                    status=ServerStatus.HOST_KEY_PENDING,
                    steps="{}",
                    last_check="{}",
                )
                session.add(row)
                session.flush()
                self._audit(
                    session,
                    actor,
                    "server.create",
                    f"server:{name}",
                    ws,
                    name=name,
                    provider=provider,
                    instance=ref,
                    address=f"{ip}:{ssh_port}",
                    offered=offered or "",
                )
                return _info(ws, row)
        except BaseException:
            self.secrets.delete(actor, workspace, key_secret, reason="server create failed")
            raise

    def all(self, actor: Actor, workspace: str | None = None) -> list[ServerInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.SERVER_READ)
            rows = session.execute(
                select(ServerRow).where(ServerRow.workspace_id.in_(sorted(spaces)))
            ).scalars()
            infos = [_info(spaces[r.workspace_id], r) for r in rows]
        return sorted(infos, key=lambda s: (s.workspace.casefold(), s.name.casefold()))

    def get(self, actor: Actor, name: str, workspace: str | None = None) -> ServerInfo:
        with self._reading(actor) as session:
            ws, row = self._server(session, actor, name, workspace, Permission.SERVER_READ)
            return _info(ws, row)

    def remove(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        destroy: bool = False,
        api_key_secret: str | None = None,
    ) -> None:
        """Forget the server and delete its credentials from the secret store. The machine is
        left running unless `destroy`, which deletes a provider's instance first."""
        with self._reading(actor) as session:
            ws, row = self._server(
                session, actor, name, workspace, Permission.SERVER_MANAGE, writable=True
            )
            ws_name, server = ws.name, row.name
            provider, ref = row.provider, row.provider_ref
            secrets = [s for s in (row.ssh_key_secret, row.mailu_token_secret) if s]
        with self.locks.hold(self._lock_key(ws_name, server), "removal"):
            if destroy:
                if provider == "existing" or ref is None:
                    raise ValidationError(
                        f"{server} was adopted, not created through a provider: there is no "
                        "instance to destroy (drop --destroy to only forget it)"
                    )
                key = self.secrets.use(
                    actor, ws_name, api_key_secret or f"provider/{provider}", "destroy server"
                )
                api = open_provider(provider, key)
                try:
                    with suppress(NotFoundError):
                        api.delete(ref)
                finally:
                    api.close()
            with self._writing(actor) as session:
                ws, row = self._server(
                    session, actor, server, ws_name, Permission.SERVER_MANAGE, writable=True
                )
                session.delete(row)
                self._audit(
                    session,
                    actor,
                    "server.remove",
                    f"server:{server}",
                    ws,
                    name=server,
                    destroyed=destroy,
                )
            for secret in secrets:
                with suppress(NotFoundError):
                    self.secrets.delete(actor, ws_name, secret, reason=f"server {server} removed")

    # --- host key ------------------------------------------------------------------------------
    def read_host_key(self, actor: Actor, name: str, workspace: str | None = None) -> HostKey:
        """The key type and fingerprint the server presents now, read without logging in: what
        the host-key dialog shows before the user trusts it (and for a new VPS whose key was
        not readable yet when it was recorded)."""
        with self._reading(actor) as session:
            _, row = self._server(session, actor, name, workspace, Permission.SERVER_READ)
            target = SshTarget(row.ip, row.ssh_port, row.ssh_user)
        return read_host_key(target)

    def last_health(
        self, actor: Actor, name: str, workspace: str | None = None
    ) -> HealthReport | None:
        """The last health check with each of its checks, or None if never checked."""
        with self._reading(actor) as session:
            ws, row = self._server(session, actor, name, workspace, Permission.SERVER_READ)
            raw, ws_name, server = row.last_check, ws.name, row.name
        try:
            data = json.loads(raw or "{}")
            if "health" not in data:
                return None
            checks = [HealthCheck(str(n), bool(ok), str(d)) for n, ok, d in data["checks"]]
            health = Health(data["health"])
        except (ValueError, TypeError, KeyError):
            return None  # written by another version: shown as not checked
        return HealthReport(ws_name, server, health, checks, 0.0, data.get("error"))

    def accept_host_key(
        self, actor: Actor, name: str, fingerprint: str, workspace: str | None = None
    ) -> ServerInfo:
        """Pin the host key the server offers now, if it is the one the user confirmed."""
        given = normalize_fingerprint(fingerprint)
        with self._reading(actor) as session:
            ws, row = self._server(
                session, actor, name, workspace, Permission.SERVER_MANAGE, writable=True
            )
            target = SshTarget(row.ip, row.ssh_port, row.ssh_user)
            ws_name, server = ws.name, row.name
        offered = probe_host_key(target)
        if offered != given:
            raise ValidationError(
                f"{server} offers host key {offered}, not {given}: nothing was changed. "
                "Check the fingerprint on the server's console (ssh-keygen -lf "
                "/etc/ssh/ssh_host_ed25519_key.pub)"
            )
        with self._writing(actor) as session:
            ws, row = self._server(
                session, actor, server, ws_name, Permission.SERVER_MANAGE, writable=True
            )
            before = row.host_key_fingerprint
            row.host_key_fingerprint, row.offered_fingerprint = given, None
            if row.status == ServerStatus.HOST_KEY_PENDING:
                row.status = ServerStatus.ADOPTED
            self._audit(
                session,
                actor,
                "server.host-key.accept",
                f"server:{server}",
                ws,
                name=server,
                before=before or "",
                after=given,
            )
            return _info(ws, row)

    # --- SSH sessions --------------------------------------------------------------------------
    @contextmanager
    def connect(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        permission: Permission = Permission.SERVER_OPERATE,
        purpose: str = "ssh login",
    ) -> Iterator[SshConnection]:
        """A logged-in SSH connection to the server (pinned host key, key from the secret
        store). A changed host key is refused, audited, and nothing is sent."""
        login = self._login(actor, name, workspace, permission)
        key = self.secrets.use(actor, login.workspace, login.key_secret, f"{purpose} to {name}")
        try:
            conn = SshConnection.connect(login.target, login.pinned, load_private_key(key))
        except HostKeyChanged as changed:
            self._record_refusal(actor, login, changed)
            raise
        with conn:
            yield conn

    def _login(
        self, actor: Actor, name: str, workspace: str | None, permission: Permission
    ) -> _Login:
        with self._reading(actor) as session:
            ws, row = self._server(session, actor, name, workspace, permission)
            return _Login(
                ws.name,
                row.name,
                SshTarget(row.ip, row.ssh_port, row.ssh_user),
                row.host_key_fingerprint,
                row.ssh_key_secret,
                row.mailu_dir,
            )

    def _record_refusal(self, actor: Actor, login: _Login, changed: HostKeyChanged) -> None:
        with self.db.write() as session:
            ws, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_READ
            )
            row.offered_fingerprint = changed.offered
            self._audit(
                session,
                actor,
                "server.host-key.refused",
                f"server:{login.name}",
                ws,
                name=login.name,
                pinned=changed.pinned,
                offered=changed.offered,
            )

    @staticmethod
    def _lock_key(workspace: str, server: str) -> str:
        return f"server {server!r} of {workspace!r}"

    @contextmanager
    def job(self, actor: Actor, name: str, workspace: str | None, what: str) -> Iterator[str]:
        """Hold the server's one-job-at-a-time lock; yields the workspace name."""
        login = self._login(actor, name, workspace, Permission.SERVER_READ)
        with self.locks.hold(self._lock_key(login.workspace, login.name), what):
            yield login.workspace

    # --- SSH key rotation ----------------------------------------------------------------------
    def rotate_key(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        on_log: Callable[[str], None] | None = None,
    ) -> ServerInfo:
        """Replace the server's SSH key without ever locking the agency out: authorize the new
        key next to the old one, prove a login with it, store it, and only then remove the old
        key. Stopped at any point, the stored key still logs in."""
        log = on_log or (lambda _line: None)
        login = self._login(actor, name, workspace, Permission.SERVER_MANAGE)
        with self.locks.hold(self._lock_key(login.workspace, login.name), "SSH key rotation"):
            old = self.secrets.use(actor, login.workspace, login.key_secret, "SSH key rotation")
            old_blob = load_private_key(old).get_base64()
            pair = generate_ed25519(f"penguinmails-{login.name}")
            new_key = load_private_key(pair.private_openssh)
            keys_file = "~/.ssh/authorized_keys"
            line = shlex.quote(pair.public_openssh)
            with self.connect(
                actor, login.name, login.workspace, Permission.SERVER_MANAGE, "SSH key rotation"
            ) as old_conn:
                added = old_conn.run(
                    "umask 077 && mkdir -p ~/.ssh && touch " + keys_file + " && "
                    # A file without a final newline would glue the new key onto its last line.
                    f'{{ [ ! -s {keys_file} ] || [ -z "$(tail -c 1 {keys_file})" ] || '
                    f"echo >> {keys_file}; }} && "
                    f"(grep -qxF {line} {keys_file} || printf '%s\\n' {line} >> {keys_file})"
                )
                if not added.ok:
                    raise ExternalServiceError(
                        f"could not add the new key to {keys_file} on {login.name}: "
                        f"{added.output}; nothing changed"
                    )
                log(f"new key authorized next to the old one on {login.name}")
                try:
                    with SshConnection.connect(login.target, login.pinned, new_key) as new_conn:
                        proof = new_conn.run("true")
                    if not proof.ok:
                        raise ExternalServiceError(f"login with the new key failed: {proof.output}")
                except PenguinError as exc:
                    old_conn.run(_without_lines(keys_file, f"-xF {line}"))
                    raise ExternalServiceError(
                        f"the new key could not log in to {login.name} ({exc.message}); it was "
                        "taken out again and the old key stays in use"
                    ) from None
                log("login with the new key works")
            self.secrets.set(
                actor,
                login.workspace,
                login.key_secret,
                SecretKind.SSH_KEY,
                pair.private_openssh,
                reason=f"SSH key rotation of {login.name}",
            )
            log("new key stored in the secret store")
            try:
                with SshConnection.connect(login.target, login.pinned, new_key) as new_conn:
                    removed = new_conn.run(_without_lines(keys_file, f"-F {shlex.quote(old_blob)}"))
                old_removed, why = removed.ok, removed.output
            except PenguinError as exc:
                old_removed, why = False, exc.message
            log(
                "old key removed from the server"
                if old_removed
                else f"could not remove the old key ({why}); remove it by hand"
            )
            with self._writing(actor) as session:
                ws, row = self._server(
                    session, actor, login.name, login.workspace, Permission.SERVER_MANAGE
                )
                self._audit(
                    session,
                    actor,
                    "server.rotate-key",
                    f"server:{login.name}",
                    ws,
                    name=login.name,
                    old_key_removed=old_removed,
                )
                return _info(ws, row)

    # --- rotation procedures (registered by core.servers.rotation) ---------------------------
    def rotate_key_secret(
        self,
        actor: Actor,
        workspace: str,
        secret: str,
        on_log: Callable[[str], None] | None = None,
    ) -> ServerInfo:
        """`penguin secrets rotate` of an SSH key: the server that logs in with `secret` gets a
        new key through `rotate_key` (which stores it once a login with it worked)."""
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.SERVER_MANAGE)
            server = session.execute(
                select(ServerRow.name).where(
                    ServerRow.workspace_id == ws.id, ServerRow.ssh_key_secret == secret
                )
            ).scalar_one_or_none()
            ws_name = ws.name
        if server is None:
            raise ValidationError(
                f"no server of {ws_name!r} logs in with {secret!r}, so there is nowhere to install "
                "a new key: replace the value with `penguin secrets set` instead"
            )
        return self.rotate_key(actor, server, ws_name, on_log)

    def mailu_api(
        self, actor: Actor, name: str, workspace: str | None = None
    ) -> tuple[ServerInfo, MailuClient]:
        """The server's MailU admin API client, for the capabilities that manage MailU
        (attaching sending domains). The caller closes it."""
        with self._reading(actor) as session:
            ws, row = self._server(session, actor, name, workspace, Permission.SERVER_OPERATE)
            info, url, token_secret = _info(ws, row), row.mailu_url, row.mailu_token_secret
        if not url or not token_secret:
            raise ValidationError(
                f"{info.name} has no MailU admin API yet: run `penguin server provision "
                f"{info.name} --domain ...`, or adopt it with --mailu-url"
            )
        token = self.secrets.use(actor, info.workspace, token_secret, f"MailU admin API of {name}")
        return info, MailuClient(url, token)

    def rotate_postmaster_password(self, actor: Actor, workspace: str, secret: str) -> None:
        """`penguin secrets rotate` of a postmaster password made by provisioning
        (server/NAME/postmaster@DOMAIN): a new one is set through the MailU admin API, then
        stored."""
        found = re.fullmatch(r"server/([^/]+)/(postmaster@[^/]+)", secret)
        if found is None:
            raise ValidationError(f"{secret!r} is not a postmaster password of a server")
        server, email = found.groups()
        with self._reading(actor) as session:
            ws, row = self._server(session, actor, server, workspace, Permission.SERVER_MANAGE)
            url, token_secret, ws_name = row.mailu_url, row.mailu_token_secret, ws.name
        if not url or not token_secret:
            raise ValidationError(f"{server} has no MailU admin API to change the password with")
        token = self.secrets.use(actor, ws_name, token_secret, f"MailU admin API of {server}")
        password = token_source.token_urlsafe(18)
        with MailuClient(url, token) as api:
            api.update_user(email, password=password)
        self.secrets.set(
            actor, ws_name, secret, SecretKind.SMTP_PASSWORD, password,
            reason=f"password of {email} on {server} rotated",
        )  # fmt: skip
        with self._writing(actor) as session:
            ws, _ = self._server(session, actor, server, ws_name, Permission.SERVER_MANAGE)
            self._audit(
                session, actor, "server.postmaster.passwd", f"server:{server}", ws,
                name=server, email=email,
            )  # fmt: skip

    # --- backup and restore --------------------------------------------------------------------
    def backup(
        self, actor: Actor, name: str, out: Path, workspace: str | None = None
    ) -> dict[str, str]:
        """Download mailu.env, docker-compose.yml and the DKIM keys over SFTP into an encrypted
        archive at `out`; returns the archive's manifest."""
        login = self._login(actor, name, workspace, Permission.SERVER_MANAGE)
        with self._reading(actor) as session:
            _, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_MANAGE
            )
            folder = row.mailu_dir
        key = self._archive_key(actor, login.workspace)
        files: dict[str, bytes] = {}
        with (
            self.locks.hold(self._lock_key(login.workspace, login.name), "backup"),
            self.connect(
                actor, login.name, login.workspace, Permission.SERVER_MANAGE, "backup"
            ) as conn,
        ):
            for fixed in ("mailu.env", "docker-compose.yml"):
                files[fixed] = conn.download(f"{folder}/{fixed}")
            listing = conn.run(f"ls -1 {shlex.quote(folder)}/dkim 2>/dev/null || true")
            for entry in listing.stdout.split():
                files[f"dkim/{entry}"] = conn.download(f"{folder}/dkim/{entry}")
        env = _env_values(files["mailu.env"])
        manifest = {
            "server": login.name,
            "workspace": login.workspace,
            "domain": env.get("DOMAIN", ""),
            "hostnames": env.get("HOSTNAMES", ""),
            "created": utcnow().isoformat(),
            "files": ", ".join(sorted(files)),
        }
        archive.write_private(out, archive.seal(key, archive.pack(files, manifest)))
        with self._writing(actor) as session:
            ws, _ = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_MANAGE
            )
            self._audit(
                session, actor, "server.backup", f"server:{login.name}", ws,
                name=login.name, files=sorted(files),
            )  # fmt: skip
        return manifest

    def restore(
        self,
        actor: Actor,
        name: str,
        source: Path,
        workspace: str | None = None,
        mailu_dir: str | None = None,
    ) -> dict[str, str]:
        """Upload a backup's configuration and DKIM keys to this server's MailU directory and
        take its SECRET_KEY and admin token into this server's secrets, so that provisioning
        this server with the same domain finds the configuration in place."""
        login = self._login(actor, name, workspace, Permission.SERVER_MANAGE)
        key = self._archive_key(actor, login.workspace, create=False)
        files, manifest = archive.unpack(archive.open_sealed(key, source.read_bytes()))
        env = _env_values(files.get("mailu.env", b""))
        with self._reading(actor) as session:
            _, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_MANAGE, True
            )
            folder = (mailu_dir or row.mailu_dir).rstrip("/") or "/"
        if not folder.startswith("/"):
            raise ValidationError(f"the MailU directory must be an absolute path, not {folder!r}")
        with (
            self.locks.hold(self._lock_key(login.workspace, login.name), "restore"),
            self.connect(
                actor, login.name, login.workspace, Permission.SERVER_MANAGE, "restore"
            ) as conn,
        ):
            conn.makedirs(f"{folder}/dkim")
            for path, data in sorted(files.items()):
                conn.upload(
                    data, f"{folder}/{path}", mode=0o644 if path.endswith(".yml") else 0o600
                )
        for secret, variable in (
            (mailu_secret_key_name(login.name), "SECRET_KEY"),
            (mailu_token_secret_name(login.name), "API_TOKEN"),
        ):
            if env.get(variable):
                self.secrets.set(
                    actor, login.workspace, secret, SecretKind.API_KEY, env[variable],
                    reason=f"restore from backup of {manifest.get('server', '?')}",
                )  # fmt: skip
        with self._writing(actor) as session:
            ws, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_MANAGE, True
            )
            if env.get("API_TOKEN"):
                row.mailu_token_secret = mailu_token_secret_name(login.name)
            row.mailu_dir = folder
            self._audit(
                session, actor, "server.restore", f"server:{login.name}", ws,
                name=login.name, source_server=manifest.get("server", ""),
                files=sorted(files),
            )  # fmt: skip
        return manifest

    def _archive_key(self, actor: Actor, workspace: str, create: bool = True) -> bytes:
        try:
            return base64.b64decode(
                self.secrets.use(actor, workspace, ARCHIVE_KEY_SECRET, "server backup")
            )
        except NotFoundError:
            if not create:
                raise ValidationError(
                    f"{workspace!r} has no backup key ({ARCHIVE_KEY_SECRET}): this archive was "
                    "made in another workspace or its key was deleted"
                ) from None
        key = archive.new_key()
        self.secrets.set(
            actor, workspace, ARCHIVE_KEY_SECRET, SecretKind.API_KEY,
            base64.b64encode(key).decode(), rotation_days=None, reason="server backups",
        )  # fmt: skip
        return key

    # --- health --------------------------------------------------------------------------------
    def run_check(self, actor: Actor, name: str, workspace: str | None = None) -> HealthReport:
        """Connect and run a few read-only commands; the outcome becomes the server's status."""
        login = self._login(actor, name, workspace, Permission.SERVER_OPERATE)
        report = self._check_one(actor, login)
        self._save_reports(actor, [report])
        return report

    def check_all(
        self, actor: Actor, workspace: str | None = None, concurrency: int = HEALTH_CONCURRENCY
    ) -> list[HealthReport]:
        """A health round over every server the actor may check, `concurrency` at a time."""
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.SERVER_OPERATE)
            logins = [
                _Login(
                    spaces[r.workspace_id].name,
                    r.name,
                    SshTarget(r.ip, r.ssh_port, r.ssh_user),
                    r.host_key_fingerprint,
                    r.ssh_key_secret,
                    r.mailu_dir,
                )
                for r in session.execute(
                    select(ServerRow).where(ServerRow.workspace_id.in_(sorted(spaces)))
                ).scalars()
            ]
        reports = _parallel(lambda login: self._check_one(actor, login), logins, concurrency)
        self._save_reports(actor, reports)
        return sorted(reports, key=lambda r: (r.workspace.casefold(), r.server.casefold()))

    def _check_one(self, actor: Actor, login: _Login) -> HealthReport:
        started = time.monotonic()

        def failed(health: Health, message: str) -> HealthReport:
            elapsed = time.monotonic() - started
            return HealthReport(login.workspace, login.name, health, [], elapsed, message)

        if login.pinned is None:
            return failed(
                Health.SKIPPED,
                f"host key not accepted yet: run `penguin server accept-host-key {login.name} "
                "SHA256:...`",
            )
        try:
            with (
                self.locks.hold(self._lock_key(login.workspace, login.name), "health check"),
                self.connect(actor, login.name, login.workspace, purpose="health check") as conn,
            ):
                checks = _health_checks(conn)
                version = read_mailu_version(conn, login.mailu_dir)
        except ConflictError as busy:
            return failed(Health.SKIPPED, busy.message)
        except PenguinError as exc:
            return failed(Health.UNREACHABLE, exc.message)
        health = Health.HEALTHY if all(c.ok for c in checks) else Health.DEGRADED
        return HealthReport(
            login.workspace, login.name, health, checks, time.monotonic() - started,
            mailu_version=version,
        )  # fmt: skip

    def _save_reports(self, actor: Actor, reports: Sequence[HealthReport]) -> None:
        if not reports:
            return
        with self.db.write() as session:
            for report in reports:
                ws = session.execute(
                    select(WorkspaceRow).where(WorkspaceRow.name == report.workspace)
                ).scalar_one()
                row = session.execute(
                    select(ServerRow).where(
                        ServerRow.workspace_id == ws.id, ServerRow.name == report.server
                    )
                ).scalar_one_or_none()
                if row is None:
                    continue
                if report.health is Health.SKIPPED:
                    continue
                row.last_check_at = utcnow()
                if report.mailu_version:
                    row.mailu_version = report.mailu_version
                row.last_check = json.dumps(
                    {
                        "health": report.health.value,
                        "error": report.error,
                        "checks": [[c.name, c.ok, c.detail] for c in report.checks],
                    }
                )
                self._audit(
                    session,
                    actor,
                    "server.check",
                    f"server:{report.server}",
                    ws,
                    name=report.server,
                    health=report.health.value,
                    failed=[c.name for c in report.checks if not c.ok],
                    error=report.error or "",
                )

    # --- provisioning --------------------------------------------------------------------------
    def provision(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        *,
        domain: str | None = None,
        hostname: str | None = None,
        mailu_url: str | None = None,
        mailu_dir: str | None = None,
        public_ip: str | None = None,
        resume: bool = False,
        ctx: JobContext | None = None,
        on_log: Callable[[str], None] | None = None,
        admin_wait_s: float = 300.0,
        poll_s: float = 2.0,
    ) -> ProvisionResult:
        """Install MailU on the server step by step. Steps already done are skipped, so running
        again (with `resume`, the saved plan) continues after a failure or a cancel.
        `public_ip` is the address mail leaves from when it is not the SSH address (NAT); its
        reverse DNS is checked. Problems that need not stop the install (a wrong reverse DNS)
        come back in the result's `warnings`."""
        job = ctx or JobContext()
        log = on_log or (lambda _line: None)
        login = self._login(actor, name, workspace, Permission.SERVER_OPERATE)
        if login.pinned is None:
            raise ValidationError(
                f"accept {login.name}'s host key first: penguin server accept-host-key "
                f"{login.name} SHA256:..."
            )
        with self.locks.hold(self._lock_key(login.workspace, login.name), "provisioning"):
            plan, token_secret = self._plan(
                actor, login, domain, hostname, mailu_url, mailu_dir, public_ip, resume,
                admin_wait_s, poll_s,
            )  # fmt: skip
            plan_secrets = PlanSecrets(
                secret_key=self._secret(
                    actor, login.workspace, mailu_secret_key_name(login.name), 16
                ),
                api_token=self._secret(actor, login.workspace, token_secret, 32),
                postmaster_password=self._secret(
                    actor,
                    login.workspace,
                    postmaster_secret_name(login.name, plan.domain),
                    18,
                    SecretKind.SMTP_PASSWORD,
                ),
            )
            states = {step.name: "pending" for step in mailu_steps()}
            self._save_plan(actor, login, plan, states, ServerStatus.PROVISIONING, token_secret)

            def on_state(step: str, state: str) -> None:
                states[step] = state
                self._save_plan(actor, login, plan, states)

            try:
                with self.connect(actor, login.name, login.workspace, purpose="provisioning") as c:
                    remote = Remote(c, plan, plan_secrets, job, log, self.resolver_config())
                    try:
                        run_plan(mailu_steps(), remote, on_state)
                        dkim = remote.mailu().domain(plan.domain).dkim_record
                    finally:
                        remote.close()
            except PenguinError as exc:
                failed = next((s for s, st in states.items() if st in ("failed", "cancelled")), "")
                self._finish(
                    actor,
                    login,
                    plan,
                    states,
                    ServerStatus.PROVISION_FAILED,
                    "server.provision.cancelled"
                    if isinstance(exc, Cancelled)
                    else "server.provision.failed",
                    step=failed,
                    error=exc.message,
                )
                raise
            info = self._finish(
                actor, login, plan, states, ServerStatus.MAILU_READY, "server.provision",
                warnings=" | ".join(remote.warnings),
            )  # fmt: skip
        return ProvisionResult(info, dict(states), dkim, tuple(remote.warnings), plan.domain)

    def _plan(
        self,
        actor: Actor,
        login: _Login,
        domain: str | None,
        hostname: str | None,
        mailu_url: str | None,
        mailu_dir: str | None,
        public_ip: str | None,
        resume: bool,
        admin_wait_s: float,
        poll_s: float,
    ) -> tuple[MailuPlan, str]:
        with self._reading(actor) as session:
            _, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_OPERATE, True
            )
            saved = json.loads(row.steps or "{}").get("plan") or {}
            token_secret = row.mailu_token_secret or mailu_token_secret_name(login.name)
            default_dir, default_url = row.mailu_dir, row.mailu_url
        if resume and not saved:
            raise ValidationError(
                f"{login.name} has no provisioning run to resume: start one with --domain"
            )
        domain = (domain or saved.get("domain") or "").strip().lower().rstrip(".")
        if not domain:
            raise ValidationError("which mail domain? pass --domain (e.g. client.example)")
        if not _DOMAIN.match(domain):
            raise ValidationError(f"bad mail domain {domain!r}")
        hostname = (hostname or saved.get("hostname") or f"mail.{domain}").lower()
        if not _DOMAIN.match(hostname):
            raise ValidationError(f"bad host name {hostname!r}")
        folder = mailu_dir or saved.get("mailu_dir") or default_dir
        if not folder.startswith("/") or any(ch in folder for ch in "\n\0"):
            raise ValidationError(f"the MailU directory must be an absolute path, not {folder!r}")
        url = mailu_url or saved.get("mailu_url") or default_url or f"https://{hostname}/api/v1"
        public = (public_ip or saved.get("public_ip") or "").strip() or None
        if public is not None:
            try:
                public = str(ipaddress.ip_address(public))
            except ValueError:
                raise ValidationError(f"bad public IP address {public!r}") from None
        plan = MailuPlan(
            server=login.name,
            domain=domain,
            hostname=hostname,
            mailu_dir=folder.rstrip("/") or "/",
            mailu_url=url,
            public_ip=public,
            admin_wait_s=admin_wait_s,
            poll_s=poll_s,
        )
        return plan, token_secret

    def _secret(
        self,
        actor: Actor,
        workspace: str,
        name: str,
        size: int,
        kind: SecretKind = SecretKind.API_KEY,
    ) -> str:
        """The stored value, else a new random one stored first (so a resumed run reuses it)."""
        try:
            return self.secrets.use(actor, workspace, name, "provisioning")
        except NotFoundError:
            value = token_source.token_urlsafe(size)
            self.secrets.set(actor, workspace, name, kind, value, reason="provisioning")
            return value

    def _save_plan(
        self,
        actor: Actor,
        login: _Login,
        plan: MailuPlan,
        states: dict[str, str],
        status: ServerStatus | None = None,
        token_secret: str | None = None,
    ) -> ServerInfo:
        with self.db.write() as session:
            ws, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_OPERATE
            )
            row.steps = json.dumps(
                {
                    "plan": {
                        "domain": plan.domain,
                        "hostname": plan.hostname,
                        "mailu_dir": plan.mailu_dir,
                        "mailu_url": plan.mailu_url,
                        "public_ip": plan.public_ip,
                    },
                    "states": states,
                }
            )
            if status is not None:
                row.status = status.value
            if token_secret is not None:
                row.mailu_token_secret = token_secret
                row.mailu_dir, row.mailu_url = plan.mailu_dir, plan.mailu_url
            return _info(ws, row)

    def _finish(
        self,
        actor: Actor,
        login: _Login,
        plan: MailuPlan,
        states: dict[str, str],
        status: ServerStatus,
        action: str,
        **summary: str,
    ) -> ServerInfo:
        self._save_plan(actor, login, plan, states, status)
        with self.db.write() as session:
            ws, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_OPERATE
            )
            if status is ServerStatus.MAILU_READY:
                row.mailu_version, row.hostname = plan.mailu_version, plan.hostname
            self._audit(
                session,
                actor,
                action,
                f"server:{login.name}",
                ws,
                name=login.name,
                domain=plan.domain,
                hostname=plan.hostname,
                **summary,
            )
            return _info(ws, row)

    # --- lookups -------------------------------------------------------------------------------
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

    def _ensure_free(self, session: Session, workspace_id: int, name: str) -> None:
        taken = f"a server named {name!r} already exists in this workspace"
        self._ensure_unused(session, ServerRow, "name", name, workspace_id, taken)


_ENV_MARK = "--penguin-dot-env--"
_MAILU_VERSION_VAR = re.compile(r"\$\{MAILU_VERSION(?::?-([^}]*))?\}")


def mailu_version_from(compose: str, dot_env: str = "") -> str | None:
    """The MailU version a compose file runs: the tag of its MailU images
    (`ghcr.io/mailu/admin:2024.06`), or, in the file MailU's setup utility writes
    (`...admin:${MAILU_VERSION:-2024.06}`), MAILU_VERSION from the project's .env, else the
    default written there. The most common tag wins (one odd service does not decide)."""
    env = _env_values(dot_env.encode())
    tags: dict[str, int] = {}
    for line in compose.splitlines():
        key, _, value = line.strip().partition(":")
        if key.strip() != "image":
            continue
        image = value.strip().strip("'\"")
        if "mailu" not in image.lower():
            continue
        variable = _MAILU_VERSION_VAR.search(image)
        if variable is not None:
            tag = env.get("MAILU_VERSION", "").strip("'\"") or (variable.group(1) or "")
        else:
            last = image.split("@", 1)[0].rsplit("/", 1)[-1]
            tag = last.partition(":")[2]
        if tag and "$" not in tag:
            tags[tag] = tags.get(tag, 0) + 1
    return max(tags, key=lambda t: tags[t]) if tags else None


def read_mailu_version(conn: SshConnection, folder: str) -> str | None:
    """The MailU version running on the server, read from the compose file in `folder` (and
    its .env), else from the images of the running containers; None when unknown. One command,
    as it runs in every health check."""
    where = shlex.quote(folder.rstrip("/") or "/")
    found = conn.run(
        f"cd {where} 2>/dev/null && {{ [ -f docker-compose.yml ] || [ -f compose.yml ]; }} "
        f"&& {{ cat docker-compose.yml compose.yml 2>/dev/null; echo {_ENV_MARK}; "
        "cat .env 2>/dev/null; true; } "
        "|| docker ps --format 'image: {{.Image}}' 2>/dev/null",
        20,
    )
    compose, _, dot_env = found.stdout.partition(f"{_ENV_MARK}\n")
    return mailu_version_from(compose, dot_env)


def _without_lines(keys_file: str, grep_pattern: str) -> str:
    """Shell: rewrite `keys_file` in place without the lines `grep -v {grep_pattern}` drops
    (in place, so its owner and mode stay; an emptied file is written too)."""
    temp = f"{keys_file}.penguin"
    return (
        f"{{ grep -v {grep_pattern} {keys_file} || [ $? -eq 1 ]; }} > {temp} && "
        f"cat {temp} > {keys_file}; status=$?; rm -f {temp}; exit $status"
    )


def _parallel(work: Callable[[_Login], T], items: Sequence[_Login], concurrency: int) -> list[T]:
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
        return list(pool.map(work, items))


def _health_checks(conn: SshConnection) -> list[HealthCheck]:
    """Five read-only commands: OS, load, memory, disk, Docker."""
    checks: list[HealthCheck] = []
    os_name = conn.run('. /etc/os-release && echo "$PRETTY_NAME"', timeout=20)
    checks.append(HealthCheck("os", os_name.ok, os_name.stdout.strip() or os_name.output))
    load = conn.run("nproc && cat /proc/loadavg", timeout=20)
    try:
        cpus_text, loadavg = load.stdout.split("\n", 1)
        cpus, load1 = int(cpus_text), float(loadavg.split()[0])
        checks.append(
            HealthCheck("load", load1 < LOAD_PER_CPU * cpus, f"{load1:.2f} on {cpus} CPUs")
        )
    except (ValueError, IndexError):
        checks.append(HealthCheck("load", False, load.output or "no load figures"))
    mem = conn.run("grep -E '^(MemTotal|MemAvailable):' /proc/meminfo", timeout=20)
    figures = dict(
        (line.split(":")[0], int(line.split()[1]))
        for line in mem.stdout.splitlines()
        if ":" in line
    )
    if {"MemTotal", "MemAvailable"} <= figures.keys():
        free_pct = 100 * figures["MemAvailable"] / max(figures["MemTotal"], 1)
        checks.append(
            HealthCheck(
                "memory",
                free_pct >= 5,
                f"{figures['MemAvailable'] // 1024} MiB free of {figures['MemTotal'] // 1024} MiB",
            )
        )
    else:
        checks.append(HealthCheck("memory", False, mem.output or "no memory figures"))
    disk = conn.run("df -P /", timeout=20)
    try:
        used = int(disk.stdout.splitlines()[1].split()[4].rstrip("%"))
        checks.append(HealthCheck("disk", used < DISK_FULL_PERCENT, f"{used}% used on /"))
    except (ValueError, IndexError):
        checks.append(HealthCheck("disk", False, disk.output or "no disk figures"))
    docker = conn.run("docker compose version", timeout=20)
    checks.append(
        HealthCheck(
            "docker",
            docker.ok,
            docker.stdout.strip() if docker.ok else "Docker Compose is not installed",
        )
    )
    return checks
