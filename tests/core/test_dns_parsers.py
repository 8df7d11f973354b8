"""Property tests for the SPF and DMARC parsers: every valid record parses to what was written,
and no input, however mangled, escapes as anything but a syntax error with a reason."""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from penguin_desktop.core.domains.dns.dmarc import DmarcSyntaxError, parse_dmarc
from penguin_desktop.core.domains.dns.findings import (
    Category,
    DomainReport,
    Finding,
    Severity,
    report_from_json,
    report_to_json,
    score,
)
from penguin_desktop.core.domains.dns.names import normalize_domain, parse_sending_ip
from penguin_desktop.core.domains.dns.records import DomainSpec, build_spf
from penguin_desktop.core.domains.dns.spf import SpfSyntaxError, parse_spf
from penguin_desktop.core.domains.dns.spf_macros import MacroContext
from penguin_desktop.core.domains.dns.spf_macros import expand as expand_macros
from penguin_desktop.core.platform.errors import ValidationError

label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
domain = st.builds(
    lambda parts, tld: ".".join([*parts, tld]),
    st.lists(label, min_size=1, max_size=3),
    st.sampled_from(["com", "test", "io"]),
)
qualifier = st.sampled_from(["", "+", "-", "~", "?"])
ip4 = st.ip_addresses(v=4).map(str)
ip6 = st.ip_addresses(v=6).map(str)
mechanism = st.one_of(
    st.builds(lambda q, d: f"{q}include:{d}", qualifier, domain),
    st.builds(
        lambda q, a, c: f"{q}ip4:{a}" + (f"/{c}" if c is not None else ""),
        qualifier,
        ip4,
        st.none() | st.integers(0, 32),
    ),
    st.builds(
        lambda q, a, c: f"{q}ip6:{a}" + (f"/{c}" if c is not None else ""),
        qualifier,
        ip6,
        st.none() | st.integers(0, 128),
    ),
    st.builds(lambda q, d: f"{q}a" + (f":{d}" if d else ""), qualifier, st.none() | domain),
    st.builds(
        lambda q, d, c: f"{q}mx" + (f":{d}" if d else "") + (f"/{c}" if c else ""),
        qualifier,
        st.none() | domain,
        st.none() | st.integers(1, 32),
    ),
    st.builds(lambda q, d: f"{q}exists:{d}", qualifier, domain),
)


@given(st.lists(mechanism, max_size=12), qualifier, st.none() | domain)
def test_valid_spf_records_parse_to_what_was_written(
    terms: list[str], all_q: str, redirect: str | None
) -> None:
    text = " ".join(
        ["v=spf1", *terms, f"{all_q}all"] + ([f"redirect={redirect}"] if redirect else [])
    )
    record = parse_spf(text)
    assert [t.text for t in record.terms] == [*terms, f"{all_q}all"] + (
        [f"redirect={redirect}"] if redirect else []
    )
    assert record.all_term is not None and record.all_term.qualifier == (all_q or "+")
    assert record.includes() == [t.split(":", 1)[1] for t in terms if "include:" in t]
    assert record.redirect == redirect


@given(st.text(max_size=200))
def test_any_text_is_an_spf_record_or_a_syntax_error(text: str) -> None:
    try:
        parse_spf(text)
    except SpfSyntaxError as exc:
        assert str(exc)


@given(st.lists(mechanism, max_size=8), st.lists(ip4, max_size=3, unique=True))
@settings(max_examples=60)
def test_merged_spf_keeps_every_existing_term_and_covers_every_server(
    terms: list[str], ips: list[str]
) -> None:
    existing = " ".join(["v=spf1", *terms, "-all"])
    merged = parse_spf(build_spf(DomainSpec("example.com", server_ips=tuple(ips)), [existing]))
    texts = [t.text.lower() for t in merged.terms]
    assert all(t.lower() in texts for t in terms)
    for ip in ips:
        addr = ipaddress.ip_address(ip)
        assert any(
            t.name == "ip4"
            and t.qualifier == "+"
            and t.value
            and addr
            in ipaddress.ip_network(f"{t.value}/{32 if t.cidr4 is None else t.cidr4}", strict=False)
            for t in merged.mechanisms()
        )
    assert merged.all_term is not None and merged.all_term.qualifier == "-"


policy = st.sampled_from(["none", "quarantine", "reject"])
mailbox = st.builds(lambda u, d: f"mailto:{u}@{d}", label, domain)
optional_tags = st.fixed_dictionaries(
    {},
    optional={
        "sp": policy,
        "pct": st.integers(0, 100).map(str),
        "rua": st.lists(mailbox, min_size=1, max_size=3).map(",".join),
        "adkim": st.sampled_from(["r", "s"]),
        "aspf": st.sampled_from(["r", "s"]),
        "fo": st.sampled_from(["0", "1", "d", "s", "1:d"]),
        "ri": st.integers(0, 86400).map(str),
    },
)


@given(policy, optional_tags, st.sampled_from(["; ", ";", " ; "]), st.booleans())
def test_valid_dmarc_records_parse_to_what_was_written(
    p: str, tags: dict[str, str], sep: str, trailing: bool
) -> None:
    parts = ["v=DMARC1", f"p={p}", *(f"{k}={v}" for k, v in tags.items())]
    record = parse_dmarc(sep.join(parts) + (";" if trailing else ""))
    assert record.p == p
    assert record.sp == tags.get("sp", p)
    assert record.pct == int(tags.get("pct", "100"))
    assert record.rua == tuple(tags["rua"].split(",")) if "rua" in tags else record.rua == ()
    assert record.adkim == tags.get("adkim", "r") and record.aspf == tags.get("aspf", "r")
    assert record.unknown_tags == ()


@given(st.text(max_size=200))
def test_any_text_is_a_dmarc_record_or_a_syntax_error(text: str) -> None:
    try:
        parse_dmarc(text)
    except DmarcSyntaxError as exc:
        assert str(exc)


@given(policy, st.sampled_from(["p", "v", "pct"]))
def test_a_repeated_dmarc_tag_is_refused(p: str, tag: str) -> None:
    text = f"v=DMARC1; p={p}; pct=50; {tag}={'DMARC1' if tag == 'v' else p if tag == 'p' else '50'}"
    try:
        parse_dmarc(text)
    except DmarcSyntaxError as exc:
        assert "appears twice" in str(exc)
    else:
        raise AssertionError("a repeated tag was accepted")


finding = st.builds(
    Finding,
    st.sampled_from(list(Severity)),
    st.text(min_size=1, max_size=30),
    st.sampled_from(list(Category)),
    st.text(max_size=200),
    st.text(max_size=200),
    st.booleans(),
)


@given(st.lists(finding, max_size=12))
def test_a_stored_report_reads_back_as_it_was(findings: list[Finding]) -> None:
    value, breakdown = score(findings)
    report = DomainReport("Acme", "example.test", value, tuple(findings), breakdown)
    assert report_from_json("Acme", "example.test", report_to_json(report)) == report


@given(st.text(max_size=300) | st.from_regex(r'\{"score": ?[0-9]+, ?"findings": ?\[.*\]\}'))
def test_a_damaged_stored_report_is_none_never_an_error(text: str) -> None:
    result = report_from_json("Acme", "example.test", text)
    assert result is None or isinstance(result, DomainReport)


RFC_7208_CONTEXT = MacroContext(
    "email.example.com",
    "strong-bad@email.example.com",
    "mx.example.org",
    ipaddress.ip_address("192.0.2.3"),
)


@pytest.mark.parametrize(
    ("macro", "expanded"),
    [  # RFC 7208 section 7.4
        ("%{s}", "strong-bad@email.example.com"),
        ("%{o}", "email.example.com"),
        ("%{d}", "email.example.com"),
        ("%{d4}", "email.example.com"),
        ("%{d3}", "email.example.com"),
        ("%{d2}", "example.com"),
        ("%{d1}", "com"),
        ("%{dr}", "com.example.email"),
        ("%{d2r}", "example.email"),
        ("%{l}", "strong-bad"),
        ("%{l-}", "strong.bad"),
        ("%{lr}", "strong-bad"),
        ("%{lr-}", "bad.strong"),
        ("%{l1r-}", "strong"),
        ("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"),
        ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
        ("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"),
        ("%{h}", "mx.example.org"),
        ("%{S}", "strong-bad%40email.example.com"),
        ("a%%b%_c%-d", "a%b c%20d"),
    ],
)
def test_spf_macros_expand_as_rfc_7208_shows(macro: str, expanded: str) -> None:
    assert expand_macros(macro, RFC_7208_CONTEXT) == expanded


def test_spf_macros_over_ipv6_and_without_an_address() -> None:
    v6 = replace(RFC_7208_CONTEXT, ip=ipaddress.ip_address("2001:db8::cb01"))
    assert expand_macros("%{ir}.%{v}._spf.%{d2}", v6) == (
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
    )
    counting = replace(RFC_7208_CONTEXT, ip=None)
    assert expand_macros("%{i}._spf.%{d}", counting) is None
    assert expand_macros("%{d2}._spf", counting) == "example.com._spf"
    assert expand_macros("%{c}", RFC_7208_CONTEXT) is None  # exp= only
    assert expand_macros("%{d0}", RFC_7208_CONTEXT) is None
    long = expand_macros("%{s}." + "x" * 60 + "." + "y" * 60 + "." + "z" * 60 + ".test", v6)
    assert long is not None and len(long) <= 253


@given(st.text(max_size=120))
def test_spf_macro_expansion_never_raises(text: str) -> None:
    result = expand_macros(text, RFC_7208_CONTEXT)
    assert result is None or len(result) <= 253 or "." not in result


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("-x.com", "hyphen"),
        ("x-.com", "hyphen"),
        ("*.example.com", "letters, digits and inner hyphens"),
        ("exa$mple.com", "letters, digits and inner hyphens"),
        ("1.2.3.4", "IP address"),
        ("com", "two labels"),
        ("a\x7fb.com", "control character"),
        ("x.123", "last label is a number"),
        ("", "required"),
    ],
)
def test_names_that_are_not_host_names_are_refused_in_words(typed: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why) as refused:
        normalize_domain(typed)
    assert refused.value.field == "domain"


def test_one_name_however_it_is_typed() -> None:
    composed, decomposed = "Caf\u00e9.example", "Cafe\u0301.example"
    assert normalize_domain(composed) == normalize_domain(decomposed) == "xn--caf-dma.example"
    assert normalize_domain(" EXAMPLE.com. ") == "example.com"


@pytest.mark.parametrize(
    ("ip", "why"),
    [
        ("0.0.0.0", "cannot be a sending server's address"),
        ("255.255.255.255", "cannot be a sending server's address"),
        ("224.0.0.5", "cannot be a sending server's address"),
        ("127.0.0.1", "not a public address"),
        ("::1", "not a public address"),
        ("10.1.2.3", "not a public address"),
        ("192.0.2.10", "not a public address"),
    ],
)
def test_sending_ips_must_be_public_unless_a_lab_says_otherwise(ip: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        parse_sending_ip(ip)
    if why == "not a public address":
        assert parse_sending_ip(ip, lab=True)
    else:
        with pytest.raises(ValidationError, match=why):
            parse_sending_ip(ip, lab=True)
    assert parse_sending_ip("9.9.9.9") == "9.9.9.9"


@given(st.text(max_size=40))
def test_normalize_domain_answers_every_input_with_a_name_or_words(typed: str) -> None:
    try:
        name = normalize_domain(typed)
    except ValidationError as refused:
        assert refused.message
    else:
        assert name == normalize_domain(name) and name.isascii() and "." in name
