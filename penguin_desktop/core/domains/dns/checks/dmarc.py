"""The DMARC check: one valid record (the domain's own or inherited), strict enough, reporting."""

from __future__ import annotations

from penguin_desktop.core.domains.dns.checks.common import ERR, OK, WARN, could_not, txt_fix
from penguin_desktop.core.domains.dns.dmarc import (
    POLICIES,
    DmarcLookup,
    DmarcRecord,
    DmarcSyntaxError,
    find_dmarc,
    parse_dmarc,
)
from penguin_desktop.core.domains.dns.findings import Category, Finding
from penguin_desktop.core.domains.dns.records import DomainSpec, dmarc_value
from penguin_desktop.core.domains.dns.resolver import DnsClient

_C = Category.DMARC


async def check_dmarc(client: DnsClient, spec: DomainSpec) -> list[Finding]:
    found = await find_dmarc(client, spec.name)
    wanted = dmarc_value(spec)
    if found.answer.failed:
        return [could_not(_C, "dmarc.lookup-failed", found.answer, "DMARC")]
    record = _published(spec, found, wanted)
    if isinstance(record, Finding):
        return [record]
    policy = record.sp if found.inherited else record.p
    results = [
        *(_inheritance(spec, found, record, policy, wanted) if found.inherited else []),
        *_strength(spec, policy, wanted),
        *_tag_problems(spec, f"_dmarc.{found.source}", record, wanted),
    ]
    if not any(f.severity is not OK for f in results):
        modes = f"adkim={record.adkim}, aspf={record.aspf}"
        results.append(
            Finding(
                OK,
                "dmarc.ok",
                _C,
                f"DMARC is valid: p={policy}, reports to "
                f"{', '.join(record.rua)}, alignment {modes}.",
            )
        )
    return results


def _published(spec: DomainSpec, found: DmarcLookup, wanted: str) -> DmarcRecord | Finding:
    """The one record receivers apply, or why they apply none."""
    if not found.records:
        return Finding(
            ERR,
            "dmarc.missing",
            _C,
            f"{spec.name} has no DMARC record ({found.answer.describe()}). Large mailbox "
            "providers (Gmail, Yahoo) require one from bulk senders and file mail without "
            "it as spam more often.",
            txt_fix(f"_dmarc.{spec.name}", wanted),
        )
    where = f"_dmarc.{found.source}"
    if len(found.records) > 1:
        return Finding(
            ERR,
            "dmarc.multiple",
            _C,
            f"{where} has {len(found.records)} DMARC records; receivers then ignore DMARC.",
            f'Keep only one: "{wanted}".',
        )
    try:
        return parse_dmarc(found.records[0])
    except DmarcSyntaxError as exc:
        return Finding(
            ERR,
            "dmarc.syntax",
            _C,
            f"The DMARC record at {where} is invalid ({exc}); receivers ignore it.",
            f'Replace it with "{wanted}".',
        )


def _inheritance(
    spec: DomainSpec, found: DmarcLookup, record: DmarcRecord, policy: str, wanted: str
) -> list[Finding]:
    """A parent's record governs the domain; say so, and warn when it shields subdomains less."""
    results = [
        Finding(
            OK,
            "dmarc.inherited",
            _C,
            f"{spec.name} has no DMARC record of its own; it follows {found.source}'s, "
            f"which applies p={policy} to subdomains"
            + (" (its sp= tag)." if record.get("sp") else " (no sp= tag, so its p=)."),
        )
    ]
    if record.get("sp") and POLICIES.index(record.sp) < POLICIES.index(record.p):
        results.append(
            Finding(
                WARN,
                "dmarc.sp-weaker",
                _C,
                f"{found.source} protects itself with p={record.p} but its subdomains, "
                f"{spec.name} included, only with sp={record.sp}.",
                f"Publish {spec.name}'s own record: " + txt_fix(f"_dmarc.{spec.name}", wanted),
            )
        )
    return results


def _strength(spec: DomainSpec, policy: str, wanted: str) -> list[Finding]:
    """The policy applied against the one the user asked for: monitoring only is always noted."""
    name = f"_dmarc.{spec.name}"
    if policy == "none":
        return [
            Finding(
                WARN,
                "dmarc.p-none",
                _C,
                f"DMARC for {spec.name} is in monitoring mode (p=none): forged mail is still "
                "delivered, and some providers rate such domains lower.",
                f"Once reports show your own mail passes, move to p=quarantine: "
                f'"{wanted}" at {name}.',
            )
        ]
    if POLICIES.index(policy) < POLICIES.index(spec.dmarc_policy):
        return [
            Finding(
                WARN,
                "dmarc.weaker-than-wanted",
                _C,
                f"DMARC for {spec.name} is p={policy}, weaker than the p={spec.dmarc_policy} "
                "you asked for.",
                txt_fix(name, wanted),
            )
        ]
    return []


def _tag_problems(spec: DomainSpec, where: str, record: DmarcRecord, wanted: str) -> list[Finding]:
    """Tags that quietly weaken a valid record: no reports, a partial policy, typos."""
    results = []
    if not record.rua:
        results.append(
            Finding(
                WARN,
                "dmarc.no-rua",
                _C,
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
                _C,
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
                _C,
                f"The DMARC record at {where} has tags receivers do not know "
                f"({', '.join(record.unknown_tags)}); often a typo of a real tag.",
                f'Use only standard tags: "{wanted}".',
            )
        )
    return results
