"""Mail servers of a workspace, the door to them: each operation checks the actor's permission,
runs in its transactions, holds the server's one-job-at-a-time lock and audits what it did,
handing the work itself to one module per concern: adoption (adopt, create, destroy), trust
(host keys), health, credentials (SSH key and postmaster password rotation), backup and
provisioning. The lookups, audited writes and SSH sessions they share are access's.

The SSH private key and the MailU admin token live in the secret store; the database holds
their secret names and the pinned host-key fingerprint only.

Over the ~400-line habit: the door has 22 public methods whose bodies are about ten lines
each; the rest is their signatures and docstrings, which the faces rely on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from penguin_desktop.core.domains import ResolverConfig
from penguin_desktop.core.platform.errors import (
    NotFoundError,
    PenguinError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.jobs.locks import ResourceLocks
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow, utcnow
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers import adoption, backup, credentials, health, provisioning, trust
from penguin_desktop.core.servers.access import Login, ServerAccess, login_of, server_info
from penguin_desktop.core.servers.mail_health import read_mail_health
from penguin_desktop.core.servers.mailu import MailuClient
from penguin_desktop.core.servers.mailu_files import env_values
from penguin_desktop.core.servers.models import (
    AdoptResult,
    Health,
    HealthReport,
    MailHealth,
    ProvisionResult,
    ServerInfo,
    ServerStatus,
)
from penguin_desktop.core.servers.names import (
    clean_server_name,
    mailu_token_secret_name,
    postmaster_of,
)
from penguin_desktop.core.servers.provision.steps import MailuPlan, PlanSecrets
from penguin_desktop.core.servers.ssh.client import HostKey, read_host_key
from penguin_desktop.core.servers.ssh.fingerprints import normalize_fingerprint
from penguin_desktop.core.servers.tables import ServerRow

# clean_server_name stays importable from here: the console's wizard checks names with it.
__all__ = ["ServerService", "clean_server_name"]


def _quiet(_line: str) -> None:
    """The log of a caller that did not ask for one."""


def _removal(ws: WorkspaceRow, row: ServerRow) -> tuple[Login, str, str | None, list[str]]:
    """What removing a server needs: its login, provider, instance and secrets."""
    secrets = [s for s in (row.ssh_key_secret, row.mailu_token_secret) if s]
    return login_of(ws, row), row.provider, row.provider_ref, secrets


def _mailu_dir(_: WorkspaceRow, row: ServerRow) -> str:
    return row.mailu_dir


def _mailu_endpoint(ws: WorkspaceRow, row: ServerRow) -> tuple[ServerInfo, str | None, str | None]:
    """(the server, its MailU admin API URL, the secret holding the API's token)."""
    return server_info(ws, row), row.mailu_url, row.mailu_token_secret


class ServerService(ServerAccess):
    def __init__(
        self,
        db: Database,
        secrets: SecretService,
        locks: ResourceLocks | None = None,
        resolver: Callable[[], ResolverConfig] | None = None,
    ) -> None:
        """`resolver` says which DNS server the reverse-DNS step asks: the composition root
        passes the one the domain checks use (DomainService.resolver_config); without it, the
        one PENGUIN_DNS_NAMESERVER names, else the system's."""
        super().__init__(db, secrets, locks)
        self._resolver = resolver or ResolverConfig.from_env

    def resolver_config(self) -> ResolverConfig:
        return self._resolver()

    # --- adopt / create / list / show / remove -------------------------------------------------
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
        request = adoption.adopt_request(
            raw_name, port, user, accept_fingerprint, mailu_url, mailu_token, mailu_dir
        )
        self._check_free(actor, workspace, request.name)
        found = adoption.inspect(request, host, private_key)
        with adoption.provisional_secrets(self.secrets, actor, workspace, "server adopt") as store:
            row = adoption.adopted_row(store, request, found)
            summary = adoption.adopt_summary(request, found)
            info = self._insert(actor, workspace, row, "server.adopt", **summary)
        return AdoptResult(info, found.public_key, found.generated)

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
        order = adoption.vps_order(
            raw_name, provider, region, plan, image, hostname, ssh_port, ssh_user
        )
        self._check_free(actor, workspace, order.name)
        secret = api_key_secret or f"provider/{provider}"
        api_key = adoption.provider_key(
            self.secrets, actor, workspace, provider, secret, order.name
        )

        def record(created: adoption.Created) -> ServerInfo:
            with adoption.provisional_secrets(
                self.secrets, actor, workspace, "server create"
            ) as store:
                row = adoption.created_row(store, order, created)
                summary = adoption.created_summary(order, created)
                return self._insert(actor, workspace, row, "server.create", **summary)

        job, log = ctx or JobContext(), on_log or _quiet
        info, public = adoption.order_vps(api_key, order, job, log, timeout_s, poll_s, record)
        return AdoptResult(info, public, True)

    def all(self, actor: Actor, workspace: str | None = None) -> list[ServerInfo]:
        infos = self._in_scope(actor, workspace, Permission.SERVER_READ, server_info)
        return sorted(infos, key=lambda s: (s.workspace.casefold(), s.name.casefold()))

    def get(self, actor: Actor, name: str, workspace: str | None = None) -> ServerInfo:
        return self._read(actor, name, workspace, Permission.SERVER_READ, server_info)

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
        manage = Permission.SERVER_MANAGE
        login, provider, ref, secrets = self._read(
            actor, name, workspace, manage, _removal, writable=True
        )
        ws_name, server = login.workspace, login.name
        with self._hold(login, "removal"):
            if destroy:
                adoption.destroy_instance(
                    self.secrets, actor, ws_name, server, provider, ref, api_key_secret
                )
            with self._writing(actor) as session:
                ws, row = self._server(session, actor, server, ws_name, manage, writable=True)
                session.delete(row)
                self._audit(
                    session, actor, "server.remove", f"server:{server}", ws,
                    name=server, destroyed=destroy,
                )  # fmt: skip
            for secret in secrets:
                with suppress(NotFoundError):
                    self.secrets.delete(actor, ws_name, secret, reason=f"server {server} removed")

    # --- host key ------------------------------------------------------------------------------
    def read_host_key(self, actor: Actor, name: str, workspace: str | None = None) -> HostKey:
        """The key type and fingerprint the server presents now, read without logging in: what
        the host-key dialog shows before the user trusts it (and for a new VPS whose key was
        not readable yet when it was recorded)."""
        return read_host_key(self._login(actor, name, workspace, Permission.SERVER_READ).target)

    def last_health(
        self, actor: Actor, name: str, workspace: str | None = None
    ) -> HealthReport | None:
        """The last health check with each of its checks, or None if never checked."""
        return self._read(
            actor, name, workspace, Permission.SERVER_READ,
            lambda ws, row: health.from_saved(ws.name, row.name, row.last_check),
        )  # fmt: skip

    def accept_host_key(
        self, actor: Actor, name: str, fingerprint: str, workspace: str | None = None
    ) -> ServerInfo:
        """Pin the host key the server offers now, if it is the one the user confirmed."""
        given = normalize_fingerprint(fingerprint)
        manage = Permission.SERVER_MANAGE
        login = self._login(actor, name, workspace, manage, writable=True)
        trust.confirm_offered(login.target, login.name, given)
        return self._change(
            actor, login.name, login.workspace, manage, "server.host-key.accept",
            lambda row: trust.pin(row, given), writable=True,
        )  # fmt: skip

    # --- credential rotation (SSH key; rotation procedures of core.servers.rotation) -----------
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
        log, manage, what = on_log or _quiet, Permission.SERVER_MANAGE, "SSH key rotation"
        login = self._login(actor, name, workspace, manage)
        with self._hold(login, what):
            old = self.secrets.use(actor, login.workspace, login.key_secret, what)
            rotation = credentials.KeyRotation(login, old)
            with self.connect(actor, login.name, login.workspace, manage, what) as old_conn:
                rotation.authorize(old_conn, log)
            self.secrets.set(
                actor, login.workspace, login.key_secret, SecretKind.SSH_KEY,
                rotation.private_key, reason=f"SSH key rotation of {login.name}",
            )  # fmt: skip
            log("new key stored in the secret store")
            removed = rotation.retire_old(log)
            return self._change(
                actor, login.name, login.workspace, manage, "server.rotate-key",
                old_key_removed=removed,
            )  # fmt: skip

    def rotate_key_secret(
        self,
        actor: Actor,
        workspace: str,
        secret: str,
        on_log: Callable[[str], None] | None = None,
    ) -> ServerInfo:
        """`penguin secrets rotate` of an SSH key: the server that logs in with `secret` gets a
        new key through `rotate_key` (which stores it once a login with it worked)."""
        ws_name, server = self._logging_in_with(actor, workspace, secret)
        if server is None:
            raise ValidationError(
                f"no server of {ws_name!r} logs in with {secret!r}, so there is nowhere to install "
                "a new key: replace its value instead",
                remedy=Remedy("secrets.set", secret, (("workspace", ws_name),)),
            )
        return self.rotate_key(actor, server, ws_name, on_log)

    def mailu_api(
        self, actor: Actor, name: str, workspace: str | None = None
    ) -> tuple[ServerInfo, MailuClient]:
        """The server's MailU admin API client, for the capabilities that manage MailU
        (attaching sending domains). The caller closes it."""
        info, url, token_secret = self._read(
            actor, name, workspace, Permission.SERVER_OPERATE, _mailu_endpoint
        )
        if not url or not token_secret:
            raise ValidationError(
                f"{info.name} has no MailU admin API yet: provision it, or give the URL of "
                "its MailU admin API",
                field="mailu_url",
                remedy=Remedy("server.provision", info.name, (("domain", ""),)),
            )
        token = self.secrets.use(actor, info.workspace, token_secret, f"MailU admin API of {name}")
        return info, MailuClient(url, token)

    def rotate_postmaster_password(self, actor: Actor, workspace: str, secret: str) -> None:
        """`penguin secrets rotate` of a postmaster password made by provisioning
        (server/NAME/postmaster@DOMAIN): a new one is set through the MailU admin API, then
        stored."""
        server, email = postmaster_of(secret)
        manage = Permission.SERVER_MANAGE
        info, url, token_secret = self._read(actor, server, workspace, manage, _mailu_endpoint)
        ws_name = info.workspace
        if not url or not token_secret:
            raise ValidationError(f"{server} has no MailU admin API to change the password with")
        token = self.secrets.use(actor, ws_name, token_secret, f"MailU admin API of {server}")
        with MailuClient(url, token) as api:
            password = credentials.new_postmaster_password(api, email)
        self.secrets.set(
            actor, ws_name, secret, SecretKind.SMTP_PASSWORD, password,
            reason=f"password of {email} on {server} rotated",
        )  # fmt: skip
        self._change(actor, server, ws_name, manage, "server.postmaster.passwd", email=email)

    # --- backup and restore --------------------------------------------------------------------
    def backup(
        self, actor: Actor, name: str, out: Path, workspace: str | None = None
    ) -> dict[str, str]:
        """Download mailu.env, docker-compose.yml and the DKIM keys over SFTP into an encrypted
        archive at `out`; returns the archive's manifest."""
        manage = Permission.SERVER_MANAGE
        login = self._login(actor, name, workspace, manage)
        key = backup.archive_key(self.secrets, actor, login.workspace)
        with self._session(actor, login, "backup", manage) as conn:
            files = backup.download(conn, login.mailu_dir)
        manifest = backup.write_archive(out, key, login, files)
        self._change(
            actor, login.name, login.workspace, manage, "server.backup", files=sorted(files)
        )
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
        manage = Permission.SERVER_MANAGE
        login = self._login(actor, name, workspace, manage)
        key = backup.archive_key(self.secrets, actor, login.workspace, create=False)
        files, manifest = backup.read_archive(source, key)
        env = env_values(files.get("mailu.env", b""))
        here = self._read(actor, login.name, login.workspace, manage, _mailu_dir, writable=True)
        folder = backup.restore_folder(mailu_dir or here)
        with self._session(actor, login, "restore", manage) as conn:
            backup.upload(conn, folder, files)
        backup.take_over_secrets(self.secrets, actor, login.workspace, login.name, env, manifest)

        def point_at_restored(row: ServerRow) -> dict[str, str]:
            if env.get("API_TOKEN"):
                row.mailu_token_secret = mailu_token_secret_name(login.name)
            row.mailu_dir = folder
            return {}

        self._change(
            actor, login.name, login.workspace, manage, "server.restore", point_at_restored,
            writable=True, source_server=manifest.get("server", ""), files=sorted(files),
        )  # fmt: skip
        return manifest

    # --- health --------------------------------------------------------------------------------
    def run_check(self, actor: Actor, name: str, workspace: str | None = None) -> HealthReport:
        """Connect and run a few read-only commands; the outcome becomes the server's status."""
        login = self._login(actor, name, workspace, Permission.SERVER_OPERATE)
        report = self._check_one(actor, login)
        self._save_reports(actor, [report])
        return report

    def check_all(
        self,
        actor: Actor,
        workspace: str | None = None,
        concurrency: int = health.HEALTH_CONCURRENCY,
    ) -> list[HealthReport]:
        """A health round over every server the actor may check, `concurrency` at a time."""
        logins = self._in_scope(actor, workspace, Permission.SERVER_OPERATE, login_of)
        reports = health.in_parallel(
            lambda login: self._check_one(actor, login), logins, concurrency
        )
        self._save_reports(actor, reports)
        return sorted(reports, key=lambda r: (r.workspace.casefold(), r.server.casefold()))

    def mail_health(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        keep_key_for: timedelta | None = None,
    ) -> MailHealth:
        """Load, memory, the mail volume's disk, MailU's containers and Postfix's queue, read
        live for monitoring, which keeps its own results: nothing is saved or audited here
        (the SSH key's use is, by the secret store). A read, so the server's one-job lock is
        neither taken nor waited for: a monitoring round must never make a person's
        provisioning or backup fail as busy. A server that cannot be reached, or whose host key
        is not accepted yet, comes back unreachable with the reason. `keep_key_for`: the
        monitor, which asks every few minutes, keeps the SSH key in memory that long."""
        login = self._login(actor, name, workspace, Permission.SERVER_READ)
        return read_mail_health(
            login,
            lambda: self.connect(
                actor, login.name, login.workspace, Permission.SERVER_READ, "mail health",
                keep_key_for,
            ),
        )  # fmt: skip

    def _check_one(self, actor: Actor, login: Login) -> HealthReport:
        return health.check_one(login, lambda: self._session(actor, login, "health check"))

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
                if row is None or report.health is Health.SKIPPED:
                    continue
                row.last_check_at = utcnow()
                if report.mailu_version:
                    row.mailu_version = report.mailu_version
                row.last_check = health.saved_form(report)
                self._audit(
                    session, actor, "server.check", f"server:{report.server}", ws,
                    name=report.server, health=report.health.value,
                    failed=[c.name for c in report.checks if not c.ok], error=report.error or "",
                )  # fmt: skip

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
        login = self._login(actor, name, workspace, Permission.SERVER_OPERATE)
        provisioning.require_trusted(login)
        with self._hold(login, "provisioning"):
            saved = self._read(
                actor, login.name, login.workspace, Permission.SERVER_OPERATE,
                lambda _, row: provisioning.saved_run(row), writable=True,
            )  # fmt: skip
            plan = provisioning.make_plan(
                login.name, saved, resume, domain, hostname, mailu_url, mailu_dir, public_ip,
                admin_wait_s, poll_s,
            )  # fmt: skip
            plan_secrets = provisioning.plan_secrets(
                self.secrets, actor, login, plan.domain, saved.token_secret
            )
            states = provisioning.pending_states()
            self._save_plan(
                actor, login, plan, states, ServerStatus.PROVISIONING, saved.token_secret
            )
            job, log = ctx or JobContext(), on_log or _quiet
            return self._install(actor, login, plan, plan_secrets, states, job, log)

    def _install(
        self,
        actor: Actor,
        login: Login,
        plan: MailuPlan,
        plan_secrets: PlanSecrets,
        states: dict[str, str],
        job: JobContext,
        log: Callable[[str], None],
    ) -> ProvisionResult:
        """Run the plan, saving each step's state as it changes; the run's end is audited."""

        def on_state(step: str, state: str) -> None:
            states[step] = state
            self._save_plan(actor, login, plan, states)

        try:
            with self.connect(actor, login.name, login.workspace, purpose="provisioning") as conn:
                dkim, warnings = provisioning.install(
                    conn, plan, plan_secrets, job, log, self.resolver_config(), on_state
                )
        except PenguinError as exc:
            action, failed = provisioning.failure(exc, states)
            self._finish(
                actor, login, plan, states, ServerStatus.PROVISION_FAILED, action,
                step=failed, error=exc.message,
            )  # fmt: skip
            raise
        info = self._finish(
            actor, login, plan, states, ServerStatus.MAILU_READY, "server.provision",
            warnings=" | ".join(warnings),
        )  # fmt: skip
        return ProvisionResult(info, dict(states), dkim, warnings, plan.domain)

    def _save_plan(
        self,
        actor: Actor,
        login: Login,
        plan: MailuPlan,
        states: dict[str, str],
        status: ServerStatus | None = None,
        token_secret: str | None = None,
    ) -> None:
        with self.db.write() as session:
            _, row = self._server(
                session, actor, login.name, login.workspace, Permission.SERVER_OPERATE
            )
            row.steps = provisioning.plan_json(plan, states)
            if status is not None:
                row.status = status.value
            if token_secret is not None:
                row.mailu_token_secret = token_secret
                row.mailu_dir, row.mailu_url = plan.mailu_dir, plan.mailu_url

    def _finish(
        self,
        actor: Actor,
        login: Login,
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
                session, actor, action, f"server:{login.name}", ws,
                name=login.name, domain=plan.domain, hostname=plan.hostname, **summary,
            )  # fmt: skip
            return server_info(ws, row)
