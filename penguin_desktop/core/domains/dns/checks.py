"""Posture checks of sending domains: what is published, judged against what is required.

Every finding says what is wrong in words a non-expert follows and gives the exact record to
publish. Lookups that fail (timeout, SERVFAIL) give "could not check" findings, which never
count against the score: a flaky network must not make a good domain look broken.
"""

from __future__ import annotations

import asyncio
import ipaddress
import multiprocessing
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from penguin_desktop.core.domains.dns import blacklists as bl
from penguin_desktop.core.domains.dns import dkim as dk
from penguin_desktop.core.domains.dns import spf as sp
from penguin_desktop.core.domains.dns.dmarc import (
    POLICIES,
    DmarcSyntaxError,
    find_dmarc,
    parse_dmarc,
)
from penguin_desktop.core.domains.dns.findings import (
    Category,
    DomainReport,
    Finding,
    Severity,
    score,
)
from penguin_desktop.core.domains.dns.names import reverse_name, same_name
from penguin_desktop.core.domains.dns.records import (
    DomainSpec,
    build_spf,
    dmarc_value,
    mta_sts_id,
)
from penguin_desktop.core.domains.dns.resolver import Answer, DnsClient, ResolverConfig
from penguin_desktop.core.platform.errors import Cancelled

OK, WARN, ERR = Severity.OK, Severity.WARNING, Severity.ERROR
_STS_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
_TLSRPT_URI = re.compile(r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$")


def _could_not(category: Category, code: str, answer: Answer, what: str) -> Finding:
    return Finding(
        WARN,
        code,
        category,
        f"Could not check {what}: {answer.describe()}.",
        "Nothing to change yet; run the check again later. If it keeps failing, ask the "
        "domain's DNS host why its servers do not answer.",
        inconclusive=True,
    )


def _txt_fix(name: str, value: str) -> str:
    return f'Publish a TXT record at {name} with the value "{value}".'


# --- SPF -------------------------------------------------------------------------------------
async def check_spf(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.SPF
    answer = await client.txt(spec.name)
    if answer.failed:
        return [_could_not(c, "spf.lookup-failed", answer, "SPF")]
    records = sp.spf_records(answer.values)
    wanted = build_spf(spec, records)
    if not records:
        return [
            Finding(
                ERR,
                "spf.missing",
                c,
                f"{spec.name} has no SPF record, so receivers cannot tell which servers may "
                f"send its mail and treat it as suspicious ({answer.describe()}).",
                _txt_fix(spec.name, wanted),
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                ERR,
                "spf.multiple",
                c,
                f"{spec.name} has {len(records)} SPF records. A domain may have only one; with "
                "two, receivers ignore SPF entirely (permerror).",
                "Replace them with this single merged record (it keeps every sender they "
                f'listed): "{wanted}", then delete the others.',
            )
        ]
    try:
        sp.parse_spf(records[0])
    except sp.SpfSyntaxError as exc:
        return [
            Finding(
                ERR,
                "spf.syntax",
                c,
                f"The SPF record of {spec.name} is invalid ({exc}); receivers ignore it.",
                f'Replace it with "{wanted}".',
            )
        ]
    tree = await sp.expand(client, spec.name, next(iter(spec.mail_hosts), None))
    record = tree.record
    assert record is not None
    found: list[Finding] = []
    for failed in tree.lookup_failures[:1]:
        found.append(_could_not(c, "spf.include-lookup-failed", failed, "part of the SPF record"))
    if tree.lookups > sp.MAX_DNS_TERMS:
        found.append(
            Finding(
                ERR,
                "spf.too-many-lookups",
                c,
                f"The SPF record of {spec.name} needs {tree.lookups} DNS lookups (with everything "
                f"it includes); receivers stop at {sp.MAX_DNS_TERMS} and then fail SPF for all "
                "of the domain's mail.",
                "Remove includes of services the domain no longer uses, or replace includes "
                "with the ip4:/ip6: ranges they stand for, until the count is 10 or less.",
            )
        )
    if tree.void_lookups > sp.MAX_VOID_LOOKUPS:
        found.append(
            Finding(
                ERR,
                "spf.void-lookups",
                c,
                f"The SPF record of {spec.name} points at {tree.void_lookups} names that do not "
                f"exist; receivers give up after {sp.MAX_VOID_LOOKUPS}.",
                "Remove the include:, a: or mx: terms that name domains which no longer exist.",
            )
        )
    for problem in tree.problems:
        severity = WARN if problem.code == "spf.ptr" else ERR
        fix = (
            "Remove the looping include (a domain must not include itself, directly or via others)."
            if problem.code == "spf.loop"
            else "Remove or correct that include."
        )
        if problem.code == "spf.ptr":
            fix = "Replace 'ptr' with the ip4:/ip6: addresses of the sending servers."
        found.append(Finding(severity, problem.code, c, problem.message + ".", fix))
    all_term = record.all_term
    if all_term is None and record.redirect is None:
        found.append(
            Finding(
                WARN,
                "spf.no-all",
                c,
                f"The SPF record of {spec.name} does not end with an 'all' rule, so mail from "
                "any other server is 'neutral' instead of suspicious.",
                f'End the record with "~all": "{wanted}".',
            )
        )
    elif all_term is not None and all_term.qualifier == "+":
        found.append(
            Finding(
                ERR,
                "spf.all-pass",
                c,
                f"The SPF record of {spec.name} ends with '+all', which allows every server in "
                "the world to send as the domain; spammers can use it freely.",
                f'Change "+all" to "~all": "{wanted}".',
            )
        )
    elif all_term is not None and all_term.qualifier == "?":
        found.append(
            Finding(
                WARN,
                "spf.all-neutral",
                c,
                f"The SPF record of {spec.name} ends with '?all', which says nothing about "
                "other servers; receivers get no protection from it.",
                f'Change "?all" to "~all": "{wanted}".',
            )
        )
    results = await asyncio.gather(
        *(
            sp.check_host(client, ip, spec.name, next(iter(spec.mail_hosts), None))
            for ip in spec.server_ips
        )
    )
    for ip, result in zip(spec.server_ips, results, strict=True):
        if result == "pass":
            continue
        if result == "temperror":
            found.append(
                Finding(
                    WARN,
                    "spf.ip-unknown",
                    c,
                    f"Could not tell whether {ip} may send for {spec.name}: a lookup failed.",
                    "Run the check again later.",
                    inconclusive=True,
                )
            )
            continue
        why = {
            "permerror": "the record is broken, so it fails for every server",
            "fail": "the record says it must not",
            "softfail": "the record says its mail is suspicious",
            "neutral": "the record does not mention it",
        }.get(result, result)
        found.append(
            Finding(
                ERR,
                "spf.ip-not-covered",
                c,
                f"Your server {ip} is not allowed to send for {spec.name} by SPF ({why}); "
                "its mail will fail SPF and tend to land in spam.",
                f'Add ip{ipaddress.ip_address(ip).version}:{ip} to the record: "{wanted}".',
            )
        )
    if not found:
        found.append(
            Finding(
                OK,
                "spf.ok",
                c,
                f"SPF is valid, within limits ({tree.lookups} of {sp.MAX_DNS_TERMS} lookups) and "
                "allows your servers.",
            )
        )
    return found


# --- DMARC -----------------------------------------------------------------------------------
async def check_dmarc(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.DMARC
    found = await find_dmarc(client, spec.name)
    name = f"_dmarc.{spec.name}"
    wanted = dmarc_value(spec)
    if found.answer.failed:
        return [_could_not(c, "dmarc.lookup-failed", found.answer, "DMARC")]
    if not found.records:
        return [
            Finding(
                ERR,
                "dmarc.missing",
                c,
                f"{spec.name} has no DMARC record ({found.answer.describe()}). Large mailbox "
                "providers (Gmail, Yahoo) require one from bulk senders and file mail without "
                "it as spam more often.",
                _txt_fix(name, wanted),
            )
        ]
    where = f"_dmarc.{found.source}"
    if len(found.records) > 1:
        return [
            Finding(
                ERR,
                "dmarc.multiple",
                c,
                f"{where} has {len(found.records)} DMARC records; receivers then ignore DMARC.",
                f'Keep only one: "{wanted}".',
            )
        ]
    try:
        record = parse_dmarc(found.records[0])
    except DmarcSyntaxError as exc:
        return [
            Finding(
                ERR,
                "dmarc.syntax",
                c,
                f"The DMARC record at {where} is invalid ({exc}); receivers ignore it.",
                f'Replace it with "{wanted}".',
            )
        ]
    results: list[Finding] = []
    policy = record.sp if found.inherited else record.p
    if found.inherited:
        results.append(
            Finding(
                OK,
                "dmarc.inherited",
                c,
                f"{spec.name} has no DMARC record of its own; it follows {found.source}'s, "
                f"which applies p={policy} to subdomains"
                + (" (its sp= tag)." if record.get("sp") else " (no sp= tag, so its p=)."),
            )
        )
        if record.get("sp") and POLICIES.index(record.sp) < POLICIES.index(record.p):
            results.append(
                Finding(
                    WARN,
                    "dmarc.sp-weaker",
                    c,
                    f"{found.source} protects itself with p={record.p} but its subdomains, "
                    f"{spec.name} included, only with sp={record.sp}.",
                    f"Publish {spec.name}'s own record: " + _txt_fix(name, wanted),
                )
            )
    if policy == "none":
        results.append(
            Finding(
                WARN,
                "dmarc.p-none",
                c,
                f"DMARC for {spec.name} is in monitoring mode (p=none): forged mail is still "
                "delivered, and some providers rate such domains lower.",
                f"Once reports show your own mail passes, move to p=quarantine: "
                f'"{wanted}" at {name}.',
            )
        )
    elif POLICIES.index(policy) < POLICIES.index(spec.dmarc_policy):
        results.append(
            Finding(
                WARN,
                "dmarc.weaker-than-wanted",
                c,
                f"DMARC for {spec.name} is p={policy}, weaker than the p={spec.dmarc_policy} "
                "you asked for.",
                _txt_fix(name, wanted),
            )
        )
    if not record.rua:
        results.append(
            Finding(
                WARN,
                "dmarc.no-rua",
                c,
                f"The DMARC record at {where} asks for no reports (no rua=), so nobody learns "
                "when mail fails or someone forges the domain.",
                f'Add rua=mailto:{spec.reports_to}: "{wanted}".',
            )
        )
    if record.pct < 100:
        results.append(
            Finding(
                WARN,
                "dmarc.pct",
                c,
                f"The DMARC policy applies to only {record.pct}% of failing mail (pct="
                f"{record.pct}); the rest is treated as p=none.",
                "Remove pct= (or set pct=100) once you are confident.",
            )
        )
    if record.unknown_tags:
        results.append(
            Finding(
                WARN,
                "dmarc.unknown-tag",
                c,
                f"The DMARC record at {where} has tags receivers do not know "
                f"({', '.join(record.unknown_tags)}); often a typo of a real tag.",
                f'Use only standard tags: "{wanted}".',
            )
        )
    if not any(f.severity is not OK for f in results):
        modes = f"adkim={record.adkim}, aspf={record.aspf}"
        results.append(
            Finding(
                OK,
                "dmarc.ok",
                c,
                f"DMARC is valid: p={policy}, reports to "
                f"{', '.join(record.rua)}, alignment {modes}.",
            )
        )
    return results


# --- DKIM ------------------------------------------------------------------------------------
async def check_dkim(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.DKIM
    if not spec.dkim:
        return [
            Finding(
                WARN,
                "dkim.no-selector",
                c,
                f"No DKIM selector is configured for {spec.name}, so its mail cannot be signed "
                "and DMARC can only rely on SPF.",
                f"Add one: penguin domain add {spec.name} --workspace ... --dkim-selector mail "
                "(a 2048-bit key is generated), then publish the record it shows.",
            )
        ]
    found: list[Finding] = []
    for sel in spec.dkim:
        name = f"{sel.selector}._domainkey.{spec.name}"
        wanted = dk.record_text(sel.public_key)
        answer = await client.txt(name)
        if answer.failed:
            found.append(_could_not(c, "dkim.lookup-failed", answer, f"DKIM key {sel.selector}"))
            continue
        texts = [t for t in answer.values if "p=" in t or t.lower().startswith("v=dkim1")]
        if not texts:
            found.append(
                Finding(
                    ERR,
                    "dkim.missing",
                    c,
                    f"The DKIM key for selector '{sel.selector}' is not published "
                    f"({answer.describe()}); receivers cannot verify your signatures.",
                    _txt_fix(name, wanted),
                )
            )
            continue
        if len(texts) > 1:
            found.append(
                Finding(
                    ERR,
                    "dkim.multiple",
                    c,
                    f"{name} holds {len(texts)} DKIM records; receivers may pick the wrong one.",
                    f'Keep only "{wanted}".',
                )
            )
            continue
        try:
            record = dk.parse_dkim(texts[0])
        except dk.DkimSyntaxError as exc:
            found.append(
                Finding(
                    ERR,
                    "dkim.syntax",
                    c,
                    f"The DKIM record for '{sel.selector}' is broken ({exc}); signatures fail.",
                    f'Replace it with "{wanted}".',
                )
            )
            continue
        if record.revoked:
            found.append(
                Finding(
                    ERR,
                    "dkim.revoked",
                    c,
                    f"The DKIM key for '{sel.selector}' is revoked (empty p=).",
                    f'Publish the current key: "{wanted}".',
                )
            )
            continue
        bits = record.key_bits or 0
        if record.key_type == "rsa" and bits < 1024:
            found.append(
                Finding(
                    ERR,
                    "dkim.weak-key",
                    c,
                    f"The DKIM key for '{sel.selector}' is only {bits} bits; receivers treat "
                    "keys under 1024 bits as no signature at all.",
                    "Generate a 2048-bit key (penguin domain add ... --dkim-selector NEW) and "
                    "publish it.",
                )
            )
        elif record.key_type == "rsa" and bits < 2048:
            found.append(
                Finding(
                    WARN,
                    "dkim.short-key",
                    c,
                    f"The DKIM key for '{sel.selector}' is {bits} bits; 2048 is the recommended "
                    "size and some receivers score shorter keys lower.",
                    "Move to a 2048-bit key under a new selector.",
                )
            )
        if not dk.same_key(record.public_b64, sel.public_key):
            found.append(
                Finding(
                    ERR,
                    "dkim.key-mismatch",
                    c,
                    f"The DKIM key published for '{sel.selector}' is not the key your server "
                    "signs with, so every signature fails.",
                    f'Replace it with "{wanted}".',
                )
            )
    if not found:
        found.append(
            Finding(OK, "dkim.ok", c, f"DKIM keys are published and match ({len(spec.dkim)}).")
        )
    return found


# --- MX --------------------------------------------------------------------------------------
def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


async def check_mx(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.MX
    answer = await client.lookup(spec.name, "MX")
    fix_all = "Publish MX records: " + "; ".join(
        f"{spec.name} MX {10 * (i + 1)} {h}." for i, h in enumerate(spec.hosts)
    )
    if answer.failed:
        return [_could_not(c, "mx.lookup-failed", answer, "MX")]
    if not answer.mx:
        return [
            Finding(
                ERR,
                "mx.missing",
                c,
                f"{spec.name} has no MX record ({answer.describe()}), so replies and bounces "
                "cannot reach it, and receivers distrust domains that cannot receive mail.",
                fix_all,
            )
        ]
    if any(host in ("", ".") for _, host in answer.mx):
        return [
            Finding(
                ERR,
                "mx.null",
                c,
                f"{spec.name} publishes a 'null MX' (it declares it accepts no mail at all).",
                "Delete the null MX and " + fix_all[0].lower() + fix_all[1:],
            )
        ]
    found: list[Finding] = []
    hosts = [h for _, h in answer.mx]
    for host in hosts:
        if _is_ip(host):
            found.append(
                Finding(
                    ERR,
                    "mx.ip-literal",
                    c,
                    f"The MX record of {spec.name} names an IP address ({host}); MX must name "
                    "a host, so many servers cannot deliver to it.",
                    fix_all,
                )
            )
            continue
        a, aaaa = await asyncio.gather(client.lookup(host, "A"), client.lookup(host, "AAAA"))
        if a.cname_chain or aaaa.cname_chain:
            alias = (a.cname_chain or aaaa.cname_chain)[-1]
            found.append(
                Finding(
                    ERR,
                    "mx.cname",
                    c,
                    f"The mail host {host} is an alias (CNAME to {alias}); "
                    "MX targets must not be aliases (RFC 2181) and some senders refuse them.",
                    f"Point the MX at the real host name instead, or give {host} its own A record.",
                )
            )
        if a.failed and aaaa.failed:
            found.append(_could_not(c, "mx.host-lookup-failed", a, f"the mail host {host}"))
        elif not a.values and not aaaa.values:
            found.append(
                Finding(
                    ERR,
                    "mx.host-unresolved",
                    c,
                    f"The mail host {host} has no address ({a.describe()}); mail to "
                    f"{spec.name} cannot be delivered there.",
                    f"Publish an A record for {host} with your server's address.",
                )
            )
    missing = [h for h in spec.hosts if not any(same_name(h, x) for x in hosts)]
    foreign = [h for h in hosts if not any(same_name(h, x) for x in spec.hosts)]
    if missing:
        found.append(
            Finding(
                ERR,
                "mx.expected-missing",
                c,
                f"{spec.name}'s MX points at {', '.join(hosts)}, not at your mail server "
                f"{', '.join(missing)}, so replies go elsewhere.",
                fix_all + (f" and remove MX {', '.join(foreign)}." if foreign else "."),
            )
        )
    elif foreign:
        found.append(
            Finding(
                WARN,
                "mx.unexpected-host",
                c,
                f"{spec.name}'s MX also lists {', '.join(foreign)}, which is not one of your "
                "mail servers.",
                "Remove those MX records if that server no longer handles the domain's mail.",
            )
        )
    if not found:
        found.append(Finding(OK, "mx.ok", c, f"MX points at {', '.join(hosts)}, which resolves."))
    return found


# --- PTR / FCrDNS ----------------------------------------------------------------------------
async def check_ptr(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.PTR
    found: list[Finding] = []
    helo = spec.helo_host
    for ip in spec.server_ips:
        answer = await client.lookup(reverse_name(ip), "PTR")
        if answer.failed:
            found.append(_could_not(c, "ptr.lookup-failed", answer, f"reverse DNS of {ip}"))
            continue
        names = [v.rstrip(".").lower() for v in answer.values]
        ask = (
            f"Ask whoever provides the server (your VPS provider's control panel usually has "
            f'a "reverse DNS" field) to set the PTR of {ip} to {helo}.'
        )
        if not names:
            found.append(
                Finding(
                    ERR,
                    "ptr.missing",
                    c,
                    f"Your server {ip} has no reverse DNS name ({answer.describe()}); many "
                    "receivers reject mail from such servers outright.",
                    ask,
                )
            )
            continue
        if not any(same_name(n, helo) for n in names):
            found.append(
                Finding(
                    WARN,
                    "ptr.mismatch",
                    c,
                    f"The reverse DNS of {ip} is {', '.join(names)}, not the server's name "
                    f"{helo}; receivers see a mismatch with its greeting.",
                    ask,
                )
            )
        family = "A" if ipaddress.ip_address(ip).version == 4 else "AAAA"
        forward = await asyncio.gather(*(client.lookup(n, family) for n in names))
        if not any(ip in f.values for f in forward):
            if any(f.failed for f in forward):
                found.append(_could_not(c, "ptr.fcrdns-failed", forward[0], f"{names[0]}"))
                continue
            found.append(
                Finding(
                    ERR,
                    "ptr.fcrdns",
                    c,
                    f"The reverse name of {ip} ({names[0]}) does not point back to {ip} "
                    "(forward-confirmed reverse DNS fails); receivers treat that like no "
                    "reverse DNS at all.",
                    f"Publish an {family} record {names[0]} -> {ip}.",
                )
            )
    if not spec.server_ips:
        found.append(
            Finding(
                WARN,
                "ptr.no-ips",
                c,
                f"No server IP is recorded for {spec.name}, so SPF and reverse DNS of the "
                "sending servers cannot be checked.",
                "Add the servers' IPs: penguin domain add NAME --workspace W --ip IP.",
            )
        )
    if not found:
        found.append(
            Finding(OK, "ptr.ok", c, "Reverse DNS of every server IP matches and resolves back.")
        )
    return found


# --- MTA-STS, TLS-RPT ------------------------------------------------------------------------
def _tags(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(";"):
        k, eq, v = part.strip().partition("=")
        if eq:
            out[k.strip()] = v.strip()
    return out


async def check_mta_sts(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.MTA_STS
    name = f"_mta-sts.{spec.name}"
    wanted = f"v=STSv1; id={mta_sts_id(spec)}"
    answer = await client.txt(name)
    if answer.failed:
        return [_could_not(c, "mta-sts.lookup-failed", answer, "MTA-STS")]
    records = [t for t in answer.values if t.startswith("v=STSv1")]
    if not records:
        return [
            Finding(
                WARN,
                "mta-sts.missing",
                c,
                f"{spec.name} has no MTA-STS record, so mail sent to it can be downgraded to "
                "unencrypted delivery by an attacker.",
                _txt_fix(name, wanted) + f" and serve the policy file at https://mta-sts."
                f"{spec.name}/.well-known/mta-sts.txt (penguin domain records shows it).",
            )
        ]
    if len(records) > 1:
        return [
            Finding(
                ERR,
                "mta-sts.multiple",
                c,
                f"{name} has {len(records)} MTA-STS records; senders then ignore MTA-STS.",
                f'Keep only "{wanted}".',
            )
        ]
    tags = _tags(records[0])
    if tags.get("v") != "STSv1" or not _STS_ID.match(tags.get("id", "")):
        return [
            Finding(
                ERR,
                "mta-sts.syntax",
                c,
                f"The MTA-STS record at {name} is malformed (it needs v=STSv1 and an id= of 1-32 "
                "letters or digits).",
                f'Replace it with "{wanted}".',
            )
        ]
    return [Finding(OK, "mta-sts.ok", c, "The MTA-STS record is well formed.")]


async def check_tls_rpt(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    c = Category.TLS_RPT
    name = f"_smtp._tls.{spec.name}"
    wanted = f"v=TLSRPTv1; rua=mailto:{spec.reports_to}"
    answer = await client.txt(name)
    if answer.failed:
        return [_could_not(c, "tls-rpt.lookup-failed", answer, "TLS-RPT")]
    records = [t for t in answer.values if t.startswith("v=TLSRPTv1")]
    if not records:
        return [
            Finding(
                WARN,
                "tls-rpt.missing",
                c,
                f"{spec.name} has no TLS-RPT record, so nobody hears about failed encrypted "
                "deliveries to it.",
                _txt_fix(name, wanted),
            )
        ]
    tags = _tags(records[0])
    uris = [u.strip() for u in tags.get("rua", "").split(",") if u.strip()]
    if len(records) > 1 or not uris or not all(_TLSRPT_URI.match(u) for u in uris):
        return [
            Finding(
                ERR,
                "tls-rpt.syntax",
                c,
                f"The TLS-RPT record at {name} is malformed (one record, rua= with mailto: or "
                "https: addresses).",
                f'Replace it with "{wanted}".',
            )
        ]
    return [Finding(OK, "tls-rpt.ok", c, "The TLS-RPT record is well formed.")]


# --- blacklists ------------------------------------------------------------------------------
async def check_blacklists(
    client: DnsClient, spec: DomainSpec, lists: Sequence[bl.Blacklist]
) -> list[Finding]:
    c = Category.BLACKLIST
    jobs = [
        bl.check(client, entry, subject)
        for entry in lists
        for subject in (spec.server_ips if entry.type is bl.ListType.IP else (spec.name,))
    ]
    results = await asyncio.gather(*jobs)
    found: list[Finding] = []
    for r in results:
        if r.verdict is bl.Verdict.LISTED:
            found.append(
                Finding(
                    ERR,
                    "blacklist.listed",
                    c,
                    f"{r.subject} is on the {r.blacklist.name} blocklist ({r.detail}); many "
                    "receivers reject or junk mail from listed servers and domains.",
                    f"Find and stop the cause (a compromised mailbox, a bad list), then request "
                    f"removal at {r.blacklist.info or r.blacklist.zone}.",
                )
            )
        elif r.verdict is bl.Verdict.UNKNOWN:
            found.append(
                Finding(
                    WARN,
                    "blacklist.unknown",
                    c,
                    f"Could not check {r.subject} against {r.blacklist.name}: {r.detail}.",
                    "Use a DNS resolver of your own (PENGUIN_DNS_NAMESERVER) for blocklist "
                    "checks, or check by hand at " + (r.blacklist.info or r.blacklist.zone) + ".",
                    inconclusive=True,
                )
            )
    clean = sum(r.verdict is bl.Verdict.CLEAN for r in results)
    if clean and not any(f.code == "blacklist.listed" for f in found):
        found.append(Finding(OK, "blacklist.clean", c, f"Not listed on {clean} blocklist checks."))
    return found


# --- a domain, many domains -----------------------------------------------------------------
CHECKS: tuple[Callable[[DnsClient, DomainSpec], object], ...] = (
    check_spf,
    check_dkim,
    check_dmarc,
    check_mx,
    check_ptr,
    check_mta_sts,
    check_tls_rpt,
)


async def check_domain(
    client: DnsClient, spec: DomainSpec, lists: Sequence[bl.Blacklist] = ()
) -> DomainReport:
    parts = [
        check_spf(client, spec),
        check_dkim(client, spec),
        check_dmarc(client, spec),
        check_mx(client, spec),
        check_ptr(client, spec),
        check_mta_sts(client, spec),
        check_tls_rpt(client, spec),
    ]
    if lists:
        parts.append(check_blacklists(client, spec, lists))
    results = await asyncio.gather(*parts)
    findings = tuple(f for part in results for f in part)
    value, breakdown = score(findings)
    return DomainReport(spec.workspace, spec.name, value, findings, breakdown)


async def check_domains(
    specs: Sequence[DomainSpec],
    config: ResolverConfig,
    lists: Sequence[bl.Blacklist] = (),
    on_done: Callable[[int, int], None] | None = None,
) -> list[DomainReport]:
    """Check many domains concurrently with one shared client (shared includes, PTRs and
    mail hosts are looked up once)."""
    client = DnsClient(config)
    done = 0

    async def one(spec: DomainSpec) -> DomainReport:
        nonlocal done
        report = await check_domain(client, spec, lists)
        done += 1
        if on_done is not None:
            on_done(done, len(specs))
        return report

    try:
        return list(await asyncio.gather(*(one(s) for s in specs)))
    finally:
        client.close()


PARALLEL_FROM = 200  # below this, starting worker processes costs more than it saves
SHARD = 50


def _check_shard(
    specs: Sequence[DomainSpec], config: ResolverConfig, lists: Sequence[bl.Blacklist]
) -> list[DomainReport]:
    return asyncio.run(check_domains(specs, config, lists))


def run_checks(
    specs: Sequence[DomainSpec],
    config: ResolverConfig,
    lists: Sequence[bl.Blacklist] = (),
    on_done: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    workers: int | None = None,
) -> list[DomainReport]:
    """Synchronous entry point for services (each call owns its event loop).

    Parsing DNS messages with dnspython costs more CPU than the network wait, so large runs
    are split into shards checked by worker processes, one per core. Workers come from a
    fork server (safe in a process with threads, like the GUI) and progress is reported and
    cancellation honoured shard by shard.
    """
    total = len(specs)
    count = min(os.cpu_count() or 1, 4) if workers is None else workers
    if count < 2 or (workers is None and total < PARALLEL_FROM):
        if cancelled is not None and cancelled():
            raise Cancelled("check cancelled before it started")
        return asyncio.run(check_domains(specs, config, lists, on_done))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload([__name__])  # workers fork with dnspython imported
    size = min(SHARD, max(1, -(-total // count)))
    shards = [list(specs[i : i + size]) for i in range(0, total, size)]
    results: dict[int, list[DomainReport]] = {}
    done = 0
    with ProcessPoolExecutor(count, mp_context=context) as pool:
        futures = {
            pool.submit(_check_shard, shard, config, lists): i for i, shard in enumerate(shards)
        }
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            done += len(results[futures[future]])
            if on_done is not None:
                on_done(done, total)
            if cancelled is not None and cancelled():
                for pending in futures:
                    pending.cancel()
                raise Cancelled(f"check cancelled after {done} of {total} domains")
    return [report for i in range(len(shards)) for report in results[i]]
