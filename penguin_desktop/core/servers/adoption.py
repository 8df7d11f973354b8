"""Bringing a server under management: adopting one that exists (its address resolved, its
host key read, a MailU already there recognized) or ordering a VPS through a provider's API,
and destroying that VPS again. The service checks permissions and records what these find."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import idna

from penguin_desktop.core.platform.errors import (
    ExternalServiceError,
    NotFoundError,
    PenguinError,
    Remedy,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets import SecretKind, SecretService
from penguin_desktop.core.servers.mailu import MailuClient, api_url
from penguin_desktop.core.servers.mailu_files import read_mailu_version
from penguin_desktop.core.servers.models import ServerInfo, ServerStatus
from penguin_desktop.core.servers.names import (
    absolute_dir,
    clean_server_name,
    is_host_name,
    mailu_token_secret_name,
    ssh_key_secret_name,
)
from penguin_desktop.core.servers.ssh.client import SshConnection, SshTarget, probe_host_key
from penguin_desktop.core.servers.ssh.fingerprints import normalize_fingerprint
from penguin_desktop.core.servers.ssh.keys import generate_ed25519, load_private_key, public_line
from penguin_desktop.core.servers.tables import ServerRow
from penguin_desktop.core.servers.vps.base import VpsProvider, open_provider, wait_until_active

_USER = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
Store = Callable[[str, SecretKind, str], str]  # stores a secret (name, kind, value), names it


@dataclass(frozen=True)
class AdoptRequest:
    """An adoption's options, checked before anything is asked of the network."""

    name: str
    port: int
    user: str
    accepted: str | None
    mailu_url: str | None
    mailu_token: str | None
    mailu_dir: str


@dataclass(frozen=True)
class Found:
    """What adopting learned about the machine, and the key it will log in with."""

    private_key: str
    public_key: str
    generated: bool
    ip: str
    hostname: str | None
    offered: str
    version: str | None


def adopt_request(
    raw_name: str,
    port: int,
    user: str,
    accept_fingerprint: str | None,
    mailu_url: str | None,
    mailu_token: str | None,
    mailu_dir: str,
) -> AdoptRequest:
    name = clean_server_name(raw_name)
    if not 1 <= port <= 65535:
        raise ValidationError(f"bad SSH port {port}: 1-65535")
    if not _USER.match(user):
        raise ValidationError(f"bad SSH user name {user!r}")
    accepted = normalize_fingerprint(accept_fingerprint) if accept_fingerprint else None
    if (mailu_url is None) != (mailu_token is None):
        raise ValidationError("an existing MailU needs both its admin API URL and its token")
    if mailu_url is not None:
        mailu_url = api_url(mailu_url)
    folder = absolute_dir(mailu_dir.rstrip("/") or "/")
    return AdoptRequest(name, port, user, accepted, mailu_url, mailu_token, folder)


def inspect(request: AdoptRequest, host: str, private_key: str | None) -> Found:
    """Check the key, the MailU token and the host key the machine offers; read the version of
    a MailU already there when the host key is accepted and the key is the machine's own."""
    if private_key is not None:
        public, generated = public_line(load_private_key(private_key)), False
    else:
        pair = generate_ed25519(f"penguinmails-{request.name}")
        private_key, public, generated = pair.private_openssh, pair.public_openssh, True
    if request.mailu_url is not None and request.mailu_token is not None:
        with MailuClient(request.mailu_url, request.mailu_token) as api:
            api.ping()  # a wrong token or URL is refused now, before anything is saved
    ip, hostname = resolve_address(host)
    target = SshTarget(ip, request.port, request.user)
    offered = probe_host_key(target)
    accepted = request.accepted
    if accepted is not None and accepted != offered:
        raise ValidationError(
            f"{host}:{request.port} offers host key {offered}, not the {accepted} you accepted; "
            "nothing was saved"
        )
    version = None
    if accepted is not None and not generated:
        version = _peek_mailu_version(target, accepted, private_key, request.mailu_dir)
    return Found(private_key, public, generated, ip, hostname, offered, version)


def resolve_address(host: str) -> tuple[str, str | None]:
    """(IP, hostname or None) of an address given as an IP or a name."""
    host = host.strip().rstrip(".")
    if not host:
        raise ValidationError("a server address cannot be empty")
    try:
        return str(ipaddress.ip_address(host)), None
    except ValueError:
        pass
    try:  # a name that cannot be one is bad input, not a lookup that failed
        host = idna.encode(host, uts46=True, std3_rules=True).decode("ascii")
    except idna.IDNAError:
        raise ValidationError(
            f"{host!r} is neither an IP address nor a host name", field="host"
        ) from None
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ExternalServiceError(f"cannot resolve {host!r}: no such host name") from None
    return str(infos[0][4][0]), host.lower()


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


def adopted_row(store: Store, request: AdoptRequest, found: Found) -> ServerRow:
    """The adopted server's row, its credentials stored first."""
    key_secret = store(ssh_key_secret_name(request.name), SecretKind.SSH_KEY, found.private_key)
    token_secret = None
    if request.mailu_token:
        token_secret = store(
            mailu_token_secret_name(request.name), SecretKind.API_KEY, request.mailu_token
        )
    accepted = request.accepted
    return ServerRow(
        name=request.name,
        provider="existing",
        ip=found.ip,
        hostname=found.hostname,
        ssh_port=request.port,
        ssh_user=request.user,
        ssh_key_secret=key_secret,
        host_key_fingerprint=accepted,
        offered_fingerprint=None if accepted else found.offered,
        mailu_url=request.mailu_url,
        mailu_token_secret=token_secret,
        mailu_dir=request.mailu_dir,
        mailu_version=found.version,
        status=(ServerStatus.ADOPTED if accepted else ServerStatus.HOST_KEY_PENDING),
        steps="{}",
        last_check="{}",
    )


def adopt_summary(request: AdoptRequest, found: Found) -> dict[str, Any]:
    return {
        "name": request.name,
        "address": f"{found.ip}:{request.port}",
        "user": request.user,
        "host_key": request.accepted or "",
        "offered": found.offered,
        "generated_key": found.generated,
        "mailu_url": request.mailu_url or "",
        "mailu_version": found.version or "",
    }


@contextmanager
def provisional_secrets(
    secrets: SecretService, actor: Actor, workspace: str, reason: str
) -> Iterator[Store]:
    """A way to store a new server's credentials that deletes them all again if the block
    fails, so a server that could not be recorded leaves no orphaned secrets behind."""
    written: list[str] = []

    def store(name: str, kind: SecretKind, value: str) -> str:
        secrets.set(actor, workspace, name, kind, value, reason=reason)
        written.append(name)
        return name

    try:
        yield store
    except BaseException:
        for name in written:
            secrets.delete(actor, workspace, name, reason=f"{reason} failed")
        raise


# --- a VPS through a provider API ----------------------------------------------------------------
@dataclass(frozen=True)
class VpsOrder:
    name: str
    provider: str
    region: str
    plan: str
    image: str
    hostname: str | None
    ssh_port: int
    ssh_user: str


@dataclass(frozen=True)
class Created:
    """A VPS that is up, and the key it was created with."""

    ref: str
    ip: str
    offered: str | None
    private_key: str


def vps_order(
    raw_name: str,
    provider: str,
    region: str,
    plan: str,
    image: str,
    hostname: str | None,
    ssh_port: int,
    ssh_user: str,
) -> VpsOrder:
    name = clean_server_name(raw_name)
    if hostname is not None and not is_host_name(hostname.lower()):
        raise ValidationError(f"bad host name {hostname!r}")
    host = hostname.lower() if hostname else None
    return VpsOrder(name, provider, region, plan, image, host, ssh_port, ssh_user)


def provider_key(
    secrets: SecretService, actor: Actor, workspace: str, provider: str, secret: str, name: str
) -> str:
    try:
        return secrets.use(actor, workspace, secret, f"create server {name}")
    except NotFoundError:
        raise ValidationError(
            f"no {provider} API key in {workspace!r}: store it first",
            remedy=Remedy(
                "secrets.set",
                secret,
                (("kind", "api_key"), ("workspace", workspace), ("value", "")),
            ),
        ) from None


def order_vps(
    api_key: str,
    order: VpsOrder,
    job: JobContext,
    log: Callable[[str], None],
    timeout_s: float,
    poll_s: float,
    record: Callable[[Created], ServerInfo],
) -> tuple[ServerInfo, str]:
    """Create the instance, wait for it and `record` it; returns what `record` returns and the
    public key. If anything fails once the instance exists, it is deleted again."""
    pair = generate_ed25519(f"penguinmails-{order.name}")
    api = open_provider(order.provider, api_key)
    try:
        instance = api.create(
            name=order.name,
            region=order.region,
            plan=order.plan,
            image=order.image,
            ssh_public_key=pair.public_openssh,
        )
        log(f"{order.provider} instance {instance.ref} ordered; waiting until it is active")
        try:
            ip, offered = _bring_up(api, instance.ref, order, job, log, timeout_s, poll_s)
            info = record(Created(instance.ref, ip, offered, pair.private_openssh))
        except BaseException:
            with suppress(PenguinError):
                api.delete(instance.ref)
                log(f"instance {instance.ref} deleted again")
            raise
    finally:
        api.close()
    return info, pair.public_openssh


def _bring_up(
    api: VpsProvider,
    ref: str,
    order: VpsOrder,
    job: JobContext,
    log: Callable[[str], None],
    timeout_s: float,
    poll_s: float,
) -> tuple[str, str | None]:
    """Wait until the instance is active and set its reverse DNS; (its IP, the host key it
    offers, None while it cannot be read yet)."""
    instance = wait_until_active(api, ref, job, timeout_s, poll_s)
    ip = instance.ip or ""
    log(f"instance {instance.ref} is active at {ip}")
    if order.hostname:
        api.set_reverse_dns(instance.ref, ip, order.hostname)
        log(f"reverse DNS of {ip} set to {order.hostname}")
    try:
        offered: str | None = probe_host_key(SshTarget(ip, order.ssh_port, order.ssh_user))
    except ExternalServiceError as exc:
        offered = None
        log(f"its SSH host key cannot be read yet ({exc.message})")
    return ip, offered


def created_row(store: Store, order: VpsOrder, created: Created) -> ServerRow:
    """The created server's row, its key stored first."""
    key_secret = store(ssh_key_secret_name(order.name), SecretKind.SSH_KEY, created.private_key)
    return ServerRow(
        name=order.name,
        provider=order.provider,
        provider_ref=created.ref,
        ip=created.ip,
        hostname=order.hostname,
        ssh_port=order.ssh_port,
        ssh_user=order.ssh_user,
        ssh_key_secret=key_secret,
        offered_fingerprint=created.offered,
        mailu_dir="/mailu",
        status=ServerStatus.HOST_KEY_PENDING,
        steps="{}",
        last_check="{}",
    )


def created_summary(order: VpsOrder, created: Created) -> dict[str, Any]:
    return {
        "name": order.name,
        "provider": order.provider,
        "instance": created.ref,
        "address": f"{created.ip}:{order.ssh_port}",
        "offered": created.offered or "",
    }


def destroy_instance(
    secrets: SecretService,
    actor: Actor,
    workspace: str,
    server: str,
    provider: str,
    ref: str | None,
    api_key_secret: str | None,
) -> None:
    """Delete the provider's instance behind a server (gone already is fine)."""
    if provider == "existing" or ref is None:
        raise ValidationError(
            f"{server} was adopted, not created through a provider: there is no "
            "instance to destroy; remove it without destroying to only forget it",
            field="destroy",
        )
    key = secrets.use(actor, workspace, api_key_secret or f"provider/{provider}", "destroy server")
    api = open_provider(provider, key)
    try:
        with suppress(NotFoundError):
            api.delete(ref)
    finally:
        api.close()
