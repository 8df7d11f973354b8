"""Sending domains through DomainService on SQLite and PostgreSQL: keys in the secret store,
roles, checks against a real BIND, fixes through RFC 2136 (TSIG) and a Cloudflare-API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from penguin_desktop.container import Container
from penguin_desktop.core.audit.models import AuditFilter
from penguin_desktop.core.domains.dns.resolver import ResolverConfig
from penguin_desktop.core.domains.models import ProviderKind
from penguin_desktop.core.domains.providers.base import read_dns
from penguin_desktop.core.platform.errors import (
    Cancelled,
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from penguin_desktop.core.platform.jobs import JobContext
from penguin_desktop.core.platform.models import Actor, Role
from tests.conftest import add_user
from tests.servers.bind import BindServer, reset_records
from tests.servers.cloudflare import CloudflareServer, running_cloudflare
from tests.servers.dns_zones import FIXME_NAMES, FIXME_START, REPORTS, SERVER_IP


@pytest.fixture
def acme(container: Container, owner: Actor) -> str:
    container.workspaces.create(owner, "Acme")
    return "Acme"


@pytest.fixture
def cloudflare(monkeypatch: pytest.MonkeyPatch) -> Iterator[CloudflareServer]:
    with running_cloudflare() as server:
        monkeypatch.setenv("PENGUIN_CLOUDFLARE_API", server.base_url)
        yield server


def test_adding_a_domain_generates_a_dkim_key_into_the_secret_store(
    container: Container, owner: Actor, acme: str, tmp_path: Path
) -> None:
    info = container.domains.add(
        owner,
        acme,
        "Bücher.Example.",
        ips=[SERVER_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        lab=True,
    )
    assert (info.name, info.display_name) == ("xn--bcher-kva.example", "bücher.example")
    assert info.mail_hosts == ("mail.xn--bcher-kva.example",)
    (key,) = info.dkim
    assert key.bits == 2048 and key.private_key_secret == "dkim/xn--bcher-kva.example/pm"
    private = container.secrets.reveal(owner, acme, key.private_key_secret, reason="test")
    assert private.startswith("-----BEGIN PRIVATE KEY-----")
    if container.db.dialect == "sqlite":
        raw = (tmp_path / "workspace.db").read_bytes()
        assert private.splitlines()[1].encode() not in raw
    assert container.domains.get(owner, "bücher.example").name == info.name
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace=acme))]
    assert "domain.add" in actions and "secret.set" in actions
    with pytest.raises(ConflictError, match="already a sending domain"):
        container.domains.add(owner, acme, "BÜCHER.example")


def test_bad_input_is_refused_with_a_reason(container: Container, owner: Actor, acme: str) -> None:
    cases = [
        ({"raw_name": "not a domain"}, "not a domain name"),
        ({"raw_name": "ok.test", "ips": ["300.1.1.1"]}, "not an IP address"),
        ({"raw_name": "ok.test", "dmarc_policy": "block"}, "DMARC policy must be one of"),
        ({"raw_name": "ok.test", "dkim_keys": {"s1": "bm90IGEga2V5"}}, "not a valid public key"),
        ({"raw_name": "ok.test", "dkim_selectors": ["bad selector"]}, "not a valid DKIM selector"),
        ({"raw_name": "ok.test", "report_address": "nobody"}, "not a usable report address"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValidationError, match=message):
            container.domains.add(owner, acme, **kwargs)  # type: ignore[arg-type]
    assert container.domains.all(owner) == []


def test_roles_and_ambiguous_names(container: Container, owner: Actor, acme: str) -> None:
    container.workspaces.create(owner, "Globex")
    container.domains.add(owner, acme, "shared.test")
    container.domains.add(owner, "Globex", "shared.test")
    with pytest.raises(ValidationError, match=r"several workspaces .*say which workspace") as which:
        container.domains.records(owner, "shared.test")
    assert which.value.field == "workspace"
    globex = container.domains.records(owner, "shared.test", "Globex")
    assert globex.domain == "shared.test"
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, acme, "v@agency.test", Role.VIEWER)
    assert [d.workspace for d in container.domains.all(viewer)] == ["Acme"]
    assert container.domains.records(viewer, "shared.test").domain == "shared.test"
    with pytest.raises(PermissionDenied, match="viewer"):
        container.domains.add(viewer, acme, "mine.test")
    with pytest.raises(PermissionDenied):
        container.domains.fix(viewer, "shared.test", acme)
    denied = [
        e for e in container.audit.page(owner, AuditFilter(workspace=acme)) if e.outcome == "denied"
    ]
    assert {e.action for e in denied} == {"domain.manage", "domain.fix"}
    with pytest.raises(NotFoundError):
        container.domains.get(owner, "nope.test")


def test_required_records_and_zone_export(container: Container, owner: Actor, acme: str) -> None:
    container.domains.add(
        owner,
        acme,
        "good.test",
        ips=[SERVER_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        autoconfig=True,
        lab=True,
    )
    view = container.domains.records(owner, "good.test")
    by = {(r.name, r.rtype) for r in view.records}
    assert {
        ("good.test", "MX"),
        ("good.test", "TXT"),
        ("pm._domainkey.good.test", "TXT"),
        ("_dmarc.good.test", "TXT"),
        ("_mta-sts.good.test", "TXT"),
        ("_smtp._tls.good.test", "TXT"),
        ("10.2.0.192.in-addr.arpa", "PTR"),
        ("_submission._tcp.good.test", "SRV"),
    } <= by
    assert "mode: testing" in view.mta_sts_policy and "mx: mail.good.test" in view.mta_sts_policy
    zone = container.domains.export_zone(owner, "good.test")
    assert "$ORIGIN good.test." in zone
    assert f'@                        3600   IN TXT   "v=spf1 ip4:{SERVER_IP} ~all"' in zone
    dkim_line = next(line for line in zone.splitlines() if line.startswith("pm._domainkey"))
    assert dkim_line.count('" "') >= 1  # a 2048-bit key spans two strings
    assert "; 10.2.0.192.in-addr.arpa. IN PTR mail.good.test." in zone


def test_checking_a_workspace_scores_and_remembers(
    container: Container, owner: Actor, acme: str, bind: BindServer
) -> None:
    container.domains.add(
        owner, acme, "nodmarc.test", ips=[SERVER_IP], report_address=REPORTS, lab=True
    )
    container.domains.add(
        owner, acme, "wrongmx.test", ips=[SERVER_IP], report_address=REPORTS, lab=True
    )
    seen: list[float] = []
    summary = container.domains.check(
        owner,
        workspace=acme,
        blacklists=False,
        nameserver=bind.address,
        ctx=JobContext(lambda f, _t: seen.append(f)),
    )
    assert [r.domain for r in summary.reports] == ["nodmarc.test", "wrongmx.test"]
    assert seen[-1] == 1.0 and 0 < summary.score < 100
    assert summary.by_category["dmarc"] == 50.0
    listed = {d.name: d for d in container.domains.all(owner)}
    assert listed["nodmarc.test"].last_worst == "dmarc.missing"
    assert listed["wrongmx.test"].last_worst == "mx.expected-missing"
    assert listed["nodmarc.test"].last_score == summary.reports[0].score


def _fixme(container: Container, owner: Actor, acme: str, bind: BindServer, **kw: object) -> None:
    reset_records(bind, "fixme.test", FIXME_NAMES, FIXME_START.replace('"', "'").replace("'", '"'))
    container.domains.add_provider(
        owner,
        acme,
        "bind",
        ProviderKind.RFC2136,
        {"server": bind.address, "key_name": bind.key_name},
        kw.pop("secret", bind.key_secret),  # type: ignore[arg-type]
    )
    container.domains.add(
        owner,
        acme,
        "fixme.test",
        ips=[SERVER_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        provider="bind",
        lab=True,
    )


def test_fix_through_rfc2136_keeps_foreign_includes_and_is_idempotent(
    container: Container, owner: Actor, acme: str, bind: BindServer
) -> None:
    _fixme(container, owner, acme, bind)
    dry = container.domains.fix(owner, "fixme.test", dry_run=True)
    assert dry.dry_run and dry.applied == 0
    shown = [c.describe() for c in dry.changes]
    assert f"+ fixme.test TXT v=spf1 ip4:{SERVER_IP} include:_spf.good.test ~all" in shown
    assert "- fixme.test TXT v=spf1 include:_spf.good.test ~all" in shown
    assert "+ fixme.test MX 10 mail.fixme.test." in shown
    assert [c.describe() for c in dry.changes if c.needs_confirmation] == [
        "- fixme.test MX 5 mx.elsewhere.test."
    ]
    progress: list[str] = []
    result = container.domains.fix(
        owner, "fixme.test", ctx=JobContext(lambda _f, text: progress.append(text))
    )
    assert result.applied == len(dry.changes) - 1 and result.verified
    assert [c.describe() for c in result.skipped] == ["- fixme.test MX 5 mx.elsewhere.test."]
    assert any("changes applied to fixme.test" in p for p in progress)
    published = read_dns(
        ResolverConfig.from_setting(bind.address),
        [("fixme.test", "TXT"), ("fixme.test", "MX"), ("_dmarc.fixme.test", "TXT")],
    )
    assert published[("fixme.test", "TXT")] == [
        f"v=spf1 ip4:{SERVER_IP} include:_spf.good.test ~all"
    ]
    assert sorted(published[("fixme.test", "MX")]) == [
        "10 mail.fixme.test.",
        "5 mx.elsewhere.test.",
    ]
    assert published[("_dmarc.fixme.test", "TXT")][0].startswith("v=DMARC1; p=quarantine")
    again = container.domains.fix(owner, "fixme.test")
    assert again.applied == 0 and [c.describe() for c in again.changes] == [
        "- fixme.test MX 5 mx.elsewhere.test."
    ]
    confirmed = container.domains.fix(owner, "fixme.test", confirm_deletes=True)
    assert confirmed.applied == 1 and confirmed.verified
    (report,) = container.domains.check(
        owner, ["fixme.test"], blacklists=False, nameserver=bind.address
    ).reports
    assert {
        f.code for f in report.findings if f.category.value in ("spf", "dkim", "dmarc", "mx")
    } == {
        "spf.ok",
        "dkim.ok",
        "dmarc.ok",
        "mx.ok",
    }
    audit = [
        e
        for e in container.audit.page(owner, AuditFilter(workspace=acme))
        if e.action == "domain.fix"
    ]
    assert len(audit) == 2  # the no-op fix wrote nothing


def test_a_wrong_tsig_secret_is_explained(
    container: Container, owner: Actor, acme: str, bind: BindServer
) -> None:
    _fixme(container, owner, acme, bind, secret="d3JvbmcgYnV0IGJhc2U2NA==")
    with pytest.raises(ExternalServiceError, match="rejected the TSIG key 'pm-key'"):
        container.domains.fix(owner, "fixme.test")
    with pytest.raises(ExternalServiceError, match="rejected the TSIG key"):
        container.domains.test_provider(owner, acme, "bind")


def test_fix_through_the_cloudflare_api(
    container: Container, owner: Actor, acme: str, cloudflare: CloudflareServer
) -> None:
    zone = cloudflare.state.add_zone("cf.test")
    for i in range(250):  # three pages of unrelated records
        cloudflare.state.add_record(zone, type="A", name=f"h{i}.cf.test", content="192.0.2.1")
    cloudflare.state.add_record(
        zone, type="TXT", name="cf.test", content="v=spf1 include:mailgun.org ~all"
    )
    container.domains.add_provider(owner, acme, "cf", ProviderKind.CLOUDFLARE, {}, cloudflare.token)
    assert "accepted the API token" in container.domains.test_provider(owner, acme, "cf")
    container.domains.add(
        owner,
        acme,
        "cf.test",
        ips=[SERVER_IP],
        dkim_selectors=["pm"],
        report_address=REPORTS,
        provider="cf",
        autoconfig=True,
        lab=True,
    )
    result = container.domains.fix(owner, "cf.test")
    assert result.verified and result.applied == len(result.changes)
    records = cloudflare.state.zone_records("cf.test")
    spf = [r["content"] for r in records if r["type"] == "TXT" and r["name"] == "cf.test"]
    assert spf == [f"v=spf1 ip4:{SERVER_IP} include:mailgun.org ~all"]
    assert [(r["priority"], r["content"]) for r in records if r["type"] == "MX"] == [
        (10, "mail.cf.test")
    ]
    assert any(r["type"] == "SRV" and r["data"]["port"] == 993 for r in records)
    assert container.domains.fix(owner, "cf.test").applied == 0
    with pytest.raises(ExternalServiceError, match="Authentication error"):
        cloudflare.state.tokens.clear()
        container.domains.fix(owner, "cf.test")


def test_cancel_before_writing_leaves_the_zone_alone(
    container: Container, owner: Actor, acme: str, cloudflare: CloudflareServer
) -> None:
    cloudflare.state.add_zone("cf.test")
    container.domains.add_provider(owner, acme, "cf", ProviderKind.CLOUDFLARE, {}, cloudflare.token)
    container.domains.add(owner, acme, "cf.test", ips=[SERVER_IP], provider="cf", lab=True)
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Cancelled, match="after 0 of"):
        container.domains.fix(owner, "cf.test", ctx=ctx)
    assert cloudflare.state.zone_records("cf.test") == []


def test_provider_settings_are_checked(container: Container, owner: Actor, acme: str) -> None:
    with pytest.raises(ValidationError, match="needs its server") as missing:
        container.domains.add_provider(owner, acme, "x", ProviderKind.RFC2136, {}, "c2VjcmV0")
    assert missing.value.field == "server"
    with pytest.raises(ValidationError, match="needs its API token"):
        container.domains.add_provider(owner, acme, "x", ProviderKind.CLOUDFLARE, {})
    with pytest.raises(ValidationError, match="not valid base64"):
        container.domains.add_provider(
            owner,
            acme,
            "x",
            ProviderKind.RFC2136,
            {"server": "127.0.0.1:53", "key_name": "k"},
            "not base64!!",
        )
    manual = container.domains.add_provider(owner, acme, "by-hand", ProviderKind.MANUAL, {})
    assert manual.credential_secret is None
    assert [p.name for p in container.domains.providers(owner)] == ["by-hand"]


def test_the_last_check_is_kept_in_full(
    container: Container, owner: Actor, acme: str, bind: BindServer
) -> None:
    container.domains.add(
        owner, acme, "nodmarc.test", ips=[SERVER_IP], report_address=REPORTS, lab=True
    )
    container.domains.add(owner, acme, "unchecked.test")
    assert container.domains.last_report(owner, "nodmarc.test") is None
    (fresh,) = container.domains.check(
        owner, ["nodmarc.test"], blacklists=False, nameserver=bind.address
    ).reports
    kept = container.domains.last_report(owner, "nodmarc.test", acme)
    assert kept == fresh
    assert container.domains.last_report(owner, "unchecked.test") is None
    info = container.domains.get(owner, "nodmarc.test")
    assert info.last_worst == "dmarc.missing"
    assert info.last_worst_message is not None and "DMARC" in info.last_worst_message
    outsider = add_user(container, owner, "o@agency.test")
    with pytest.raises(NotFoundError):
        container.domains.last_report(outsider, "nodmarc.test")


def _two_foreign_mx(container: Container, owner: Actor, acme: str, cf: CloudflareServer) -> None:
    zone = cf.state.add_zone("cf.test")
    for priority, host in ((5, "mx1.elsewhere.test"), (20, "mx2.elsewhere.test")):
        cf.state.add_record(zone, type="MX", name="cf.test", content=host, priority=priority)
    container.domains.add_provider(owner, acme, "cf", ProviderKind.CLOUDFLARE, {}, cf.token)
    container.domains.add(owner, acme, "cf.test", ips=[SERVER_IP], provider="cf", lab=True)


def test_foreign_records_are_deleted_one_by_one_when_confirmed(
    container: Container, owner: Actor, acme: str, cloudflare: CloudflareServer
) -> None:
    _two_foreign_mx(container, owner, acme, cloudflare)
    preview = container.domains.fix(owner, "cf.test", dry_run=True)
    assert sorted(c.key for c in preview.changes if c.needs_confirmation) == [
        "cf.test MX 20 mx2.elsewhere.test.",
        "cf.test MX 5 mx1.elsewhere.test.",
    ]
    with pytest.raises(ValidationError, match="no record that is not ours matches"):
        container.domains.fix(owner, "cf.test", confirmed=["cf.test MX 7 typo.test."])
    assert not any(r["type"] == "TXT" for r in cloudflare.state.zone_records("cf.test"))
    result = container.domains.fix(
        owner, "cf.test", confirmed=["CF.TEST. mx  5 mx1.elsewhere.test."]
    )
    assert [c.key for c in result.skipped] == ["cf.test MX 20 mx2.elsewhere.test."]
    assert result.verified
    mx = sorted(
        (r["priority"], r["content"])
        for r in cloudflare.state.zone_records("cf.test")
        if r["type"] == "MX"
    )
    assert mx == [(10, "mail.cf.test"), (20, "mx2.elsewhere.test")]


def test_a_domain_changes_provider_and_a_provider_goes_away(
    container: Container, owner: Actor, acme: str, cloudflare: CloudflareServer
) -> None:
    cloudflare.state.add_zone("cf.test")
    container.domains.add_provider(owner, acme, "cf", ProviderKind.CLOUDFLARE, {}, cloudflare.token)
    container.domains.add(owner, acme, "cf.test", ips=[SERVER_IP], lab=True)
    assert container.domains.fix(owner, "cf.test", dry_run=True).provider.startswith("manual")
    with pytest.raises(NotFoundError, match="no DNS provider named 'nope'"):
        container.domains.set_provider(owner, "cf.test", "nope")
    assert container.domains.set_provider(owner, "cf.test", "cf").provider == "cf"
    assert container.domains.fix(owner, "cf.test").verified
    assert container.domains.set_provider(owner, "cf.test", None).provider is None
    container.domains.set_provider(owner, "cf.test", "cf")
    viewer = add_user(container, owner, "v@agency.test")
    container.members.add(owner, acme, "v@agency.test", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        container.domains.set_provider(viewer, "cf.test", None)
    with pytest.raises(PermissionDenied):
        container.domains.remove_provider(viewer, acme, "cf")
    assert container.domains.remove_provider(owner, acme, "cf") == ["cf.test"]
    assert container.domains.get(owner, "cf.test").provider is None
    assert container.domains.providers(owner, acme) == []
    assert [s.name for s in container.secrets.all(owner, acme)] == []
    actions = [e.action for e in container.audit.page(owner, AuditFilter(workspace=acme))]
    assert actions.count("domain.provider.set") == 3 and "dns.provider.remove" in actions
    with pytest.raises(NotFoundError):
        container.domains.remove_provider(owner, acme, "cf")
