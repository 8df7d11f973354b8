"""SPF (RFC 7208): parse a record, expand it the way receivers do, and evaluate an address.

Receivers give up (permerror) on records that need more than 10 DNS-querying terms or more
than 2 lookups that find nothing, so mail from a domain whose SPF grew past those limits fails
SPF everywhere even though each part looks right. The expansion here counts both across the
whole include/redirect tree, finds loops, and `check_host` tells whether a server IP passes.

Over the ~400-line habit: RFC 7208 parsing, include/redirect expansion and check_host belong
together, since the lookup limits count across all three.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace

from penguin_desktop.core.domains.dns.resolver import Answer, DnsClient
from penguin_desktop.core.domains.dns.spf_macros import (
    MacroContext,
    has_macro,
    pick_validated,
    validated_names,
    wants_validated_name,
)
from penguin_desktop.core.domains.dns.spf_macros import expand as expand_macros

MAX_DNS_TERMS = 10
MAX_VOID_LOOKUPS = 2
MAX_MX_HOSTS = 10
MAX_DEPTH = 12

MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
DNS_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
_MACRO = re.compile(r"%(?:\{[slodiphcrtvSLODIPHCRTV]\d*[rR]?[.\-+,/_=]*\}|[%_-])")
_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_TOPLABEL = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_MODIFIER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_CIDR = re.compile(r"^(?P<body>.*?)(?:/(?P<c4>\d+))?(?://(?P<c6>\d+))?$")


class SpfSyntaxError(ValueError):
    """The record breaks RFC 7208's grammar; receivers treat it as a permanent error."""


@dataclass(frozen=True)
class Term:
    """One mechanism (`-all`, `include:x`) or modifier (`redirect=x`) as written."""

    text: str
    name: str
    qualifier: str = "+"
    value: str | None = None
    cidr4: int | None = None
    cidr6: int | None = None
    modifier: bool = False


@dataclass(frozen=True)
class SpfRecord:
    text: str
    terms: tuple[Term, ...]

    def mechanisms(self) -> list[Term]:
        return [t for t in self.terms if not t.modifier]

    def modifier(self, name: str) -> str | None:
        return next((t.value for t in self.terms if t.modifier and t.name == name), None)

    @property
    def all_term(self) -> Term | None:
        return next((t for t in self.mechanisms() if t.name == "all"), None)

    @property
    def redirect(self) -> str | None:
        return self.modifier("redirect")

    def includes(self) -> list[str]:
        return [t.value for t in self.mechanisms() if t.name == "include" and t.value]


def is_spf(txt: str) -> bool:
    """Whether a TXT string is an SPF record (RFC 7208 4.5: exactly `v=spf1` then space/end)."""
    head = txt.strip()[:7].lower()
    return head == "v=spf1" or head == "v=spf1 "


def _check_domain_spec(spec: str, term: str) -> None:
    if not spec:
        raise SpfSyntaxError(f"{term!r} needs a domain after the colon")
    if _MACRO.search(spec) or "%" in spec:
        rest = _MACRO.sub("", spec)
        if "%" in rest:
            raise SpfSyntaxError(f"{term!r} has a malformed macro")
        return
    labels = spec.rstrip(".").split(".")
    if len(labels) < 2 or not _TOPLABEL.match(labels[-1]):
        raise SpfSyntaxError(f"{term!r}: {spec!r} is not a fully qualified domain")
    if any(not _LABEL.match(label) for label in labels[:-1]) or len(spec) > 253:
        raise SpfSyntaxError(f"{term!r}: {spec!r} is not a valid domain name")


def _cidr(raw: str | None, limit: int, term: str) -> int | None:
    if raw is None:
        return None
    if (len(raw) > 1 and raw.startswith("0")) or int(raw) > limit:
        raise SpfSyntaxError(f"{term!r}: /{raw} is not a valid prefix length")
    return int(raw)


def _mechanism(text: str) -> Term:
    qualifier = "+"
    body = text
    if body[:1] in QUALIFIERS:
        qualifier, body = body[0], body[1:]
    name, sep, arg = body.partition(":")
    cidr4 = cidr6 = None
    if not sep:
        match = _CIDR.match(body)
        assert match is not None
        name = match.group("body")
        arg = ""
        if match.group("c4") or match.group("c6"):
            cidr4 = _cidr(match.group("c4"), 32, text)
            cidr6 = _cidr(match.group("c6"), 128, text)
    name = name.lower()
    if name not in MECHANISMS:
        raise SpfSyntaxError(f"unknown mechanism {text!r}")
    if name == "all":
        if sep or cidr4 is not None or cidr6 is not None:
            raise SpfSyntaxError(f"{text!r}: 'all' takes no argument")
        return Term(text, name, qualifier)
    if name in ("ip4", "ip6"):
        if not sep:
            raise SpfSyntaxError(f"{text!r} needs an address")
        addr, slash, prefix = arg.partition("/")
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            raise SpfSyntaxError(f"{text!r}: {addr!r} is not an IP address") from None
        if (name == "ip4") != (ip.version == 4):
            raise SpfSyntaxError(f"{text!r}: {addr!r} is not an IPv{name[-1]} address")
        if slash and not prefix.isdigit():
            raise SpfSyntaxError(f"{text!r}: bad prefix length")
        bits = _cidr(prefix, 32 if name == "ip4" else 128, text) if slash else None
        return Term(
            text,
            name,
            qualifier,
            addr,
            bits if name == "ip4" else None,
            bits if name == "ip6" else None,
        )
    value: str | None = None
    if sep:
        match = _CIDR.match(arg)
        assert match is not None
        value = match.group("body")
        if name in ("a", "mx"):
            cidr4 = _cidr(match.group("c4"), 32, text)
            cidr6 = _cidr(match.group("c6"), 128, text)
        elif match.group("c4") or match.group("c6"):
            raise SpfSyntaxError(f"{text!r}: {name} takes no prefix length")
        _check_domain_spec(value, text)
    elif name in ("include", "exists"):
        raise SpfSyntaxError(f"{text!r} needs a domain after a colon ({name}:example.com)")
    elif name not in ("a", "mx") and (cidr4 is not None or cidr6 is not None):
        raise SpfSyntaxError(f"{text!r}: {name} takes no prefix length")
    return Term(text, name, qualifier, value, cidr4, cidr6)


def parse_spf(text: str) -> SpfRecord:
    """Parse one SPF record; SpfSyntaxError with a readable reason when it is invalid."""
    if not isinstance(text, str) or not text.isascii() or not text.isprintable():
        raise SpfSyntaxError("the record contains characters SPF does not allow")
    parts = text.split(" ")
    if not parts or parts[0].lower() != "v=spf1":
        raise SpfSyntaxError("an SPF record starts with 'v=spf1'")
    terms: list[Term] = []
    seen_modifiers: set[str] = set()
    for raw in parts[1:]:
        if not raw:
            continue  # RFC 7208 allows several spaces between terms
        name, eq, value = raw.partition("=")
        if eq and _MODIFIER_NAME.match(name) and ":" not in name:
            key = name.lower()
            if key in ("redirect", "exp"):
                if key in seen_modifiers:
                    raise SpfSyntaxError(f"'{key}=' may appear only once")
                _check_domain_spec(value, raw)
            seen_modifiers.add(key)
            terms.append(Term(raw, key, "+", value, modifier=True))
        else:
            terms.append(_mechanism(raw))
    return SpfRecord(text, tuple(terms))


def spf_records(txts: tuple[str, ...]) -> list[str]:
    return [t for t in txts if is_spf(t)]


# --- expansion -------------------------------------------------------------------------------
@dataclass
class SpfProblem:
    code: str
    message: str


@dataclass
class SpfTree:
    """What expanding a domain's SPF record (and everything it pulls in) found."""

    domain: str
    record: SpfRecord | None = None
    lookups: int = 0
    void_lookups: int = 0
    problems: list[SpfProblem] = field(default_factory=list)
    lookup_failures: list[Answer] = field(default_factory=list)

    def problem(self, code: str, message: str) -> None:
        if all(p.message != message for p in self.problems):
            self.problems.append(SpfProblem(code, message))


async def _addresses(client: DnsClient, name: str) -> tuple[list[str], bool]:
    a, aaaa = await client.lookup(name, "A"), await client.lookup(name, "AAAA")
    void = a.missing and aaaa.missing
    return [*a.values, *aaaa.values], void


def _context(domain: str, helo: str | None, ip: str | None = None) -> MacroContext:
    address = ipaddress.ip_address(ip) if ip is not None else None
    return MacroContext(domain, f"postmaster@{domain}", helo or domain, address)


async def _domain_spec(client: DnsClient, raw: str | None, ctx: MacroContext) -> str | None:
    """The name a term queries: its own, or the current domain; macros expanded for `ctx`.
    None when a macro cannot be expanded here."""
    if raw is None:
        return ctx.domain
    if not has_macro(raw):
        return raw.rstrip(".").lower()
    if ctx.ip is not None and wants_validated_name(raw):
        names, _void = await validated_names(client, ctx.ip)
        ctx = replace(ctx, validated_name=pick_validated(names, ctx.domain))
    expanded = expand_macros(raw, ctx)
    return expanded.lower() if expanded else None


async def expand(client: DnsClient, domain: str, helo: str | None = None) -> SpfTree:
    """Expand the whole include/redirect tree of `domain`, counting what receivers count.
    Macros are expanded where they do not depend on the connecting address."""
    tree = SpfTree(domain)
    await _expand(client, domain, tree, [], _context(domain, helo), top=True)
    return tree


async def _expand(
    client: DnsClient,
    domain: str,
    tree: SpfTree,
    stack: list[str],
    ctx: MacroContext,
    top: bool = False,
) -> SpfRecord | None:
    answer = await client.txt(domain)
    if answer.failed:
        tree.lookup_failures.append(answer)
        return None
    found = spf_records(answer.values)
    if not found:
        if not top:
            tree.void_lookups += answer.missing
            tree.problem(
                "spf.include-missing",
                f"{stack[-1]} includes {domain}, which has no SPF record "
                f"({answer.describe()}); receivers treat this as a permanent error",
            )
        return None
    if len(found) > 1:
        if not top:
            tree.problem(
                "spf.include-multiple", f"{domain} (included) has {len(found)} SPF records"
            )
        return None
    try:
        record = parse_spf(found[0])
    except SpfSyntaxError as exc:
        if not top:
            tree.problem("spf.include-syntax", f"the SPF record of {domain} is invalid: {exc}")
        return None
    if top:
        tree.record = record
    if len(stack) >= MAX_DEPTH:
        tree.problem("spf.too-deep", f"SPF includes nest more than {MAX_DEPTH} levels deep")
        return record
    path = [*stack, domain]
    for term in record.terms:
        if term.name not in DNS_TERMS or (term.modifier and term.name != "redirect"):
            continue
        if term.name == "redirect" and record.all_term is not None:
            continue  # RFC 7208 6.1: redirect is ignored when 'all' is present
        tree.lookups += 1
        target = await _domain_spec(client, term.value, ctx)
        if target is None:
            continue  # depends on the connecting address: counted, not followed
        if tree.lookups > 3 * MAX_DNS_TERMS:
            return record  # far past the limit already: stop generating queries
        if term.name in ("include", "redirect"):
            if target in path:
                tree.problem(
                    "spf.loop",
                    f"SPF include loop: {' -> '.join([*path, target])}; receivers give up "
                    "on this record",
                )
                continue
            await _expand(client, target, tree, path, ctx.for_domain(target))
        elif term.name in ("a", "exists"):
            _, void = await _addresses(client, target)
            tree.void_lookups += void
        elif term.name == "mx":
            mx = await client.lookup(target, "MX")
            if mx.missing:
                tree.void_lookups += 1
            for _, host in mx.mx[:MAX_MX_HOSTS]:
                await _addresses(client, host)
        elif term.name == "ptr":
            tree.problem(
                "spf.ptr",
                f"{domain}'s SPF uses 'ptr', which RFC 7208 says not to use: it is slow and "
                "many receivers ignore it",
            )
    return record


# --- evaluation ------------------------------------------------------------------------------
class _Limit(Exception):
    pass


@dataclass
class _Budget:
    lookups: int = 0
    void: int = 0

    def spend(self) -> None:
        self.lookups += 1
        if self.lookups > MAX_DNS_TERMS:
            raise _Limit("more than 10 DNS lookups")

    def void_if(self, missing: bool) -> None:
        self.void += missing
        if self.void > MAX_VOID_LOOKUPS:
            raise _Limit("more than 2 void lookups")


def _in(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, addr: str, term: Term) -> bool:
    try:
        candidate = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if candidate.version != ip.version:
        return False
    bits = term.cidr4 if ip.version == 4 else term.cidr6
    if bits is None:
        return candidate == ip
    return ip in ipaddress.ip_network(f"{candidate}/{bits}", strict=False)


async def check_host(client: DnsClient, ip: str, domain: str, helo: str | None = None) -> str:
    """RFC 7208 check_host(): pass, fail, softfail, neutral, none, permerror or temperror for
    mail from `ip` with sender postmaster@`domain`, greeting as `helo`."""
    ctx = _context(domain, helo, ip)
    assert ctx.ip is not None
    try:
        return await _check(client, ctx.ip, domain, _Budget(), 0, ctx)
    except _Limit:
        return "permerror"


async def _check(
    client: DnsClient,
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
    domain: str,
    budget: _Budget,
    depth: int,
    ctx: MacroContext,
) -> str:
    if depth > MAX_DEPTH:
        return "permerror"
    answer = await client.txt(domain)
    if answer.failed:
        return "temperror"
    found = spf_records(answer.values)
    if not found:
        return "none"
    if len(found) > 1:
        return "permerror"
    try:
        record = parse_spf(found[0])
    except SpfSyntaxError:
        return "permerror"
    family = "A" if ip.version == 4 else "AAAA"
    for term in record.mechanisms():
        target = domain
        if term.name in DNS_TERMS:
            found_target = await _domain_spec(client, term.value, ctx)
            if found_target is None:
                return "permerror"  # a macro letter a domain-spec may not use
            target = found_target
        matched = False
        if term.name == "all":
            matched = True
        elif term.name in ("ip4", "ip6"):
            matched = term.value is not None and _in(ip, term.value, term)
        elif term.name == "a":
            budget.spend()
            found_a = await client.lookup(target, family)
            budget.void_if(found_a.missing)
            matched = any(_in(ip, v, term) for v in found_a.values)
        elif term.name == "mx":
            budget.spend()
            mx = await client.lookup(target, "MX")
            budget.void_if(mx.missing)
            for _, host in mx.mx[:MAX_MX_HOSTS]:
                addrs = await client.lookup(host, family)
                if any(_in(ip, v, term) for v in addrs.values):
                    matched = True
                    break
        elif term.name == "exists":
            budget.spend()
            exists = await client.lookup(target, "A")
            budget.void_if(exists.missing)
            matched = exists.ok
        elif term.name == "ptr":
            budget.spend()
            names, void = await validated_names(client, ip)
            budget.void_if(void)
            matched = any(n == target or n.endswith("." + target) for n in names)
        elif term.name == "include":
            budget.spend()
            inner = await _check(client, ip, target, budget, depth + 1, ctx.for_domain(target))
            if inner in ("temperror",):
                return inner
            if inner in ("permerror", "none"):
                return "permerror"
            matched = inner == "pass"
        if matched:
            return QUALIFIERS[term.qualifier]
    redirect = record.redirect
    if redirect:
        budget.spend()
        goal = await _domain_spec(client, redirect, ctx)
        if goal is None:
            return "permerror"
        result = await _check(client, ip, goal, budget, depth + 1, ctx.for_domain(goal))
        return "permerror" if result == "none" else result
    return "neutral"
