"""`penguin server ...`: mail servers of a workspace, their SSH trust and health.

Over the ~400-line habit: one module per CLI area; the server group has thirteen commands,
mostly options and help texts.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from penguin_desktop import log
from penguin_desktop.cli.inputs import read_stdin_line, read_text_file
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.platform.errors import ExternalServiceError, ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.servers.models import (
    Health,
    HealthReport,
    ServerInfo,
    ServerStatus,
)

if TYPE_CHECKING:  # SSH and DNS modules load with the first command that needs them
    from penguin_desktop.core.servers.attach import ProvisionOutcome

WORKSPACE_HELP = "The client workspace (needed when the name is in several)."


@click.group("server")
def server() -> None:
    """Mail servers: adopt over SSH, trust host keys, check health."""


def _address(info: ServerInfo) -> str:
    host = info.hostname or info.ip
    return f"{info.ssh_user}@{host}:{info.ssh_port}"


def _accept_hint(info: ServerInfo) -> str:
    return (
        f"Host key of {info.name} is not trusted yet: {info.offered_fingerprint}\n"
        "Compare it with the server's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub "
        "on its console), then run:\n"
        f"  penguin server accept-host-key {info.name} {info.offered_fingerprint}"
    )


@server.command("adopt")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Client workspace the server belongs to.")
@click.option("--host", required=True, help="The server's IP address or host name.")
@click.option("--port", default=22, show_default=True, type=int, help="SSH port.")
@click.option(
    "--user",
    "ssh_user",
    default="root",
    show_default=True,
    help="SSH user on the server (act as someone else with `penguin --user EMAIL server ...`).",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Use this private key (unencrypted OpenSSH/PEM) instead of generating an ed25519 key.",
)
@click.option(
    "--accept-host-key",
    "accept",
    metavar="SHA256:...",
    help="Trust the host key now if the server offers exactly this fingerprint.",
)
@click.option("--mailu-url", help="Admin API URL of a MailU already running there.")
@click.option(
    "--mailu-token-stdin", is_flag=True, help="Read that MailU's admin API token from stdin."
)
@click.option(
    "--mailu-dir",
    default="/mailu",
    show_default=True,
    help="Where MailU's docker-compose.yml is on the server (its version is read from it).",
)
@shared_options(identity=False)
@pass_state
def adopt(
    state: CliState,
    name: str,
    workspace: str,
    host: str,
    port: int,
    ssh_user: str,
    key_file: Path | None,
    accept: str | None,
    mailu_url: str | None,
    mailu_token_stdin: bool,
    mailu_dir: str,
) -> None:
    """Adopt an existing server by address. Its SSH key goes to the secret store: an imported
    --key-file, or a generated ed25519 key whose public half you add to the server."""
    if mailu_token_stdin and not mailu_url:
        raise ValidationError("--mailu-token-stdin goes with --mailu-url")
    if mailu_url and not mailu_token_stdin:
        raise ValidationError("--mailu-url needs the admin API token: --mailu-token-stdin")
    token = read_stdin_line("MailU token") if mailu_token_stdin else None
    private_key = None
    if key_file is not None:
        private_key = read_text_file(key_file, f"the key file {key_file}")
        log.redact(private_key)
    result = state.container.servers.adopt(
        state.actor(),
        workspace,
        name,
        host,
        port,
        ssh_user,
        private_key=private_key,
        accept_fingerprint=accept,
        mailu_url=mailu_url,
        mailu_token=token,
        mailu_dir=mailu_dir,
    )
    info = result.server
    lines = [f"Adopted {info.name} ({_address(info)}) into {info.workspace!r}."]
    if result.generated_key:
        lines.append(
            "Generated an ed25519 key (private half in the secret store). Add this line to "
            f"~{info.ssh_user}/.ssh/authorized_keys on the server:\n  {result.public_key}"
        )
    if info.status is ServerStatus.HOST_KEY_PENDING:
        lines.append(_accept_hint(info))
    else:
        lines.append(f"Host key pinned: {info.host_key_fingerprint}")
    if info.mailu_version:
        lines.append(f"MailU {info.mailu_version} found in {mailu_dir}.")
    emit_object(
        state,
        {"server": info, "public_key": result.public_key, "generated_key": result.generated_key},
        "\n".join(lines),
    )


@server.command("create")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Client workspace the server belongs to.")
@click.option(
    "--provider", default="hostwinds", show_default=True, help="VPS provider (hostwinds)."
)
@click.option("--region", required=True, help="The provider's region / location ID.")
@click.option("--plan", required=True, help="The provider's plan / product ID.")
@click.option("--image", required=True, help="The provider's OS image / template.")
@click.option("--hostname", help="Mail host name: set as the IP's reverse DNS.")
@click.option(
    "--api-key-secret",
    metavar="SECRET",
    help="Secret holding the provider API key (default: provider/PROVIDER).",
)
@click.option("--port", default=22, show_default=True, type=int, help="SSH port of the image.")
@shared_options()
@pass_state
def create(
    state: CliState,
    name: str,
    workspace: str,
    provider: str,
    region: str,
    plan: str,
    image: str,
    hostname: str | None,
    api_key_secret: str | None,
    port: int,
) -> None:
    """Create a VPS through the provider's API with a generated ed25519 key (its private half
    in the secret store), wait until it is active, and record it. Then compare and accept its
    host key with `penguin server accept-host-key`."""
    result = state.container.servers.create(
        state.actor(),
        workspace,
        name,
        provider,
        region,
        plan,
        image,
        hostname=hostname,
        api_key_secret=api_key_secret,
        ssh_port=port,
        on_log=lambda line: click.echo(line, err=state.json),
    )
    info = result.server
    lines = [f"Created {info.name} ({info.provider} instance) at {info.ip} in {info.workspace!r}."]
    if info.offered_fingerprint:
        lines.append(_accept_hint(info))
    else:
        lines.append(
            "Its SSH host key could not be read yet: run "
            f"`penguin server accept-host-key {info.name} SHA256:...` once it has booted."
        )
    emit_object(state, {"server": info, "public_key": result.public_key}, "\n".join(lines))


@server.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def list_(state: CliState, workspace: str | None) -> None:
    """List the mail servers you may see, with their status and last health."""
    rows = state.container.servers.all(state.actor(), workspace)
    emit_table(
        state,
        rows,
        [
            ("workspace", "workspace"),
            ("name", "name"),
            ("ip", "ip"),
            ("ssh_port", "port"),
            ("provider", "provider"),
            ("status", "status"),
            ("mailu_version", "mailu"),
            ("health", "health"),
            ("last_check_at", "checked"),
        ],
        "No servers yet: adopt one with `penguin server adopt NAME --workspace W --host HOST`.",
    )


@server.command("show")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def show(state: CliState, name: str, workspace: str | None) -> None:
    """Show one server: address, host key, status, MailU and provisioning steps."""
    info = state.container.servers.get(state.actor(), name, workspace)
    lines = [
        f"{info.name} ({info.workspace})",
        f"  address:   {_address(info)} (ip {info.ip})",
        f"  provider:  {info.provider}",
        f"  status:    {info.status.value}",
        f"  health:    {info.health.value if info.health else 'not checked'}"
        + (f" at {info.last_check_at:%Y-%m-%d %H:%M:%S}" if info.last_check_at else ""),
        f"  host key:  {info.host_key_fingerprint or 'not trusted yet'}",
        f"  ssh key:   secret {info.ssh_key_secret}",
        f"  MailU:     {info.mailu_version or '-'} {info.mailu_url or ''}".rstrip(),
    ]
    if info.offered_fingerprint:
        lines.append(_accept_hint(info))
    for step, state_ in info.steps.items():
        lines.append(f"  step {step}: {state_}")
    emit_object(state, info, "\n".join(lines))


@server.command("remove")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option(
    "--destroy", is_flag=True, help="Also delete the provider's instance (servers made by create)."
)
@shared_options()
@pass_state
def remove(state: CliState, name: str, workspace: str | None, destroy: bool) -> None:
    """Forget a server and delete its SSH key and MailU token from the secret store (the
    machine itself is left running unless --destroy)."""
    state.container.servers.remove(state.actor(), name, workspace, destroy=destroy)
    done = "Destroyed and removed" if destroy else "Removed"
    emit_object(state, {"removed": name, "destroyed": destroy}, f"{done} {name}")


@server.command("accept-host-key")
@click.argument("name")
@click.argument("fingerprint")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def accept_host_key(state: CliState, name: str, fingerprint: str, workspace: str | None) -> None:
    """Trust the server's host key, if it offers exactly FINGERPRINT (SHA256:...)."""
    info = state.container.servers.accept_host_key(state.actor(), name, fingerprint, workspace)
    emit_object(state, info, f"Host key of {info.name} pinned: {info.host_key_fingerprint}")


def _report_text(report: HealthReport) -> str:
    head = f"{report.server} ({report.workspace}): {report.health.value} in {report.seconds:.1f} s"
    lines = [head]
    if report.error:
        lines.append(f"  {report.error}")
    for check in report.checks:
        lines.append(f"  {'ok ' if check.ok else 'BAD'} {check.name:<7} {check.detail}")
    if report.mailu_version:
        lines.append(f"  MailU {report.mailu_version}")
    return "\n".join(lines)


@server.command("run-check")
@click.argument("name", required=False)
@click.option("--all", "everything", is_flag=True, help="Check every server (of --workspace).")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def run_check(state: CliState, name: str | None, everything: bool, workspace: str | None) -> None:
    """Connect over SSH and check OS, load, memory, disk and Docker. Exits 5 when a server is
    unreachable or a check fails."""
    if bool(name) == everything:
        raise ValidationError("name one server, or pass --all")
    actor = state.actor()
    if everything:
        reports = state.container.servers.check_all(actor, workspace)
    else:
        assert name is not None
        reports = [state.container.servers.run_check(actor, name, workspace)]
    emit_object(state, reports, "\n".join(_report_text(r) for r in reports) or "No servers.")
    bad = [r.server for r in reports if r.health in (Health.UNREACHABLE, Health.DEGRADED)]
    if bad:
        raise ExternalServiceError(f"not healthy: {', '.join(bad)}")


@server.command("provision")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option("--domain", help="The first mail domain (e.g. client.example).")
@click.option("--hostname", help="The server's mail host name (default: mail.DOMAIN).")
@click.option(
    "--mailu-url", help="Where MailU's admin API will answer (default: https://HOSTNAME/api/v1)."
)
@click.option("--mailu-dir", help="Directory for MailU on the server (default: /mailu).")
@click.option(
    "--public-ip",
    help="The address mail leaves from, when SSH reaches the server at another (NAT); its "
    "reverse DNS is checked.",
)
@click.option(
    "--resume", is_flag=True, help="Continue the last run with its saved domain and settings."
)
@shared_options()
@pass_state
def provision(
    state: CliState,
    name: str,
    workspace: str | None,
    domain: str | None,
    hostname: str | None,
    mailu_url: str | None,
    mailu_dir: str | None,
    public_ip: str | None,
    resume: bool,
) -> None:
    """Install MailU over SSH, step by step with a live log. Steps already done are skipped,
    so after a failure or Ctrl-C (cancel) run again with --resume."""
    actor = state.actor()
    job = JobContext()
    outcome: dict[str, Any] = {}

    def say(line: str) -> None:
        click.echo(line, err=state.json)

    def work() -> None:
        try:
            outcome["result"] = state.container.domain_attach.provision(
                actor,
                name,
                workspace,
                domain=domain,
                hostname=hostname,
                mailu_url=mailu_url,
                mailu_dir=mailu_dir,
                public_ip=public_ip,
                resume=resume,
                ctx=job,
                on_log=say,
            )
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"provision {name}", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        job.cancel()
        click.echo("cancelling after the current command ...", err=True)
        worker.join()
    if "error" in outcome:
        raise outcome["error"]
    done: ProvisionOutcome = outcome["result"]
    result, attached = done.result, done.attached
    lines = [f"MailU is installed on {result.server.name} ({result.server.hostname})."]
    if done.attach_error is not None:
        lines.append(
            f"Warning: the DKIM key did not reach the domain's DNS records ({done.attach_error}); "
            f"run `penguin domain attach {result.domain} --server {result.server.name}`"
        )
    if attached is not None:
        lines.append(
            f"{attached.domain.display_name}: MailU's DKIM key (selector {attached.selector}) "
            f"and the server's address are in its required records; publish them with "
            f"`penguin domain fix {attached.domain.name}`."
        )
    elif result.dkim_record:
        lines.append(f"DKIM record to publish:\n  {result.dkim_record}")
    for warning in result.warnings:
        lines.append(f"Warning: {warning}")
    emit_object(state, result, "\n".join(lines))


@server.command("rotate-key")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def rotate_key(state: CliState, name: str, workspace: str | None) -> None:
    """Replace the server's SSH key: authorize a new ed25519 key, prove a login with it, store
    it, then remove the old one (an interrupted rotation leaves a key that still works)."""
    info = state.container.servers.rotate_key(
        state.actor(), name, workspace, on_log=lambda line: click.echo(line, err=state.json)
    )
    emit_object(state, info, f"SSH key of {info.name} rotated (secret {info.ssh_key_secret})")


@server.command("backup")
@click.argument("name")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Archive file to write (encrypted; its key stays in the secret store).",
)
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def backup(state: CliState, name: str, out: Path, workspace: str | None) -> None:
    """Download the MailU configuration (mailu.env, docker-compose.yml, DKIM keys) over SFTP
    into an encrypted local archive."""
    manifest = state.container.servers.backup(state.actor(), name, out, workspace)
    emit_object(state, manifest, f"Backed up {name} to {out} ({manifest['files']})")


@server.command("restore")
@click.argument("name")
@click.option(
    "--from",
    "source",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Archive written by `penguin server backup`.",
)
@click.option("--mailu-dir", help="MailU directory on this server (default: its own, /mailu).")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def restore(
    state: CliState, name: str, source: Path, mailu_dir: str | None, workspace: str | None
) -> None:
    """Put a backup's MailU configuration and DKIM keys onto this server; then run
    `penguin server provision NAME --domain D` to start MailU with them."""
    manifest = state.container.servers.restore(state.actor(), name, source, workspace, mailu_dir)
    emit_object(
        state,
        manifest,
        f"Restored the configuration of {manifest.get('server', '?')} onto {name}; start it "
        f"with `penguin server provision {name} --domain {manifest.get('domain') or 'DOMAIN'}`",
    )
