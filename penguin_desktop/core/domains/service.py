"""Sending domains of a workspace: what they need in DNS, how they stand, and fixing them
through the workspace's DNS providers.

This is the capability's door: each method checks the actor's permission, runs the database
transaction and writes the audit record; the work itself lives in the modules beside it.
Generated DKIM private keys and provider credentials go to the secret store through
SecretService (audited there); the database keeps only references. Checks and fixes do their
network work outside any database transaction, so a slow DNS server never holds a lock.

Over the ~400-line habit: the door has twenty public methods with long keyword signatures;
their work is in the modules beside it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import enrol, fix, nameserver, providers_admin, reports, rows
from penguin_desktop.core.domains.dns import blacklists as bl
from penguin_desktop.core.domains.dns import checks, dkim
from penguin_desktop.core.domains.dns.diff import FixPlan
from penguin_desktop.core.domains.dns.findings import (
    DomainReport,
    PostureSummary,
    report_from_json,
    summarize,
)
from penguin_desktop.core.domains.dns.names import display_domain, normalize_domain
from penguin_desktop.core.domains.dns.records import DomainSpec
from penguin_desktop.core.domains.dns.resolver import ENV_NAMESERVER, ResolverConfig
from penguin_desktop.core.domains.fix import FixResult
from penguin_desktop.core.domains.models import DnsProviderInfo, DomainInfo, ProviderKind
from penguin_desktop.core.domains.nameserver import NameserverChoice
from penguin_desktop.core.domains.providers.base import DnsProvider, ManualProvider
from penguin_desktop.core.domains.required import RequiredView, required_view, zone_snippet
from penguin_desktop.core.domains.rows import Loaded
from penguin_desktop.core.domains.tables import DnsProviderRow, SendingDomainRow
from penguin_desktop.core.platform import quotas
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.permissions import Permission
from penguin_desktop.core.platform.service import Service
from penguin_desktop.core.platform.store.database import Database
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets import SecretKind, SecretService

__all__ = ["DomainService", "FixResult", "NameserverChoice", "RequiredView"]


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

    # --- the DNS server checks ask -------------------------------------------------------------
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
            return nameserver.stored(session)

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
            before = nameserver.store(session, value)
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
        lab: bool = False,
    ) -> DomainInfo:
        """Add a sending domain. Selectors without a given public key get a new 2048-bit key
        pair whose private half goes to the secret store. `lab` accepts private, documentation
        and loopback sending addresses (a lab set-up)."""
        new = enrol.new_domain(
            raw_name,
            ips=ips,
            mail_hosts=mail_hosts,
            dkim_selectors=dkim_selectors,
            dkim_keys=dkim_keys,
            dmarc_policy=dmarc_policy,
            report_address=report_address,
            mta_sts_mode=mta_sts_mode,
            autoconfig=autoconfig,
            lab=lab,
        )
        with self._reading(actor) as session:
            self._domain_slot(session, actor, workspace, new.name, provider)
        generated = enrol.generate_keys(self.secrets, actor, workspace, new)
        try:
            with self._writing(actor) as session:
                ws, provider_id = self._domain_slot(session, actor, workspace, new.name, provider)
                enrol.insert_domain(session, ws.id, new, provider_id, generated)
                self._audit(
                    session,
                    actor,
                    "domain.add",
                    f"domain:{new.name}",
                    ws,
                    name=new.name,
                    ips=list(new.addresses),
                    mail_hosts=list(new.hosts),
                    dkim_selectors=new.selectors,
                    generated_keys=sorted(generated),
                    provider=provider,
                )
        except BaseException:
            for secret in generated.values():
                self.secrets.delete(actor, workspace, secret, reason="domain add failed")
            raise
        return self.get(actor, new.name, workspace)

    def _domain_slot(
        self, session: Session, actor: Actor, workspace: str, name: str, provider: str | None
    ) -> tuple[WorkspaceRow, int | None]:
        """The workspace a new domain may go into and its provider's id: checked once before
        keys are generated and again, in the writing transaction, before rows are written.
        The workspace's plan may refuse one more domain (core.platform.quotas)."""
        ws, _ = self._workspace(session, actor, workspace, Permission.DOMAIN_MANAGE, writable=True)
        taken = f"{display_domain(name)} is already a sending domain here"
        self._ensure_unused(session, SendingDomainRow, "name", name, ws.id, taken)
        self.db.quotas.require(session, ws.id, quotas.DOMAINS)
        provider_id = (
            rows.provider_row(session, ws.id, provider).id if provider is not None else None
        )
        return ws, provider_id

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
        with self._writing(actor) as session:
            ws, row = self._domain(
                session, actor, name, workspace, Permission.DOMAIN_MANAGE, writable=True
            )
            linked = enrol.link_server(session, ws, row, server, selector, key, bits)
            self._audit(
                session,
                actor,
                "domain.attach",
                f"domain:{row.name}",
                ws,
                name=row.name,
                server=server,
                dkim_selector=selector,
                ips=linked.ips,
                mail_hosts=linked.hosts,
            )
            domain, ws_name = row.name, ws.name
        if linked.stale:
            self.secrets.delete(
                actor,
                ws_name,
                linked.stale,
                reason=f"{domain} now signs with MailU's key on {server}",
            )
        return self.get(actor, domain, ws_name)

    def all(self, actor: Actor, workspace: str | None = None) -> list[DomainInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.DOMAIN_READ)
            found = session.execute(
                select(SendingDomainRow).where(SendingDomainRow.workspace_id.in_(sorted(spaces)))
            ).scalars()
            infos = [rows.domain_info(session, spaces[r.workspace_id], r) for r in found]
        return sorted(infos, key=lambda d: (d.workspace.casefold(), d.name))

    def get(self, actor: Actor, name: str, workspace: str | None = None) -> DomainInfo:
        with self._reading(actor) as session:
            ws, row = self._domain(session, actor, name, workspace, Permission.DOMAIN_READ)
            return rows.domain_info(session, ws, row)

    def remove(self, actor: Actor, name: str, workspace: str | None = None) -> None:
        """Forget a domain and delete the DKIM private keys we generated for it (its DNS
        records stay where they are)."""
        with self._writing(actor) as session:
            ws, row = self._domain(
                session, actor, name, workspace, Permission.DOMAIN_MANAGE, writable=True
            )
            secrets = [
                k.private_key_secret for k in rows.keys(session, row) if k.private_key_secret
            ]
            ws_name = ws.name
            session.delete(row)
            self._audit(session, actor, "domain.remove", f"domain:{row.name}", ws, name=row.name)
        for secret in secrets:
            self.secrets.delete(actor, ws_name, secret, reason=f"domain {name} removed")

    def records(self, actor: Actor, name: str, workspace: str | None = None) -> RequiredView:
        return required_view(self._load(actor, name, workspace, Permission.DOMAIN_READ).spec)

    def export_zone(self, actor: Actor, name: str, workspace: str | None = None) -> str:
        return zone_snippet(self._load(actor, name, workspace, Permission.DOMAIN_READ).spec)

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
        specs: list[DomainSpec]
        if names:
            specs = [self._load(actor, n, workspace, Permission.DOMAIN_READ).spec for n in names]
        else:
            specs = [rows.spec_of_info(d) for d in self.all(actor, workspace)]
        lists = bl.load(self.blacklist_file) if blacklists else []

        def done(count: int, total: int) -> None:
            ctx.progress(count / total, f"checked {count} of {total} domains")

        found = checks.run_checks(
            specs, self.resolver_config(nameserver), lists, done, lambda: ctx.cancelled
        )
        with self.db.write() as session:
            reports.remember(session, found)
        return summarize(found)

    def listings(self, subjects: Sequence[str]) -> dict[str, list[bl.ListResult]]:
        """Each address or domain against the blocklists of its type. Reads no workspace data
        (the caller has looked its subjects up under its own permission)."""
        from penguin_desktop.core.domains.dns.checks.blacklists import listings

        return listings(subjects, self.resolver_config(), bl.load(self.blacklist_file))

    def last_report(
        self, actor: Actor, name: str, workspace: str | None = None
    ) -> DomainReport | None:
        """The findings of the domain's latest check, or None if it was never checked."""
        with self._reading(actor) as session:
            ws, row = self._domain(session, actor, name, workspace, Permission.DOMAIN_READ)
            text, ws_name, domain = row.last_report, ws.name, row.name
        return report_from_json(ws_name, domain, text) if text else None

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
        return fix.published_plan(live, loaded.spec), live.describe()

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
        `confirm_deletes`, or just those whose `Change.key` is in `confirmed`."""
        ctx = ctx or JobContext()
        permission = Permission.DOMAIN_READ if dry_run else Permission.DOMAIN_FIX
        loaded = self._load(actor, name, workspace, permission, provider, writable=not dry_run)
        live = self._live_provider(actor, loaded, nameserver)
        spec = loaded.spec
        ctx.progress(0.0, f"reading published records of {spec.name}")
        before = fix.published_plan(live, spec)
        chosen, skipped = fix.choose(before, confirm_deletes, confirmed)
        if dry_run or not chosen:
            return fix.unapplied(spec, live, dry_run, before, skipped)
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
        return fix.read_back(spec, live, before, applied, skipped)

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
        name, clean = providers_admin.new_provider(raw_name, kind, settings, credential)
        with self._reading(actor) as session:
            self._provider_slot(session, actor, workspace, name)
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
                ws = self._provider_slot(session, actor, workspace, name)
                row = providers_admin.insert_provider(session, ws.id, name, kind, clean, secret)
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
                return rows.provider_info(ws, row)
        except BaseException:
            if secret:
                self.secrets.delete(actor, workspace, secret, reason="provider add failed")
            raise

    def _provider_slot(
        self, session: Session, actor: Actor, workspace: str, name: str
    ) -> WorkspaceRow:
        """The workspace a new provider may go into: checked before its credential is stored
        and again, in the writing transaction, before its row is written."""
        ws, _ = self._workspace(
            session, actor, workspace, Permission.DNS_PROVIDER_MANAGE, writable=True
        )
        taken = f"a DNS provider named {name!r} already exists here"
        self._ensure_unused(session, DnsProviderRow, "name", name, ws.id, taken)
        return ws

    def providers(self, actor: Actor, workspace: str | None = None) -> list[DnsProviderInfo]:
        with self._reading(actor) as session:
            spaces = self._workspaces_in_scope(session, actor, workspace, Permission.DOMAIN_READ)
            found = session.execute(
                select(DnsProviderRow).where(DnsProviderRow.workspace_id.in_(sorted(spaces)))
            ).scalars()
            infos = [rows.provider_info(spaces[r.workspace_id], r) for r in found]
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
            new = rows.provider_row(session, ws.id, provider) if provider else None
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
            row = rows.provider_row(session, ws.id, name)
            released = providers_admin.release_domains(session, row)
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
            row = rows.provider_row(session, ws.id, name)
            loaded = rows.loaded(ws, DomainSpec(name="provider.test"), row)
        return self._live_provider(actor, loaded, None).test()

    def _live_provider(self, actor: Actor, loaded: Loaded, nameserver: str | None) -> DnsProvider:
        if providers_admin.is_manual(loaded):
            return ManualProvider(self.resolver_config(nameserver))
        return providers_admin.connect(self.secrets, actor, loaded)

    # --- reading a domain, permission checked --------------------------------------------------
    def _load(
        self,
        actor: Actor,
        name: str,
        workspace: str | None,
        permission: Permission,
        provider: str | None = None,
        writable: bool = False,
    ) -> Loaded:
        """The domain's spec and the provider that fixes it (`provider` overrides its own)."""
        with self._reading(actor) as session:
            ws, row = self._domain(session, actor, name, workspace, permission, writable)
            spec = rows.spec_of_row(ws, row, rows.keys(session, row))
            prov: DnsProviderRow | None = None
            if provider is not None:
                prov = rows.provider_row(session, ws.id, provider)
            elif row.provider_id is not None:
                prov = session.get(DnsProviderRow, row.provider_id)
            return rows.loaded(ws, spec, prov)

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
