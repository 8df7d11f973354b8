"""Taking a sending domain in: checking what the user typed, generating DKIM keys, writing the
rows, and linking a domain to the MailU server that signs its mail.

The service wraps these in its permission checks, transactions and audit records.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains import rows
from penguin_desktop.core.domains.dns import dkim
from penguin_desktop.core.domains.dns.dmarc import POLICIES
from penguin_desktop.core.domains.dns.names import normalize_domain, parse_ip, parse_sending_ip
from penguin_desktop.core.domains.tables import MAIL_SERVERS, DkimKeyRow, SendingDomainRow
from penguin_desktop.core.platform.emails import normalize_email
from penguin_desktop.core.platform.errors import NotFoundError, ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.platform.store.tables import WorkspaceRow
from penguin_desktop.core.secrets import SecretKind, SecretService

STS_MODES = ("testing", "enforce", "none")


@dataclass
class NewDomain:
    """A domain to add, checked and normalized. `keys` and `bits` hold the public DKIM keys by
    selector: the given ones first, the generated ones once `generate_keys` made them."""

    name: str
    hosts: tuple[str, ...]
    addresses: tuple[str, ...]
    selectors: list[str]
    keys: dict[str, str]
    bits: dict[str, int]
    dmarc_policy: str
    report_address: str | None
    mta_sts_mode: str
    autoconfig: bool


@dataclass(frozen=True)
class Linked:
    """What linking a mail server changed; `stale` is a generated private key now unused."""

    ips: list[str]
    hosts: list[str]
    stale: str | None


def _email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except ValidationError as exc:
        raise ValidationError(f"{raw!r} is not a usable report address: {exc.message}") from None


def new_domain(
    raw_name: str,
    *,
    ips: Sequence[str],
    mail_hosts: Sequence[str],
    dkim_selectors: Sequence[str],
    dkim_keys: Mapping[str, str] | None,
    dmarc_policy: str,
    report_address: str | None,
    mta_sts_mode: str,
    autoconfig: bool,
    lab: bool = False,
) -> NewDomain:
    """Refuse bad input before anything is written or a key is generated. `lab` accepts
    private, documentation and loopback sending addresses for a lab set-up."""
    name = normalize_domain(raw_name)
    hosts = tuple(dict.fromkeys(normalize_domain(h) for h in mail_hosts))
    addresses = tuple(dict.fromkeys(parse_sending_ip(ip, lab=lab) for ip in ips))
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
    return NewDomain(
        name,
        hosts,
        addresses,
        selectors,
        given,
        bits,
        dmarc_policy,
        report,
        mta_sts_mode,
        autoconfig,
    )


def generate_keys(
    secrets: SecretService, actor: Actor, workspace: str, new: NewDomain
) -> dict[str, str]:
    """A 2048-bit key pair for each selector given without a public key; the private halves go
    to the secret store. Returns their secret names by selector, to delete if adding fails."""
    generated: dict[str, str] = {}
    for selector in new.selectors:
        if selector in new.keys:
            continue
        pair = dkim.generate_key()
        secret = f"dkim/{new.name}/{selector}"
        secrets.set(
            actor,
            workspace,
            secret,
            SecretKind.DKIM_KEY,
            pair.private_pem,
            reason=f"DKIM private key for {selector}._domainkey.{new.name}",
        )
        generated[selector] = secret
        new.keys[selector] = pair.public_b64
        new.bits[selector] = dkim.DEFAULT_BITS
    return generated


def insert_domain(
    session: Session,
    workspace_id: int,
    new: NewDomain,
    provider_id: int | None,
    generated: Mapping[str, str],
) -> SendingDomainRow:
    row = SendingDomainRow(
        workspace_id=workspace_id,
        name=new.name,
        mail_hosts=json.dumps(new.hosts),
        server_ips=json.dumps(new.addresses),
        dmarc_policy=new.dmarc_policy,
        report_address=new.report_address,
        mta_sts_mode=new.mta_sts_mode,
        autoconfig=new.autoconfig,
        provider_id=provider_id,
    )
    session.add(row)
    session.flush()
    for selector in new.selectors:
        session.add(
            DkimKeyRow(
                domain_id=row.id,
                selector=selector,
                public_key=new.keys[selector],
                bits=new.bits.get(selector),
                private_key_secret=generated.get(selector),
            )
        )
    return row


def link_server(
    session: Session,
    ws: WorkspaceRow,
    row: SendingDomainRow,
    server: str,
    selector: str,
    key: str,
    bits: int,
) -> Linked:
    """The server's IP and host name join the domain's and its key replaces the selector's; a
    private key we generated for that selector is dropped, since MailU signs now."""
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
    stale: str | None = None
    existing = next((k for k in rows.keys(session, row) if k.selector == selector), None)
    if existing is None:
        session.add(DkimKeyRow(domain_id=row.id, selector=selector, public_key=key, bits=bits))
    else:
        stale = existing.private_key_secret if existing.public_key != key else None
        existing.public_key, existing.bits = key, bits
        if stale:
            existing.private_key_secret = None
    return Linked(ips, hosts, stale)
