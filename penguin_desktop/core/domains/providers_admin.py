"""The DNS providers a workspace fixes records through: checking their settings, storing them,
releasing their domains, and connecting to them with their credential.

Credentials live in the secret store; rows keep only the secret's name.
"""

from __future__ import annotations

import json
import re

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from penguin_desktop.core.domains.dns.names import normalize_domain
from penguin_desktop.core.domains.dns.resolver import ResolverConfig
from penguin_desktop.core.domains.models import ProviderKind
from penguin_desktop.core.domains.providers.base import DnsProvider
from penguin_desktop.core.domains.providers.cloudflare import CloudflareProvider, api_base
from penguin_desktop.core.domains.providers.rfc2136 import ALGORITHMS, Rfc2136Provider
from penguin_desktop.core.domains.rows import Loaded
from penguin_desktop.core.domains.tables import DnsProviderRow, SendingDomainRow
from penguin_desktop.core.platform.errors import ValidationError
from penguin_desktop.core.platform.models import Actor
from penguin_desktop.core.secrets import SecretService

_PROVIDER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def new_provider(
    raw_name: str, kind: ProviderKind, settings: dict[str, str], credential: str | None
) -> tuple[str, dict[str, str]]:
    """The provider's name and clean settings; refused before its credential is stored. A TSIG
    secret is tried on a throwaway client so a malformed one fails now, not at the first fix."""
    name = raw_name.strip()
    if not _PROVIDER_NAME.match(name):
        raise ValidationError(f"bad provider name {raw_name!r}: 1-64 letters, digits and . _ - ")
    clean = _settings(kind, settings)
    if kind is not ProviderKind.MANUAL and not credential:
        what = "TSIG secret" if kind is ProviderKind.RFC2136 else "API token"
        raise ValidationError(f"a {kind.value} provider needs its {what}")
    if kind is ProviderKind.RFC2136:
        assert credential is not None
        Rfc2136Provider("127.0.0.1", 53, clean["key_name"], credential, clean["algorithm"])
    return name, clean


def _settings(kind: ProviderKind, settings: dict[str, str]) -> dict[str, str]:
    given = {k: v.strip() for k, v in settings.items() if v and v.strip()}
    if kind is ProviderKind.RFC2136:
        if "server" not in given or "key_name" not in given:
            missing = "server" if "server" not in given else "key_name"
            raise ValidationError(
                "an rfc2136 provider needs its server (HOST[:PORT]) and TSIG key name",
                field=missing,
            )
        ResolverConfig.from_setting(given["server"])
        given.setdefault("algorithm", "hmac-sha256")
        if given["algorithm"] not in ALGORITHMS:
            raise ValidationError(f"TSIG algorithm must be one of {', '.join(ALGORITHMS)}")
        allowed = {"server", "key_name", "algorithm", "zone"}
    elif kind is ProviderKind.CLOUDFLARE:
        allowed = {"zone", "api"}
        if "api" in given:
            given["api"] = _http_url(given["api"])
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


def _http_url(raw: str) -> str:
    """An API base URL: http(s) with a host, nothing else (it is where the token is sent)."""
    try:
        url = httpx.URL(raw)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ValidationError(
            f"the provider's API address must be an http(s) URL, not {raw!r}", field="api"
        )
    return str(url).rstrip("/")


def insert_provider(
    session: Session,
    workspace_id: int,
    name: str,
    kind: ProviderKind,
    settings: dict[str, str],
    secret: str | None,
) -> DnsProviderRow:
    row = DnsProviderRow(
        workspace_id=workspace_id,
        name=name,
        kind=kind.value,
        settings=json.dumps(settings, sort_keys=True),
        credential_secret=secret,
    )
    session.add(row)
    session.flush()
    return row


def release_domains(session: Session, row: DnsProviderRow) -> list[str]:
    """Domains the provider fixed fall back to manual fixes; their names, sorted."""
    users = list(
        session.execute(
            select(SendingDomainRow).where(SendingDomainRow.provider_id == row.id)
        ).scalars()
    )
    for domain in users:
        domain.provider_id = None
    return sorted(d.name for d in users)


def is_manual(loaded: Loaded) -> bool:
    return loaded.provider_kind is None or loaded.provider_kind == ProviderKind.MANUAL


def connect(secrets: SecretService, actor: Actor, loaded: Loaded) -> DnsProvider:
    """A provider that writes DNS; using its credential is audited by the secret store."""
    assert loaded.credential_secret is not None
    credential = secrets.use(
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
    return CloudflareProvider(credential, settings.get("api") or api_base(), settings.get("zone"))
