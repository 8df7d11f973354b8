"""The SPF check: one valid record, within the lookup limits, that allows our servers."""

from __future__ import annotations

import asyncio
import ipaddress

from penguin_desktop.core.domains.dns import spf as sp
from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not, txt_fix
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.records import DomainSpec, build_spf
from penguin_desktop.core.domains.dns.resolver import Answer, DnsClient

_C = Category.SPF
_WHY_NOT_COVERED = {
    "permerror": "the record is broken, so it fails for every server",
    "fail": "the record says it must not",
    "softfail": "the record says its mail is suspicious",
    "neutral": "the record does not mention it",
}


async def check_spf(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    answer = await client.txt(spec.name)
    if answer.failed:
        return [could_not(_C, "spf.lookup-failed", answer, "SPF")]
    records = sp.spf_records(answer.values)
    wanted = build_spf(spec, records)
    unusable = _unusable(spec, answer, records, wanted)
    if unusable is not None:
        return [unusable]
    tree = await sp.expand(client, spec.name, next(iter(spec.mail_hosts), None))
    record = tree.record
    assert record is not None
    found = [
        *_limits(spec, tree),
        *_problems(tree),
        *_all_rule(spec, record, wanted),
        *await _servers_allowed(client, spec, wanted),
    ]
    if not found:
        found.append(
            Finding(
                OK,
                "spf.ok",
                _C,
                f"SPF is valid, within limits ({tree.lookups} of {sp.MAX_DNS_TERMS} lookups) and "
                "allows your servers.",
            )
        )
    return found


def _unusable(spec: DomainSpec, answer: Answer, records: list[str], wanted: str) -> Finding | None:
    """Missing, duplicated or unparsable: receivers then ignore SPF, so nothing else matters."""
    if not records:
        return Finding(
            ERR,
            "spf.missing",
            _C,
            f"{spec.name} has no SPF record, so receivers cannot tell which servers may "
            f"send its mail and treat it as suspicious ({answer.describe()}).",
            txt_fix(spec.name, wanted),
        )
    if len(records) > 1:
        return Finding(
            ERR,
            "spf.multiple",
            _C,
            f"{spec.name} has {len(records)} SPF records. A domain may have only one; with "
            "two, receivers ignore SPF entirely (permerror).",
            "Replace them with this single merged record (it keeps every sender they "
            f'listed): "{wanted}", then delete the others.',
        )
    try:
        sp.parse_spf(records[0])
    except sp.SpfSyntaxError as exc:
        return Finding(
            ERR,
            "spf.syntax",
            _C,
            f"The SPF record of {spec.name} is invalid ({exc}); receivers ignore it.",
            f'Replace it with "{wanted}".',
        )
    return None


def _limits(spec: DomainSpec, tree: sp.SpfTree) -> list[Finding]:
    """Lookups receivers refuse to make: past a limit SPF fails for all of the domain's mail."""
    found = [
        could_not(_C, "spf.include-lookup-failed", failed, "part of the SPF record")
        for failed in tree.lookup_failures[:1]
    ]
    if tree.lookups > sp.MAX_DNS_TERMS:
        found.append(
            Finding(
                ERR,
                "spf.too-many-lookups",
                _C,
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
                _C,
                f"The SPF record of {spec.name} points at {tree.void_lookups} names that do not "
                f"exist; receivers give up after {sp.MAX_VOID_LOOKUPS}.",
                "Remove the include:, a: or mx: terms that name domains which no longer exist.",
            )
        )
    return found


def _problems(tree: sp.SpfTree) -> list[Finding]:
    found = []
    for problem in tree.problems:
        severity = WARN if problem.code == "spf.ptr" else ERR
        fix = (
            "Remove the looping include (a domain must not include itself, directly or via others)."
            if problem.code == "spf.loop"
            else "Remove or correct that include."
        )
        if problem.code == "spf.ptr":
            fix = "Replace 'ptr' with the ip4:/ip6: addresses of the sending servers."
        found.append(Finding(severity, problem.code, _C, problem.message + ".", fix))
    return found


def _all_rule(spec: DomainSpec, record: sp.SpfRecord, wanted: str) -> list[Finding]:
    """How the record treats every other server: it must at least call their mail suspicious."""
    all_term = record.all_term
    if all_term is None and record.redirect is None:
        return [
            Finding(
                WARN,
                "spf.no-all",
                _C,
                f"The SPF record of {spec.name} does not end with an 'all' rule, so mail from "
                "any other server is 'neutral' instead of suspicious.",
                f'End the record with "~all": "{wanted}".',
            )
        ]
    if all_term is not None and all_term.qualifier == "+":
        return [
            Finding(
                ERR,
                "spf.all-pass",
                _C,
                f"The SPF record of {spec.name} ends with '+all', which allows every server in "
                "the world to send as the domain; spammers can use it freely.",
                f'Change "+all" to "~all": "{wanted}".',
            )
        ]
    if all_term is not None and all_term.qualifier == "?":
        return [
            Finding(
                WARN,
                "spf.all-neutral",
                _C,
                f"The SPF record of {spec.name} ends with '?all', which says nothing about "
                "other servers; receivers get no protection from it.",
                f'Change "?all" to "~all": "{wanted}".',
            )
        ]
    return []


async def _servers_allowed(client: DnsClient, spec: DomainSpec, wanted: str) -> list[Finding]:
    """Evaluate the record as a receiver would for each of our servers' addresses."""
    results = await asyncio.gather(
        *(
            sp.check_host(client, ip, spec.name, next(iter(spec.mail_hosts), None))
            for ip in spec.server_ips
        )
    )
    found: list[Finding] = []
    for ip, result in zip(spec.server_ips, results, strict=True):
        if result == "pass":
            continue
        if result == "temperror":
            found.append(
                Finding(
                    WARN,
                    "spf.ip-unknown",
                    _C,
                    f"Could not tell whether {ip} may send for {spec.name}: a lookup failed.",
                    "Run the check again later.",
                    inconclusive=True,
                )
            )
            continue
        found.append(
            Finding(
                ERR,
                "spf.ip-not-covered",
                _C,
                f"Your server {ip} is not allowed to send for {spec.name} by SPF "
                f"({_WHY_NOT_COVERED.get(result, result)}); "
                "its mail will fail SPF and tend to land in spam.",
                f'Add ip{ipaddress.ip_address(ip).version}:{ip} to the record: "{wanted}".',
            )
        )
    return found
