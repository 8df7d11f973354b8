"""Posture checks against a real BIND9 serving one zone per problem: each finding a user can
get, in the words and with the fix they see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from penguin_desktop.core.domains.dns import blacklists
from penguin_desktop.core.domains.dns.checks import run_checks
from penguin_desktop.core.domains.dns.findings import DomainReport, Severity
from penguin_desktop.core.domains.dns.records import DkimSelector, DomainSpec
from penguin_desktop.core.domains.dns.resolver import ResolverConfig
from penguin_desktop.core.platform.errors import Cancelled
from tests.servers.bind import BindServer
from tests.servers.dns_stub import broken_dns
from tests.servers.dns_zones import BLOCKLISTS, LISTED_IP, REPORTS, SERVER_IP, good_key


def spec(name: str, **kw: object) -> DomainSpec:
    base: dict[str, object] = {
        "name": name,
        "mail_hosts": (f"mail.{name}",),
        "server_ips": (SERVER_IP,),
        "dkim": (DkimSelector("pm", good_key().public_b64),),
        "report_address": REPORTS,
    }
    base.update(kw)
    return DomainSpec(**base)  # type: ignore[arg-type]


def check(bind: BindServer, *specs: DomainSpec, lists: bool = False) -> list[DomainReport]:
    config = ResolverConfig.from_setting(bind.address, timeout=2.0)
    chosen = blacklists.load(_blocklist_file(bind)) if lists else []
    return run_checks(list(specs), config, chosen)


def _blocklist_file(bind: BindServer) -> Path:
    path = bind.directory / "blocklists.json"
    path.write_text(json.dumps(BLOCKLISTS))
    return path


def codes(report: DomainReport, severity: Severity | None = None) -> set[str]:
    return {f.code for f in report.findings if severity is None or f.severity is severity}


def finding(report: DomainReport, code: str) -> str:
    found = [f for f in report.findings if f.code == code]
    assert found, f"{code} not in {codes(report)}"
    return found[0].message + " | " + found[0].fix


def test_a_good_domain_is_all_ok_and_scores_full_marks_but_the_ptr(bind: BindServer) -> None:
    (report,) = check(bind, spec("good.test"))
    assert codes(report, Severity.ERROR) == set()
    assert {
        "spf.ok",
        "dkim.ok",
        "dmarc.ok",
        "mx.ok",
        "ptr.ok",
        "mta-sts.ok",
        "tls-rpt.ok",
    } <= codes(report)
    assert report.score == 100
    assert {p.category.value for p in report.breakdown if p.checked} >= {"spf", "dkim", "mx"}


def test_missing_dmarc_is_an_error_with_the_record_to_publish(bind: BindServer) -> None:
    (report,) = check(bind, spec("nodmarc.test"))
    text = finding(report, "dmarc.missing")
    assert "no DMARC record" in text and "NXDOMAIN" in text
    assert f'"v=DMARC1; p=quarantine; rua=mailto:{REPORTS}; adkim=r; aspf=r"' in text
    assert "_dmarc.nodmarc.test" in text
    dmarc = next(p for p in report.breakdown if p.category.value == "dmarc")
    assert dmarc.checked and dmarc.earned == 0 and report.score < 80


def test_two_spf_records_are_merged_in_the_fix(bind: BindServer) -> None:
    (report,) = check(bind, spec("twospf.test"))
    text = finding(report, "spf.multiple")
    assert "2 SPF records" in text
    assert "include:_spf.good.test" in text and f"ip4:{SERVER_IP}" in text


def test_spf_over_the_lookup_limit(bind: BindServer) -> None:
    (report,) = check(bind, spec("many.test"))
    assert "needs 11 DNS lookups" in finding(report, "spf.too-many-lookups")


def test_spf_include_loop(bind: BindServer) -> None:
    (report,) = check(bind, spec("loop.test"))
    assert "loop.test -> loop2.test -> loop.test" in finding(report, "spf.loop")


def test_spf_all_qualifiers_and_uncovered_ip(bind: BindServer) -> None:
    plus, noall, uncovered = check(
        bind, spec("plusall.test"), spec("noall.test"), spec("uncovered.test")
    )
    assert "every server in the world" in finding(plus, "spf.all-pass")
    assert "does not end with an 'all'" in finding(noall, "spf.no-all")
    text = finding(uncovered, "spf.ip-not-covered")
    assert f"Your server {SERVER_IP} is not allowed" in text and "must not" in text
    assert f"ip4:{SERVER_IP}" in text


def test_spf_macros_are_expanded_for_the_server_ip(bind: BindServer) -> None:
    plain, reversed_, missing = check(
        bind, spec("macro.test"), spec("macrorev.test"), spec("macrono.test")
    )
    for report in (plain, reversed_):
        assert "spf.ip-not-covered" not in codes(report), report.findings
        assert "spf.ok" in codes(report)
    text = finding(missing, "spf.ip-not-covered")
    assert f"Your server {SERVER_IP} is not allowed" in text


def test_spf_ptr_matches_only_a_validated_name_under_the_domain(bind: BindServer) -> None:
    under, elsewhere = check(bind, spec("ptr.test"), spec("ptrno.test"))
    assert "spf.ip-not-covered" not in codes(under)  # 192.0.2.10 -> mail.good.test -> back
    assert "RFC 7208 says not to use" in finding(under, "spf.ptr")
    assert "spf.ip-not-covered" in codes(elsewhere)  # mail.good.test is not under ptrno.test


def test_weak_and_short_dkim_keys(bind: BindServer) -> None:
    weak, short = check(bind, spec("weak.test"), spec("short.test"))
    assert "only 512 bits" in finding(weak, "dkim.weak-key")
    assert "dkim.key-mismatch" in codes(weak, Severity.ERROR)
    assert "is 1024 bits" in finding(short, "dkim.short-key")
    assert {f.severity for f in short.findings if f.code == "dkim.short-key"} == {Severity.WARNING}


def test_wrong_mx_and_mx_to_a_cname(bind: BindServer) -> None:
    wrong, alias = check(
        bind, spec("wrongmx.test"), spec("cnamemx.test", mail_hosts=("mx.cnamemx.test",))
    )
    text = finding(wrong, "mx.expected-missing")
    assert "mx.elsewhere.test" in text and "mail.wrongmx.test" in text
    assert "alias (CNAME to mail.cnamemx.test)" in finding(alias, "mx.cname")


def test_mx_naming_an_ip_address(bind: BindServer) -> None:
    (report,) = check(bind, spec("mxip.test"))
    assert "names an IP address (192.0.2.10)" in finding(report, "mx.ip-literal")
    assert "mx.ip-literal" in codes(report, Severity.ERROR)


def test_ptr_mismatch_and_fcrdns(bind: BindServer) -> None:
    (report,) = check(bind, spec("good.test", server_ips=("192.0.2.77", "192.0.2.5")))
    assert "nowhere.good.test, not the server's name mail.good.test" in finding(
        report, "ptr.mismatch"
    )
    assert "does not point back" in finding(report, "ptr.fcrdns")
    assert "192.0.2.5 has no reverse DNS name" in finding(report, "ptr.missing")


def test_blacklisted_ip_and_a_refusing_list(bind: BindServer) -> None:
    (report,) = check(bind, spec("listed.test", server_ips=(LISTED_IP,)), lists=True)
    listed = [f for f in report.findings if f.code == "blacklist.listed"]
    assert {f.message.split(" is on")[0] for f in listed} == {LISTED_IP, "listed.test"}
    assert "listed for testing" in listed[0].message + listed[1].message
    unknown = [f for f in report.findings if f.code == "blacklist.unknown"]
    assert len(unknown) == 1 and unknown[0].inconclusive
    assert "Refusing list refused the query" in unknown[0].message
    assert "listed" not in unknown[0].message.split("refused")[0].replace("Refusing list", "")


def test_a_clean_domain_on_the_blocklists(bind: BindServer) -> None:
    (report,) = check(bind, spec("good.test"), lists=True)
    assert "blacklist.listed" not in codes(report)
    assert "Not listed on 2 blocklist checks" in finding(report, "blacklist.clean")
    assert codes(report) >= {"blacklist.unknown"}


def test_subdomain_inherits_dmarc_from_its_organizational_domain(bind: BindServer) -> None:
    (report,) = check(bind, spec("sub.good.test", mail_hosts=("mail.good.test",)))
    assert "follows good.test's" in finding(report, "dmarc.inherited")
    assert "dmarc.missing" not in codes(report)


def test_garbage_txt_oversize_spf_and_bad_syntax(bind: BindServer) -> None:
    garbage, bad = check(bind, spec("garbage.test"), spec("badsyntax.test"))
    assert "spf.ok" in codes(garbage)  # a 900-byte SPF split over strings, beside binary TXT
    assert "'300.1.1.1' is not an IP address" in finding(bad, "spf.syntax")
    assert "p=block is not none, quarantine or reject" in finding(bad, "dmarc.syntax")


def test_idn_domains_are_checked_in_punycode(bind: BindServer) -> None:
    (report,) = check(bind, spec("xn--bcher-kva.test"))
    assert codes(report, Severity.ERROR) == set()


def test_nxdomain_nodata_and_missing_selector_are_told_apart(bind: BindServer) -> None:
    (report,) = check(bind, spec("good.test", dkim=(DkimSelector("other", "AAAA"),)))
    assert "does not exist in DNS (NXDOMAIN)" in finding(report, "dkim.missing")
    (nodata,) = check(bind, spec("mail.good.test"))
    assert "exists but has no MX record (NODATA)" in finding(nodata, "mx.missing")


def test_worker_processes_give_the_same_reports_in_order(bind: BindServer) -> None:
    specs = [spec(n) for n in ("good.test", "nodmarc.test", "weak.test", "loop.test")] * 2
    config = ResolverConfig.from_setting(bind.address)
    progress: list[int] = []
    together = run_checks(specs, config, workers=2, on_done=lambda d, _t: progress.append(d))
    alone = run_checks(specs, config, workers=1)
    assert [(r.domain, r.score, r.findings) for r in together] == [
        (r.domain, r.score, r.findings) for r in alone
    ]
    assert progress[-1] == len(specs)
    with pytest.raises(Cancelled, match="check cancelled after 4 of 8 domains"):
        run_checks(specs, config, workers=2, cancelled=lambda: True)


def test_a_silent_dns_server_gives_could_not_check_not_failures() -> None:
    with broken_dns("silent") as port:
        config = ResolverConfig.from_setting(f"127.0.0.1:{port}", timeout=0.2, retries=1)
        (report,) = run_checks([spec("good.test")], config)
    assert report.findings and all(f.inconclusive for f in report.findings)
    assert all(not p.checked for p in report.breakdown)
    text = finding(report, "dmarc.lookup-failed")
    assert text.startswith("Could not check DMARC: no DNS server answered") and "timeout" in text
