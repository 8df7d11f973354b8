"""`penguin domain ...` and `penguin dns provider ...`: sending domains, their DNS posture,
fixes through DNS providers.

Over the ~400-line habit: one module per CLI area, and the domain and dns groups hold twenty
commands whose bodies are a few lines each; the rest is their options and help texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

from penguin_desktop.cli.commands.billing_plans import warn_over_plan
from penguin_desktop.cli.inputs import read_stdin_line, read_text_file
from penguin_desktop.cli.options import shared_options
from penguin_desktop.cli.output import emit_object, emit_table, plain
from penguin_desktop.cli.progress import progress
from penguin_desktop.cli.state import CliState, pass_state
from penguin_desktop.core.domains.dns import dkim
from penguin_desktop.core.domains.dns.findings import DomainReport, PostureSummary, Severity
from penguin_desktop.core.domains.models import DomainInfo, ProviderKind
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError

WORKSPACE_HELP = "The client workspace (needed when the name is in several)."
NAMESERVER_HELP = "Ask this DNS server, HOST[:PORT] (env PENGUIN_DNS_NAMESERVER; default: system)."
# Literal here so `penguin --help` does not import dnspython; the core validates them again.
POLICIES = ("none", "quarantine", "reject")
PROVIDER_KINDS = ("rfc2136", "cloudflare", "manual")
ICONS = {Severity.OK: "ok  ", Severity.WARNING: "warn", Severity.ERROR: "FAIL"}


@dataclass(frozen=True)
class _DomainRow:
    workspace: str
    domain: str
    ips: str
    mail_hosts: str
    dkim: str
    provider: str | None
    score: int | None
    worst: str | None


def _row(d: DomainInfo) -> _DomainRow:
    return _DomainRow(
        d.workspace,
        d.display_name,
        ", ".join(d.server_ips) or "-",
        ", ".join(d.mail_hosts),
        ", ".join(f"{k.selector} ({k.bits or '?'} bits)" for k in d.dkim) or "-",
        d.provider,
        d.last_score,
        d.last_worst,
    )


@click.group("domain")
def domain() -> None:
    """Sending domains: the DNS records they need, checks in plain words, and fixes."""


@domain.command("add")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Client workspace the domain belongs to.")
@click.option("--ip", "ips", multiple=True, metavar="IP", help="A sending server's IP (repeat).")
@click.option(
    "--mail-host",
    "mail_hosts",
    multiple=True,
    metavar="HOST",
    help="Mail server host name (repeat; default mail.NAME).",
)
@click.option(
    "--dkim-selector",
    "selectors",
    multiple=True,
    metavar="S",
    help="DKIM selector; a 2048-bit key is generated, private half to the secret store.",
)
@click.option(
    "--dkim-key",
    "keys",
    multiple=True,
    metavar="S=BASE64",
    help="Use this existing public key for selector S (e.g. from MailU).",
)
@click.option(
    "--dkim-key-file",
    "key_files",
    multiple=True,
    metavar="S=FILE",
    help="Import selector S's public key from a file: PEM, a DKIM TXT record or zone line.",
)
@click.option(
    "--dmarc-policy",
    type=click.Choice(POLICIES),
    default="quarantine",
    show_default=True,
    help="DMARC policy wanted.",
)
@click.option(
    "--report-address",
    metavar="EMAIL",
    help="Where DMARC and TLS reports go (default dmarc-reports@NAME).",
)
@click.option(
    "--mta-sts-mode",
    type=click.Choice(["testing", "enforce", "none"]),
    default="testing",
    show_default=True,
    help="MTA-STS policy mode.",
)
@click.option("--autoconfig", is_flag=True, help="Also require mail-client autoconfig SRV records.")
@click.option(
    "--provider", help="DNS provider that fixes this domain (see `penguin dns provider`)."
)
@click.option(
    "--lab",
    is_flag=True,
    help="A lab set-up: accept private, documentation and loopback sending IPs.",
)
@shared_options()
@pass_state
def add(
    state: CliState,
    name: str,
    workspace: str,
    ips: tuple[str, ...],
    mail_hosts: tuple[str, ...],
    selectors: tuple[str, ...],
    keys: tuple[str, ...],
    key_files: tuple[str, ...],
    dmarc_policy: str,
    report_address: str | None,
    mta_sts_mode: str,
    autoconfig: bool,
    provider: str | None,
    lab: bool,
) -> None:
    """Add a sending domain to a client workspace."""
    given = {}
    for item in keys:
        selector, sep, key = item.partition("=")
        if not sep:
            raise ValidationError(f"--dkim-key takes SELECTOR=BASE64, not {item!r}")
        given[selector] = key
    for item in key_files:
        selector, sep, path = item.partition("=")
        if not sep:
            raise ValidationError(f"--dkim-key-file takes SELECTOR=FILE, not {item!r}")
        given[selector] = _read_key_file(Path(path))
    info = state.container.domains.add(
        state.actor(),
        workspace,
        name,
        ips=ips,
        mail_hosts=mail_hosts,
        dkim_selectors=selectors,
        dkim_keys=given,
        dmarc_policy=dmarc_policy,
        report_address=report_address,
        mta_sts_mode=mta_sts_mode,
        autoconfig=autoconfig,
        provider=provider,
        lab=lab,
    )
    generated = [k.selector for k in info.dkim if k.private_key_secret]
    extra = f"; generated DKIM keys for {', '.join(generated)}" if generated else ""
    emit_object(
        state,
        info,
        f"Added {info.display_name} to {info.workspace!r}{extra}. "
        f"See what to publish: penguin domain records {info.name}",
    )
    warn_over_plan(state, info.workspace)


def _read_key_file(path: Path) -> str:
    text = read_text_file(path, f"the DKIM key file {path}")
    try:
        return dkim.import_public_key(text)
    except dkim.DkimSyntaxError as exc:
        raise ValidationError(f"{path} holds no DKIM public key: {exc}") from None


@domain.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def list_(state: CliState, workspace: str | None) -> None:
    """List sending domains with their last check's score and worst finding."""
    rows = state.container.domains.all(state.actor(), workspace)
    if state.json:
        emit_table(state, rows, [], "")
        return
    columns = [
        ("workspace", "workspace"),
        ("domain", "domain"),
        ("ips", "server ips"),
        ("mail_hosts", "mail hosts"),
        ("dkim", "dkim"),
        ("provider", "provider"),
        ("score", "score"),
        ("worst", "worst finding"),
    ]
    emit_table(
        state,
        [_row(d) for d in rows],
        columns,
        "No sending domains yet: add one with `penguin domain add NAME --workspace W`.",
    )


@domain.command("records")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def records(state: CliState, name: str, workspace: str | None) -> None:
    """Show the DNS records the domain needs (computed here, no network)."""
    view = state.container.domains.records(state.actor(), name, workspace)
    if state.json:
        click.echo(json.dumps(plain(view), indent=2))
        return
    emit_table(
        state,
        list(view.records),
        [("name", "name"), ("rtype", "type"), ("value", "value"), ("purpose", "why")],
        "",
    )
    click.echo(f"\nMTA-STS policy file, to serve at {view.mta_sts_url}:")
    for line in view.mta_sts_policy.splitlines():
        click.echo(f"  {line}")
    click.echo("PTR records are set by whoever owns the IP (your server provider).")


def _print_report(report: DomainReport) -> None:
    click.echo(f"{report.domain} ({report.workspace}): score {report.score}/100")
    order = sorted(report.findings, key=lambda f: (-f.severity.rank, f.category.value))
    for f in order:
        mark = "????" if f.inconclusive else ICONS[f.severity]
        click.echo(f"  [{mark}] {f.message}")
        if f.fix and f.severity is not Severity.OK:
            click.echo(f"         fix: {f.fix}")


def _summary_json(summary: PostureSummary) -> str:
    data = {
        "score": summary.score,
        "by_category": summary.by_category,
        "domains": [
            {
                "workspace": r.workspace,
                "domain": r.domain,
                "score": r.score,
                "breakdown": plain(list(r.breakdown)),
                "findings": [
                    {
                        "severity": f.severity.value,
                        "code": f.code,
                        "category": f.category.value,
                        "message": f.message,
                        "fix": f.fix,
                        "could_not_check": f.inconclusive,
                    }
                    for f in r.findings
                ],
            }
            for r in summary.reports
        ],
    }
    return json.dumps(data, indent=2)


@domain.command("check")
@click.argument("name", required=False)
@click.option("--all", "everything", is_flag=True, help="Check every domain (of --workspace).")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option("--no-blacklists", is_flag=True, help="Skip the DNS blocklist lookups.")
@click.option("--nameserver", metavar="HOST[:PORT]", help=NAMESERVER_HELP)
@shared_options()
@pass_state
def check(
    state: CliState,
    name: str | None,
    everything: bool,
    workspace: str | None,
    no_blacklists: bool,
    nameserver: str | None,
) -> None:
    """Check DNS posture and explain each problem with its fix (exit 0 even with findings)."""
    if bool(name) == everything:
        raise click.UsageError("give a domain NAME or --all")
    with progress(state) as ctx:
        summary = state.container.domains.check(
            state.actor(),
            [name] if name else [],
            workspace,
            blacklists=not no_blacklists,
            nameserver=nameserver,
            ctx=ctx,
        )
    if state.json:
        click.echo(_summary_json(summary))
        return
    if not summary.reports:
        click.echo("No sending domains to check.")
        return
    for report in summary.reports:
        _print_report(report)
    if len(summary.reports) > 1:
        parts = ", ".join(f"{k} {v:g}%" for k, v in summary.by_category.items())
        click.echo(f"Overall score {summary.score}/100 ({parts})")


@domain.command("fix")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option("--dry-run", is_flag=True, help="Only show the changes.")
@click.option(
    "--yes",
    "confirm",
    is_flag=True,
    help="Also delete records that are not ours (e.g. an MX at another host).",
)
@click.option(
    "--delete",
    "deletes",
    multiple=True,
    metavar="'NAME TYPE VALUE'",
    help="Also delete this one record that is not ours, as --dry-run shows it (repeat).",
)
@click.option("--provider", help="Use this DNS provider instead of the domain's own.")
@click.option("--nameserver", metavar="HOST[:PORT]", help=NAMESERVER_HELP)
@shared_options()
@pass_state
def fix(
    state: CliState,
    name: str,
    workspace: str | None,
    dry_run: bool,
    confirm: bool,
    deletes: tuple[str, ...],
    provider: str | None,
    nameserver: str | None,
) -> None:
    """Show what differs from the required records and apply it through the DNS provider."""
    with progress(state) as ctx:
        result = state.container.domains.fix(
            state.actor(),
            name,
            workspace,
            dry_run=dry_run,
            confirm_deletes=confirm,
            confirmed=deletes,
            provider=provider,
            nameserver=nameserver,
            ctx=ctx,
        )
    if state.json:
        click.echo(json.dumps(plain(result), indent=2))
        return
    click.echo(f"{result.domain} via {result.provider}")
    if not result.changes:
        click.echo("Nothing to change: the published records are what the domain needs.")
    for change in result.changes:
        note = "  (not ours: needs --yes or --delete)" if change in result.skipped else ""
        click.echo(f"  {change.describe()}{note}")
    if result.dry_run:
        click.echo("Dry run: nothing was written.")
    elif result.changes:
        click.echo(
            f"Applied {result.applied} changes; "
            + ("read back and verified." if result.verified else "NOT all visible yet.")
        )
    for rec in result.manual:
        click.echo(f"By hand: {rec.purpose}: {rec.name} {rec.rtype} {rec.value}")


@domain.command("report")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def report(state: CliState, name: str, workspace: str | None) -> None:
    """Show the findings of the domain's last check again (no DNS lookups)."""
    service = state.container.domains
    actor = state.actor()
    found = service.last_report(actor, name, workspace)
    if found is None:
        raise NotFoundError(f"{name} has not been checked yet: run `penguin domain check {name}`")
    if state.json:
        click.echo(_summary_json(PostureSummary((found,), found.score)))
        return
    checked = service.get(actor, name, workspace).last_checked_at
    _print_report(found)
    if checked is not None:
        click.echo(f"Checked {checked:%Y-%m-%d %H:%M} UTC; `penguin domain check` for a fresh one.")


@domain.command("attach")
@click.argument("name")
@click.option("--server", required=True, help="The MailU server that will host the domain.")
@click.option("--workspace", "-w", help="The client workspace (needed when names repeat).")
@shared_options()
@pass_state
def attach(state: CliState, name: str, server: str, workspace: str | None) -> None:
    """Create the domain in the server's MailU, generate its DKIM key there and take the
    public key (and the server's address) into the domain's required records."""
    with progress(state) as ctx:
        ctx.progress(0.0, f"asking MailU on {server}")
        result = state.container.domain_attach.attach(state.actor(), name, server, workspace)
    d = result.domain
    if state.json:
        click.echo(json.dumps(plain(result), indent=2))
        return
    done = [
        "added to the workspace" if result.created_domain else None,
        "created in MailU" if result.created_in_mailu else "already in MailU",
        "DKIM key generated" if result.generated_dkim else "DKIM key read",
    ]
    click.echo(f"Attached {d.display_name} to {result.server}: {', '.join(x for x in done if x)}.")
    click.echo(
        f"Required records now hold selector {result.selector!r} and {', '.join(d.server_ips)}; "
        f"publish them with `penguin domain fix {d.name}` (or export-zone)."
    )


@domain.command("set-provider")
@click.argument("name")
@click.argument("provider", required=False)
@click.option("--manual", is_flag=True, help="No provider: fixes are published by hand.")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def set_provider(
    state: CliState, name: str, provider: str | None, manual: bool, workspace: str | None
) -> None:
    """Fix the domain through the DNS provider PROVIDER from now on (or by hand: --manual)."""
    if bool(provider) == manual:
        raise click.UsageError("give a PROVIDER or --manual")
    info = state.container.domains.set_provider(state.actor(), name, provider, workspace)
    emit_object(
        state,
        {"domain": info.name, "workspace": info.workspace, "provider": info.provider},
        f"{info.display_name} is now fixed "
        + (f"through {info.provider!r}" if info.provider else "by hand (manual)"),
    )


@domain.command("export-zone")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the snippet to this file instead of stdout.",
)
@shared_options()
@pass_state
def export_zone(state: CliState, name: str, workspace: str | None, out: Path | None) -> None:
    """Print a BIND zone-file snippet of the required records, to publish by hand."""
    text = state.container.domains.export_zone(state.actor(), name, workspace)
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text)
    emit_object(state, {"path": str(out)}, f"Wrote the zone snippet to {out}")


@domain.command("remove")
@click.argument("name")
@click.option("--workspace", "-w", help=WORKSPACE_HELP)
@shared_options()
@pass_state
def remove(state: CliState, name: str, workspace: str | None) -> None:
    """Forget a sending domain and the DKIM keys generated for it (DNS is left as it is)."""
    state.container.domains.remove(state.actor(), name, workspace)
    emit_object(state, {"removed": name}, f"Removed {name}")


@click.group("dns")
def dns() -> None:
    """DNS settings: the providers fixes are written through."""


@dns.command("nameserver")
@click.argument("server", required=False, metavar="[HOST[:PORT]]")
@click.option("--clear", is_flag=True, help="Go back to the system resolver.")
@shared_options()
@pass_state
def nameserver(state: CliState, server: str | None, clear: bool) -> None:
    """Show the DNS server that checks ask, or make it HOST[:PORT].

    PENGUIN_DNS_NAMESERVER, when set, still wins over the saved server.
    """
    service = state.container.domains
    actor = state.actor()
    if clear or server:
        described = service.set_nameserver(actor, None if clear else server)
    else:
        described = service.nameserver_setting(actor)
    emit_object(state, {"nameserver": described}, f"DNS checks ask {described}")


@dns.group("provider")
def provider() -> None:
    """DNS providers (RFC 2136 with TSIG, Cloudflare, manual) per workspace."""


@provider.command("add")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Client workspace.")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(PROVIDER_KINDS),
    help="rfc2136 (BIND, Knot, PowerDNS), cloudflare, or manual.",
)
@click.option("--server", metavar="HOST[:PORT]", help="rfc2136: the primary server.")
@click.option("--key-name", help="rfc2136: TSIG key name.")
@click.option(
    "--algorithm", default="hmac-sha256", show_default=True, help="rfc2136: TSIG algorithm."
)
@click.option("--zone", help="The zone to write (default: found from the domain).")
@click.option("--api", metavar="URL", help="cloudflare: API base (env PENGUIN_CLOUDFLARE_API).")
@click.option(
    "--secret-stdin",
    is_flag=True,
    help="Read the TSIG secret or API token from stdin (stored in the secret store).",
)
@shared_options()
@pass_state
def provider_add(
    state: CliState,
    name: str,
    workspace: str,
    kind: str,
    server: str | None,
    key_name: str | None,
    algorithm: str,
    zone: str | None,
    api: str | None,
    secret_stdin: bool,
) -> None:
    """Add a DNS provider; its credential goes to the secret store, never the database."""
    chosen = ProviderKind(kind)
    settings = {"zone": zone or ""}
    if chosen is ProviderKind.RFC2136:
        settings.update(server=server or "", key_name=key_name or "", algorithm=algorithm)
    elif chosen is ProviderKind.CLOUDFLARE:
        settings["api"] = api or ""
    credential = None
    if chosen is not ProviderKind.MANUAL:
        if not secret_stdin:
            raise ValidationError("pass the TSIG secret or API token with --secret-stdin")
        credential = read_stdin_line("credential")
    info = state.container.domains.add_provider(
        state.actor(), workspace, name, chosen, settings, credential
    )
    emit_object(
        state, info, f"Added DNS provider {info.name!r} ({info.kind}) to {info.workspace!r}"
    )


@provider.command("list")
@click.option("--workspace", "-w", help="Only this workspace.")
@shared_options()
@pass_state
def provider_list(state: CliState, workspace: str | None) -> None:
    """List DNS providers and where their credentials are kept."""
    rows = state.container.domains.providers(state.actor(), workspace)
    columns = [
        ("workspace", "workspace"),
        ("name", "name"),
        ("kind", "kind"),
        ("settings", "settings"),
        ("credential_secret", "credential (secret)"),
    ]
    emit_table(
        state, rows, columns, "No DNS providers yet: add one with `penguin dns provider add`."
    )


@provider.command("remove")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Client workspace.")
@shared_options()
@pass_state
def provider_remove(state: CliState, name: str, workspace: str) -> None:
    """Remove a DNS provider and its credential; its domains fall back to manual fixes."""
    released = state.container.domains.remove_provider(state.actor(), workspace, name)
    text = f"Removed DNS provider {name!r}"
    if released:
        text += f"; now fixed by hand: {', '.join(released)}"
    emit_object(state, {"removed": name, "domains_now_manual": released}, text)


@provider.command("test")
@click.argument("name")
@click.option("--workspace", "-w", required=True, help="Client workspace.")
@shared_options()
@pass_state
def provider_test(state: CliState, name: str, workspace: str) -> None:
    """Connect and authenticate to the provider for real, and say what answered."""
    status = state.container.domains.test_provider(state.actor(), workspace, name)
    emit_object(state, {"ok": True, "status": status}, f"OK: {status}")
