"""Sending domains of a workspace: what they need in DNS, how they stand, and fixing them
through the workspace's DNS providers.

Generated DKIM private keys and provider credentials go to the secret store through
SecretService (audited there); the database keeps only references. Checks and fixes do their
network work outside any database transaction, so a slow DNS server never holds a lock.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains.dns import blacklists as bl
from penguin_desktop.core.domains.dns import checks, diff, dkim, zonefile
from penguin_desktop.core.domains.dns.diff import Change, FixPlan
from penguin_desktop.core.domains.dns.dmarc import POLICIES
from penguin_desktop.core.domains.dns.findings import (
    DomainReport,
    PostureSummary,
    report_from_json,
    report_to_json,
    summarize,
)
from penguin_desktop.core.domains.dns.names import display_domain, normalize_domain, parse_ip
from penguin_desktop.core.domains.dns.records import (
    DkimSelector,
    DomainSpec,
    RequiredRecord,
    mta_sts_policy,
    required_records,
)
from penguin_desktop.core.domains.dns.resolver import ENV_NAMESERVER, ResolverConfig
from penguin_desktop.core.domains.models import (
    DkimKeyInfo,
    DnsProviderInfo,
    DomainInfo,
    ProviderKind,
)
from penguin_desktop.core.domains.providers.base import DnsProvider, ManualProvider
from penguin_desktop.core.domains.providers.cloudflare import CloudflareProvider, api_base
from penguin_desktop.core.domains.providers.rfc2136 import ALGORITHMS, Rfc2136Provider
from penguin_desktop.core.domains.tables import (
    MAIL_SERVERS,
    DkimKeyRow,
    DnsProviderRow,
    SendingDomainRow,
)
from penguin_desktop.core.platform.emails import normalize_email
from penguin_desktop.core.platform.errors import (
    NotFoundError,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import MetaRow, WorkspaceRow, utcnow
from penguin_desktop.core.secrets import SecretKind, SecretService

_PROVIDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
STS_MODES = ("testing", "enforce", "none")
NAMESERVER_KEY = "dns.nameserver"


@dataclass(frozen=True)
class RequiredView:
    domain: str
    records: tuple[RequiredRecord, ...]
    mta_sts_policy: str
    mta_sts_url: str


@dataclass(frozen=True)
class FixResult:
    """What a fix did. `skipped` are deletions of records that are not ours, left in place
    because the user did not confirm them; `remaining` is the diff read back afterwards."""

    domain: str
    provider: str
    dry_run: bool
    changes: tuple[Change, ...]
    applied: int
    skipped: tuple[Change, ...]
    manual: tuple[RequiredRecord, ...]
    remaining: tuple[Change, ...] = ()
    verified: bool = False


@dataclass(frozen=True)
class NameserverChoice:
    """The saved setting and what checks really ask: PENGUIN_DNS_NAMESERVER wins over it."""

    saved: str | None
    effective: str
    overridden_by_env: bool


@dataclass
class _Loaded:
    """Everything a network step needs, copied out of the session."""

    workspace: str
    workspace_id: int
    spec: DomainSpec
    provider_name: str | None = None
    provider_kind: str | None = None
    provider_settings: dict[str, Any] = field(default_factory=dict)
    credential_secret: str | None = None


def _email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except ValidationError as exc:
        raise ValidationError(f"{raw!r} is not a usable report address: {exc.message}") from None


def _said(key: str) -> str:
    """A record key (NAME TYPE VALUE) as typed compares equal to the one shown whatever its
    spacing, the case of its name and type, and a trailing dot; values keep their case (a DKIM
    key's base64 is case-sensitive)."""
    parts = key.split(maxsplit=2)
    if len(parts) < 3:
        return " ".join(parts).casefold()
    name, rtype, value = parts
    return f"{name.rstrip('.').casefold()} {rtype.upper()} {' '.join(value.split())}"


def _spec(ws: WorkspaceRow, row: SendingDomainRow, keys: Sequence[DkimKeyRow]) -> DomainSpec:
    return DomainSpec(
        name=row.name,
        mail_hosts=tuple(json.loads(row.mail_hosts)),
        server_ips=tuple(json.loads(row.server_ips)),
        dkim=tuple(DkimSelector(k.selector, k.public_key) for k in keys),
        dmarc_policy=row.dmarc_policy,
        report_address=row.report_address,
        mta_sts_mode=row.mta_sts_mode,
        autoconfig=row.autoconfig,
        workspace=ws.name,
    )


class DomainService(Service):
    def __init__(
        self,
        db: Database,
        secrets: SecretService,
        nameserver: str | None = None,
        blacklist_file: str | None = None,
    ) -> None:
        """`nameserver` (HOST[:PORT]) wins over PENGUIN_DNS_NAMESERVER; neither means the
        system resolver."""
        super().__init__(db)
        self.secrets = secrets
        self.nameserver = nameserver
        self.blacklist_file = blacklist_file

    def resolver_config(self, nameserver: str | None = None) -> ResolverConfig:
        """An explicit choice, then PENGUIN_DNS_NAMESERVER, then the organization's setting,
        then the system resolver."""
        return ResolverConfig.from_setting(
            nameserver
            or self.nameserver
            or os.environ.get(ENV_NAMESERVER)
            or self._stored_nameserver()
        )

    def _stored_nameserver(self) -> str | None:
        with self.db.read() as session:
            row = session.get(MetaRow, NAMESERVER_KEY)
            return row.value if row else None

    def nameserver_setting(self, actor: Actor) -> str:
        """What checks will ask, in words (for `dns nameserver` and the Domains page)."""
        return self.resolver_config().describe()

    def nameserver_choice(self, actor: Actor) -> NameserverChoice:
        saved = self._stored_nameserver()
        env = bool(self.nameserver or os.environ.get(ENV_NAMESERVER))
        return NameserverChoice(saved, self.resolver_config().describe(), env)

    def set_nameserver(self, actor: Actor, raw: str | None) -> str:
        """Save the DNS server checks ask (HOST[:PORT], comma-separated); None clears it."""
        value = raw.strip() if raw and raw.strip() else None
        if value is not None:
            ResolverConfig.from_setting(value)
        with self._writing(actor) as session:
            self._require_org(actor, Permission.DNS_NAMESERVER_SET, "dns:nameserver")
            row = session.get(MetaRow, NAMESERVER_KEY)
            before = row.value if row else None
            if value is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(MetaRow(key=NAMESERVER_KEY, value=value))
            else:
                row.value = value
            self._audit(
                session,
                actor,
                "dns.nameserver.set",
                "dns:nameserver",
                before=before or "system",
                after=value or "system",
            )
        return self.resolver_config().describe()

    # --- domains -------------------------------------------------------------------------------
    def add(
        self,
        actor: Actor,
        workspace: str,
        raw_name: str,
        *,
        ips: Sequence[str] = (),
        mail_hosts: Sequence[str] = (),
        dkim_selectors: Sequence[str] = (),
        dkim_keys: dict[str, str] | None = None,
        dmarc_policy: str = "quarantine",
        report_address: str | None = None,
        mta_sts_mode: str = "testing",
        autoconfig: bool = False,
        provider: str | None = None,
    ) -> DomainInfo:
        """Add a sending domain. Selectors without a given public key get a new 2048-bit key
        pair whose private half goes to the secret store."""
        name = normalize_domain(raw_name)
        hosts = tuple(dict.fromkeys(normalize_domain(h) for h in mail_hosts))
        addresses = tuple(dict.fromkeys(parse_ip(ip) for ip in ips))
        if dmarc_policy not in POLICIES:
            raise ValidationError(f"DMARC policy must be one of {', '.join(POLICIES)}")
        if mta_sts_mode not in STS_MODES:
            raise ValidationError(f"MTA-STS mode must be one of {', '.join(STS_MODES)}")
        report = _email(report_address) if report_address else None
        given = {s.strip(): dkim.normalize_key(k) for s, k in (dkim_keys or {}).items()}
        selectors = list(dict.fromkeys([*(s.strip() for s in dkim_selectors), *given]))
        bits: dict[str, int] = {}
        for selector in selectors:
            if not dkim.valid_selector(selector):
                raise ValidationError(f"{selector!r} is not a valid DKIM selector")
            if selector in given:
                try:
                    bits[selector] = dkim.key_bits(given[selector])
                except dkim.DkimSyntaxError as exc:
                    raise ValidationError(f"DKIM key for {selector!r}: {exc}") from None
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.DOMAIN_MANAGE, writable=True
            )
            self._ensure_free(session, ws.id, name)
            if provider is not None:
                self._provider_row(session, ws.id, provider)
        generated: dict[str, str] = {}
        for selector in selectors:
            if selector in given:
                continue
            pair = dkim.generate_key()
            secret = f"dkim/{name}/{selector}"
            self.secrets.set(
                actor,
                workspace,
                secret,
                SecretKind.DKIM_KEY,
                pair.private_pem,
                reason=f"DKIM private key for {selector}._domainkey.{name}",
            )
            generated[selector] = secret
            given[selector] = pair.public_b64
            bits[selector] = dkim.DEFAULT_BITS
        try:
            with self._writing(actor) as session:
                ws, _ = self._workspace(
                    session, actor, workspace, Permission.DOMAIN_MANAGE, writable=True
                )
                self._ensure_free(session, ws.id, name)
                provider_id = self._provider_row(session, ws.id, provider).id if provider else None
                row = SendingDomainRow(
                    workspace_id=ws.id,
                    name=name,
                    mail_hosts=json.dumps(hosts),
                    server_ips=json.dumps(addresses),
                    dmarc_policy=dmarc_policy,
                    report_address=report,
                    mta_sts_mode=mta_sts_mode,
                    autoconfig=autoconfig,
                    provider_id=provider_id,
                )
                session.add(row)
                session.flush()
                for selector in selectors:
                    session.add(
                        DkimKeyRow(
                            domain_id=row.id,
                            selector=selector,
                            public_key=given[selector],
                            bits=bits.get(selector),
                            private_key_secret=generated.get(selector),
                        )
                    )
                self._audit(
                    session,
                    actor,
                    "domain.add",
                    f"domain:{name}",
                    ws,
                    name=name,
                    ips=list(addresses),
                    mail_hosts=list(hosts),
                    dkim_selectors=selectors,
                    generated_keys=sorted(generated),
                    provider=provider,
                )
        except BaseException:
            for secret in generated.values():
                self.secrets.delete(actor, workspace, secret, reason="domain add failed")
            raise
        return self.get(actor, name, workspace)

    def link_mail_server(
        self,
        actor: Actor,
        workspace: str,
        name: str,
        *,
        server: str,
        selector: str,
        public_key: str,
    ) -> DomainInfo:
        """Take a MailU server's DKIM key and address into the domain's required records: the
        selector's key is replaced (a key we generated for it is deleted, MailU signs now),
        the server's IP and host name join the domain's, and the domain remembers its server."""
        key = dkim.normalize_key(public_key)
        try:
            bits = dkim.key_bits(key)
        except dkim.DkimSyntaxError as exc:
            raise ValidationError(f"MailU's DKIM key for {selector!r}: {exc}") from None
        stale: str | None = None
        with self._writing(actor) as session:
            ws, row = self._domain(
                session, actor, name, workspace, Permission.DOMAIN_MANAGE, writable=True
            )
            mail = session.execute(
                select(MAIL_SERVERS).where(
                    MAIL_SERVERS.c.workspace_id == ws.id, MAIL_SERVERS.c.name == server
                )
            ).one_or_none()
            if mail is None:
                raise NotFoundError(f"no server named {server!r} in {ws.name!r}")
            ips = list(dict.fromkeys([*json.loads(row.server_ips), parse_ip(mail.ip)]))
            hosts = list(json.loads(row.mail_hosts))
            if mail.hostname and normalize_domain(mail.hostname) not in hosts:
                hosts.insert(0, normalize_domain(mail.hostname))
            row.server_ips, row.mail_hosts = json.dumps(ips), json.dumps(hosts)
            row.mail_server_id = mail.id
            existing = next((k for k in self._keys(session, row) if k.selector == selector), None)
            if existing is None:
                session.add(
                    DkimKeyRow(domain_id=row.id, selector=selector, public_key=key, bits=bits)
                )
            else:
                stale = existing.private_key_secret if existing.public_key != key else None
                existing.public_key, existing.bits = key, bits
                if stale:
                    existing.private_key_secret = None
            self._audit(
                session,
                actor,
                "domain.attach",
                f"domain:{row.name}",
                ws,
                name=row.name,
                server=server,
                dkim_selector=selector,
                ips=ips,
                mail_hosts=hosts,
            )
            domain, ws_name = row.name, ws.name
        if stale:
            self.secrets.delete(
                actor, ws_name, stale, reason=f"{domain} now signs with MailU's key on {server}"
            )
        return self.get(actor, domain, ws_name)

    def all(self, actor: Actor, workspace: str | None = None) -> list[DomainInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.DOMAIN_READ)
            rows = session.execute(
                select(SendingDomainRow).where(SendingDomainRow.workspace_id.in_(sorted(spaces)))
            ).scalars()
            infos = [self._info(session, spaces[r.workspace_id], r) for r in rows]
        return sorted(infos, key=lambda d: (d.workspace.casefold(), d.name))

    def get(self, actor: Actor, name: str, workspace: str | None = None) -> DomainInfo:
        with self._reading(actor) as session:
            ws, row = self._domain(session, actor, name, workspace, Permission.DOMAIN_READ)
            return self._info(session, ws, row)

    def remove(self, actor: Actor, name: str, workspace: str | None = None) -> None:
        """Forget a domain and delete the DKIM private keys we generated for it (its DNS
        records stay where they are)."""
        with self._writing(actor) as session:
            ws, row = self._domain(
                session, actor, name, workspace, Permission.DOMAIN_MANAGE, writable=True
            )
            secrets = [
                k.private_key_secret for k in self._keys(session, row) if k.private_key_secret
            ]
            ws_name = ws.name
            session.delete(row)
            self._audit(session, actor, "domain.remove", f"domain:{row.name}", ws, name=row.name)
        for secret in secrets:
            self.secrets.delete(actor, ws_name, secret, reason=f"domain {name} removed")

    def records(self, actor: Actor, name: str, workspace: str | None = None) -> RequiredView:
        loaded = self._load(actor, name, workspace, Permission.DOMAIN_READ)
        spec = loaded.spec
        return RequiredView(
            spec.name,
            tuple(required_records(spec)),
            mta_sts_policy(spec),
            f"https://mta-sts.{spec.name}/.well-known/mta-sts.txt",
        )

    def export_zone(self, actor: Actor, name: str, workspace: str | None = None) -> str:
        loaded = self._load(actor, name, workspace, Permission.DOMAIN_READ)
        return zonefile.snippet(loaded.spec, required_records(loaded.spec))

    # --- checks --------------------------------------------------------------------------------
    def check(
        self,
        actor: Actor,
        names: Sequence[str] = (),
        workspace: str | None = None,
        *,
        blacklists: bool = True,
        nameserver: str | None = None,
        ctx: JobContext | None = None,
    ) -> PostureSummary:
        """Check the named domains, or every domain of `workspace` (or every visible one)."""
        ctx = ctx or JobContext()
        if names:
            loaded = [self._load(actor, n, workspace, Permission.DOMAIN_READ) for n in names]
            specs = [item.spec for item in loaded]
        else:
            specs = [self._spec_of(actor, d) for d in self.all(actor, workspace)]
        lists = bl.load(self.blacklist_file) if blacklists else []

        def done(count: int, total: int) -> None:
            ctx.progress(count / total, f"checked {count} of {total} domains")

        reports = checks.run_checks(
            specs, self.resolver_config(nameserver), lists, done, lambda: ctx.cancelled
        )
        with self.db.write() as session:
            for report in reports:
                row = session.execute(
                    select(SendingDomainRow)
                    .join(WorkspaceRow, WorkspaceRow.id == SendingDomainRow.workspace_id)
                    .where(
                        WorkspaceRow.name == report.workspace,
                        SendingDomainRow.name == report.domain,
                    )
                ).scalar_one_or_none()
                if row is not None:
                    worst = report.worst
                    row.last_score, row.last_checked_at = report.score, utcnow()
                    row.last_worst = worst.code if worst else None
                    row.last_worst_message = worst.message if worst else None
                    row.last_report = report_to_json(report)
        return summarize(reports)

    def last_report(
        self, actor: Actor, name: str, workspace: str | None = None
    ) -> DomainReport | None:
        """The findings of the domain's latest check, or None if it was never checked."""
        with self._reading(actor) as session:
            ws, row = self._domain(session, actor, name, workspace, Permission.DOMAIN_READ)
            text, ws_name, domain = row.last_report, ws.name, row.name
        return report_from_json(ws_name, domain, text) if text else None

    def _spec_of(self, actor: Actor, info: DomainInfo) -> DomainSpec:
        return DomainSpec(
            name=info.name,
            mail_hosts=info.mail_hosts,
            server_ips=info.server_ips,
            dkim=tuple(DkimSelector(k.selector, k.public_key) for k in info.dkim),
            dmarc_policy=info.dmarc_policy,
            report_address=info.report_address,
            mta_sts_mode=info.mta_sts_mode,
            autoconfig=info.autoconfig,
            workspace=info.workspace,
        )

    # --- fixes ---------------------------------------------------------------------------------
    def plan(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        *,
        provider: str | None = None,
        nameserver: str | None = None,
    ) -> tuple[FixPlan, str]:
        """The diff between what the provider publishes and what is required."""
        loaded = self._load(actor, name, workspace, Permission.DOMAIN_READ, provider)
        live = self._live_provider(actor, loaded, nameserver)
        published = live.read(loaded.spec.name, diff.lookups_needed(loaded.spec))
        return diff.plan(loaded.spec, published), live.describe()

    def fix(
        self,
        actor: Actor,
        name: str,
        workspace: str | None = None,
        *,
        dry_run: bool = False,
        confirm_deletes: bool = False,
        confirmed: Collection[str] = (),
        provider: str | None = None,
        nameserver: str | None = None,
        ctx: JobContext | None = None,
    ) -> FixResult:
        """Apply the diff through the provider, then read back to prove nothing is left.
        Records that are not ours are deleted only when the user says so: all of them with
        `confirm_deletes`, or just those whose `Change.key` is in `confirmed`. A confirmed
        key that matches nothing is an error: the records changed since the preview, or the
        name was mistyped, and guessing would delete the wrong thing."""
        ctx = ctx or JobContext()
        permission = Permission.DOMAIN_READ if dry_run else Permission.DOMAIN_FIX
        loaded = self._load(actor, name, workspace, permission, provider, writable=not dry_run)
        live = self._live_provider(actor, loaded, nameserver)
        spec = loaded.spec
        ctx.progress(0.0, f"reading published records of {spec.name}")
        before = diff.plan(spec, live.read(spec.name, diff.lookups_needed(spec)))
        wanted = {_said(k) for k in confirmed}
        foreign = {_said(c.key): c for c in before.changes if c.needs_confirmation}
        unknown = sorted(wanted - set(foreign))
        if unknown:
            offered = "; ".join(c.key for c in foreign.values()) or "none"
            raise ValidationError(
                f"no record that is not ours matches {unknown[0]!r} (they are: {offered})"
            )
        chosen = [
            c
            for c in before.changes
            if confirm_deletes or not c.needs_confirmation or _said(c.key) in wanted
        ]
        skipped = tuple(c for c in before.changes if c not in chosen)
        if dry_run or not chosen:
            return FixResult(
                spec.name,
                live.describe(),
                dry_run,
                before.changes,
                0,
                skipped,
                before.manual,
                before.changes if dry_run else (),
                verified=not dry_run,
            )
        applied = 0
        try:
            applied = live.apply(spec.name, chosen, ctx)
        finally:
            with self._writing(actor) as session:
                ws, _ = self._workspace(session, actor, loaded.workspace, Permission.DOMAIN_FIX)
                self._audit(
                    session,
                    actor,
                    "domain.fix",
                    f"domain:{spec.name}",
                    ws,
                    name=spec.name,
                    provider=loaded.provider_name or "manual",
                    applied=applied,
                    changes=[c.describe() for c in chosen[:50]],
                    skipped=[c.describe() for c in skipped],
                )
        after = diff.plan(spec, live.read(spec.name, diff.lookups_needed(spec)))
        remaining = tuple(c for c in after.changes if c not in skipped)
        return FixResult(
            spec.name,
            live.describe(),
            False,
            before.changes,
            applied,
            skipped,
            before.manual,
            remaining,
            verified=not remaining,
        )

    # --- providers -----------------------------------------------------------------------------
    def add_provider(
        self,
        actor: Actor,
        workspace: str,
        raw_name: str,
        kind: ProviderKind,
        settings: dict[str, str],
        credential: str | None = None,
    ) -> DnsProviderInfo:
        name = raw_name.strip()
        if not _PROVIDER_NAME.match(name):
            raise ValidationError(
                f"bad provider name {raw_name!r}: 1-64 letters, digits and . _ - "
            )
        clean = self._provider_settings(kind, settings)
        if kind is not ProviderKind.MANUAL and not credential:
            what = "TSIG secret" if kind is ProviderKind.RFC2136 else "API token"
            raise ValidationError(f"a {kind.value} provider needs its {what}")
        if kind is ProviderKind.RFC2136:
            assert credential is not None
            Rfc2136Provider("127.0.0.1", 53, clean["key_name"], credential, clean["algorithm"])
        with self._reading(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.DNS_PROVIDER_MANAGE, writable=True
            )
            self._ensure_provider_free(session, ws.id, name)
        secret = f"dns-provider/{name}" if credential else None
        if credential and secret:
            self.secrets.set(
                actor,
                workspace,
                secret,
                SecretKind.API_KEY,
                credential,
                reason=f"credential of DNS provider {name}",
            )
        try:
            with self._writing(actor) as session:
                ws, _ = self._workspace(
                    session, actor, workspace, Permission.DNS_PROVIDER_MANAGE, writable=True
                )
                self._ensure_provider_free(session, ws.id, name)
                row = DnsProviderRow(
                    workspace_id=ws.id,
                    name=name,
                    kind=kind.value,
                    settings=json.dumps(clean, sort_keys=True),
                    credential_secret=secret,
                )
                session.add(row)
                session.flush()
                self._audit(
                    session,
                    actor,
                    "dns.provider.add",
                    f"dns-provider:{name}",
                    ws,
                    name=name,
                    kind=kind.value,
                    **clean,
                )
                return self._provider_info(ws, row)
        except BaseException:
            if secret:
                self.secrets.delete(actor, workspace, secret, reason="provider add failed")
            raise

    def providers(self, actor: Actor, workspace: str | None = None) -> list[DnsProviderInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.DOMAIN_READ)
            rows = session.execute(
                select(DnsProviderRow).where(DnsProviderRow.workspace_id.in_(sorted(spaces)))
            ).scalars()
            infos = [self._provider_info(spaces[r.workspace_id], r) for r in rows]
        return sorted(infos, key=lambda p: (p.workspace.casefold(), p.name))

    def set_provider(
        self, actor: Actor, name: str, provider: str | None, workspace: str | None = None
    ) -> DomainInfo:
        """Choose the DNS provider that fixes this domain; None means fixing by hand."""
        with self._writing(actor) as session:
            ws, row = self._domain(
                session, actor, name, workspace, Permission.DOMAIN_MANAGE, writable=True
            )
            old = session.get(DnsProviderRow, row.provider_id) if row.provider_id else None
            new = self._provider_row(session, ws.id, provider) if provider else None
            row.provider_id = new.id if new else None
            self._audit(
                session,
                actor,
                "domain.provider.set",
                f"domain:{row.name}",
                ws,
                name=row.name,
                before=old.name if old else "manual",
                after=new.name if new else "manual",
            )
            domain, ws_name = row.name, ws.name
        return self.get(actor, domain, ws_name)

    def remove_provider(self, actor: Actor, workspace: str, name: str) -> list[str]:
        """Forget a provider and delete its credential from the secret store. The domains it
        fixed fall back to manual fixes; their names are returned so the user is told."""
        with self._writing(actor) as session:
            ws, _ = self._workspace(
                session, actor, workspace, Permission.DNS_PROVIDER_MANAGE, writable=True
            )
            row = self._provider_row(session, ws.id, name)
            users = list(
                session.execute(
                    select(SendingDomainRow).where(SendingDomainRow.provider_id == row.id)
                ).scalars()
            )
            for domain in users:
                domain.provider_id = None
            released = sorted(d.name for d in users)
            secret, ws_name = row.credential_secret, ws.name
            session.delete(row)
            self._audit(
                session,
                actor,
                "dns.provider.remove",
                f"dns-provider:{row.name}",
                ws,
                name=row.name,
                kind=row.kind,
                domains_now_manual=released,
            )
        if secret:
            self.secrets.delete(actor, ws_name, secret, reason=f"DNS provider {name} removed")
        return released

    def test_provider(self, actor: Actor, workspace: str, name: str) -> str:
        with self._reading(actor) as session:
            ws, _ = self._workspace(session, actor, workspace, Permission.DOMAIN_FIX)
            row = self._provider_row(session, ws.id, name)
            loaded = _Loaded(
                ws.name,
                ws.id,
                DomainSpec(name="provider.test"),
                row.name,
                row.kind,
                json.loads(row.settings),
                row.credential_secret,
            )
        return self._live_provider(actor, loaded, None).test()

    @staticmethod
    def _provider_settings(kind: ProviderKind, settings: dict[str, str]) -> dict[str, str]:
        given = {k: v.strip() for k, v in settings.items() if v and v.strip()}
        if kind is ProviderKind.RFC2136:
            if "server" not in given or "key_name" not in given:
                raise ValidationError(
                    "an rfc2136 provider needs --server HOST[:PORT] and --key-name"
                )
            ResolverConfig.from_setting(given["server"])
            given.setdefault("algorithm", "hmac-sha256")
            if given["algorithm"] not in ALGORITHMS:
                raise ValidationError(f"TSIG algorithm must be one of {', '.join(ALGORITHMS)}")
            allowed = {"server", "key_name", "algorithm", "zone"}
        elif kind is ProviderKind.CLOUDFLARE:
            allowed = {"zone", "api"}
        else:
            allowed = set()
        unknown = set(given) - allowed
        if unknown:
            raise ValidationError(
                f"a {kind.value} provider takes no {', '.join(sorted(unknown))} setting"
            )
        if "zone" in given:
            given["zone"] = normalize_domain(given["zone"])
        return given

    def _live_provider(self, actor: Actor, loaded: _Loaded, nameserver: str | None) -> DnsProvider:
        if loaded.provider_kind is None or loaded.provider_kind == ProviderKind.MANUAL:
            return ManualProvider(self.resolver_config(nameserver))
        assert loaded.credential_secret is not None
        credential = self.secrets.use(
            actor,
            loaded.workspace,
            loaded.credential_secret,
            purpose=f"DNS provider {loaded.provider_name}",
        )
        settings = loaded.provider_settings
        if loaded.provider_kind == ProviderKind.RFC2136:
            ((host, port),) = ResolverConfig.from_setting(settings["server"]).nameservers[:1]
            return Rfc2136Provider(
                host,
                port,
                settings["key_name"],
                credential,
                settings["algorithm"],
                settings.get("zone"),
            )
        return CloudflareProvider(
            credential, settings.get("api") or api_base(), settings.get("zone")
        )

    # --- helpers -------------------------------------------------------------------------------
    def _load(
        self,
        actor: Actor,
        name: str,
        workspace: str | None,
        permission: Permission,
        provider: str | None = None,
        writable: bool = False,
    ) -> _Loaded:
        with self._reading(actor) as session:
            ws, row = self._domain(session, actor, name, workspace, permission, writable)
            spec = _spec(ws, row, self._keys(session, row))
            prov: DnsProviderRow | None = None
            if provider is not None:
                prov = self._provider_row(session, ws.id, provider)
            elif row.provider_id is not None:
                prov = session.get(DnsProviderRow, row.provider_id)
            if prov is None:
                return _Loaded(ws.name, ws.id, spec)
            return _Loaded(
                ws.name,
                ws.id,
                spec,
                prov.name,
                prov.kind,
                json.loads(prov.settings),
                prov.credential_secret,
            )

    def _domain(
        self,
        session: Session,
        actor: Actor,
        raw_name: str,
        workspace: str | None,
        permission: Permission,
        writable: bool = False,
    ) -> tuple[WorkspaceRow, SendingDomainRow]:
        name = normalize_domain(raw_name)
        what = f"sending domain {display_domain(name)!r}"
        return self._named_row(
            session, actor, SendingDomainRow, "name", name, workspace, permission, what, writable
        )

    @staticmethod
    def _keys(session: Session, row: SendingDomainRow) -> list[DkimKeyRow]:
        return list(
            session.execute(
                select(DkimKeyRow)
                .where(DkimKeyRow.domain_id == row.id)
                .order_by(DkimKeyRow.selector)
            ).scalars()
        )

    def _info(self, session: Session, ws: WorkspaceRow, row: SendingDomainRow) -> DomainInfo:
        provider = session.get(DnsProviderRow, row.provider_id) if row.provider_id else None
        return DomainInfo(
            workspace=ws.name,
            name=row.name,
            display_name=display_domain(row.name),
            mail_hosts=tuple(json.loads(row.mail_hosts)) or (f"mail.{row.name}",),
            server_ips=tuple(json.loads(row.server_ips)),
            dkim=tuple(
                DkimKeyInfo(k.selector, k.public_key, k.bits, k.private_key_secret)
                for k in self._keys(session, row)
            ),
            dmarc_policy=row.dmarc_policy,
            report_address=row.report_address,
            mta_sts_mode=row.mta_sts_mode,
            autoconfig=row.autoconfig,
            provider=provider.name if provider else None,
            created_at=row.created_at,
            last_score=row.last_score,
            last_worst=row.last_worst,
            last_checked_at=row.last_checked_at,
            last_worst_message=row.last_worst_message,
            mail_server=self._server_name(session, row.mail_server_id),
        )

    @staticmethod
    def _server_name(session: Session, server_id: int | None) -> str | None:
        if server_id is None:
            return None
        found: str | None = session.execute(
            select(MAIL_SERVERS.c.name).where(MAIL_SERVERS.c.id == server_id)
        ).scalar_one_or_none()
        return found

    @staticmethod
    def _provider_info(ws: WorkspaceRow, row: DnsProviderRow) -> DnsProviderInfo:
        return DnsProviderInfo(
            ws.name,
            row.name,
            row.kind,
            json.loads(row.settings),
            row.credential_secret,
            row.created_at,
        )

    def _ensure_free(self, session: Session, workspace_id: int, name: str) -> None:
        taken = f"{display_domain(name)} is already a sending domain here"
        self._ensure_unused(session, SendingDomainRow, "name", name, workspace_id, taken)

    def _ensure_provider_free(self, session: Session, workspace_id: int, name: str) -> None:
        taken = f"a DNS provider named {name!r} already exists here"
        self._ensure_unused(session, DnsProviderRow, "name", name, workspace_id, taken)

    @staticmethod
    def _provider_row(session: Session, workspace_id: int, name: str) -> DnsProviderRow:
        row = session.execute(
            select(DnsProviderRow).where(
                DnsProviderRow.workspace_id == workspace_id, DnsProviderRow.name == name.strip()
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"no DNS provider named {name.strip()!r} in this workspace")
        return row
