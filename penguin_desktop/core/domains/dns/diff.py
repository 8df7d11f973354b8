"""The difference between what a domain publishes and what it needs, as record changes.

Changes only ever touch records of the kinds we manage, at the names we manage: an SPF record
is replaced by a merge that keeps every sender it listed; deleting anything that is not ours to
replace (another provider's MX) is marked as needing the user's say-so. Applying the plan and
computing it again yields nothing, which is what makes fixes idempotent.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from penguin_desktop.core.domains.dns import dkim as dk
from penguin_desktop.core.domains.dns.dmarc import POLICIES, DmarcSyntaxError, is_dmarc, parse_dmarc
from penguin_desktop.core.domains.dns.names import same_name
from penguin_desktop.core.domains.dns.records import (
    DomainSpec,
    Kind,
    RequiredRecord,
    build_spf,
    required_records,
)
from penguin_desktop.core.domains.dns.spf import is_spf

Published = Mapping[tuple[str, str], list[str]]


class Action(enum.StrEnum):
    ADD = "add"
    DELETE = "delete"


@dataclass(frozen=True)
class Change:
    action: Action
    name: str
    rtype: str
    value: str
    ttl: int
    reason: str
    needs_confirmation: bool = False

    @property
    def key(self) -> str:
        """How a user names this record when confirming its deletion: NAME TYPE VALUE."""
        return f"{self.name} {self.rtype} {self.value}"

    def describe(self) -> str:
        sign = "+" if self.action is Action.ADD else "-"
        return f"{sign} {self.key}"


@dataclass(frozen=True)
class FixPlan:
    domain: str
    changes: tuple[Change, ...]
    manual: tuple[RequiredRecord, ...]

    @property
    def empty(self) -> bool:
        return not self.changes


def lookups_needed(spec: DomainSpec) -> list[tuple[str, str]]:
    """The (name, type) pairs a plan reads; providers fetch them in one go."""
    wanted = required_records(spec)
    return sorted({(r.name, r.rtype) for r in wanted})


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _dmarc_ok(text: str, spec: DomainSpec) -> bool:
    try:
        record = parse_dmarc(text)
    except DmarcSyntaxError:
        return False
    return (
        POLICIES.index(record.p) >= POLICIES.index(spec.dmarc_policy)
        and f"mailto:{spec.reports_to}".lower() in (u.lower() for u in record.rua)
        and record.pct == 100
    )


def _replace(rec: RequiredRecord, ours: list[str], satisfied: bool, reason: str) -> list[Change]:
    if satisfied:
        return []
    changes = [
        Change(Action.DELETE, rec.name, rec.rtype, old, rec.ttl, f"replaced: {reason}")
        for old in ours
    ]
    return [*changes, Change(Action.ADD, rec.name, rec.rtype, rec.value, rec.ttl, reason)]


def plan(spec: DomainSpec, published: Published) -> FixPlan:
    """Changes that turn `published` into what `spec` requires."""
    apex_txt = published.get((spec.name, "TXT"), [])
    spf_now = [t for t in apex_txt if is_spf(t)]
    changes: list[Change] = []
    manual: list[RequiredRecord] = []
    mx_wanted: list[RequiredRecord] = []
    for rec in required_records(spec, spf_now):
        now = published.get((rec.name, rec.rtype), [])
        if not rec.managed:
            if not any(same_name(v, rec.value) for v in now):
                manual.append(rec)
            continue
        if rec.kind is Kind.MX:
            mx_wanted.append(rec)
        elif rec.kind is Kind.SPF:
            wanted = build_spf(spec, spf_now)
            ok = len(spf_now) == 1 and _norm(spf_now[0]) == _norm(wanted)
            why = "SPF with your server IPs, keeping every sender already listed"
            if len(spf_now) > 1:
                why = f"merge {len(spf_now)} SPF records into the one a domain may have"
            changes += _replace(rec, spf_now, ok, why)
        elif rec.kind is Kind.DKIM:
            keys = [t for t in now if "p=" in t or t.lower().startswith("v=dkim1")]
            wanted_key = rec.value.split("p=", 1)[1]
            ok = len(keys) == 1 and _same_dkim(keys[0], wanted_key)
            changes += _replace(rec, keys, ok, "publish the DKIM key your server signs with")
        elif rec.kind is Kind.DMARC:
            ours = [t for t in now if is_dmarc(t)]
            ok = len(ours) == 1 and _dmarc_ok(ours[0], spec)
            changes += _replace(rec, ours, ok, "DMARC policy and reports as you set them")
        elif rec.kind is Kind.MTA_STS:
            ours = [t for t in now if t.startswith("v=STSv1")]
            ok = len(ours) == 1 and _norm(ours[0]) == _norm(rec.value)
            changes += _replace(rec, ours, ok, "MTA-STS record for the current policy")
        elif rec.kind is Kind.TLS_RPT:
            ours = [t for t in now if t.startswith("v=TLSRPTv1")]
            ok = len(ours) == 1 and f"mailto:{spec.reports_to}".lower() in ours[0].lower()
            changes += _replace(rec, ours, ok, "TLS-RPT reports address")
        elif not any(_norm(v) == _norm(rec.value) for v in now):
            changes.append(Change(Action.ADD, rec.name, rec.rtype, rec.value, rec.ttl, rec.purpose))
    if mx_wanted:
        changes += _mx_changes(spec, mx_wanted, published.get((spec.name, "MX"), []))
    return FixPlan(spec.name, tuple(changes), tuple(manual))


def _same_dkim(text: str, wanted_key: str) -> bool:
    try:
        return dk.same_key(dk.parse_dkim(text).public_b64, wanted_key)
    except dk.DkimSyntaxError:
        return False


def _mx_host(value: str) -> str:
    return value.split()[-1].rstrip(".").lower() if value.split() else ""


def _mx_changes(spec: DomainSpec, wanted: list[RequiredRecord], now: list[str]) -> list[Change]:
    have = {_mx_host(v) for v in now}
    changes = [
        Change(Action.ADD, r.name, "MX", r.value, r.ttl, "deliver the domain's mail to your server")
        for r in wanted
        if _mx_host(r.value) not in have
    ]
    ours = {_mx_host(r.value) for r in wanted}
    for value in now:
        if _mx_host(value) not in ours:
            changes.append(
                Change(
                    Action.DELETE,
                    spec.name,
                    "MX",
                    value,
                    wanted[0].ttl,
                    f"{_mx_host(value)} is not one of your mail servers; it would keep "
                    "receiving part of the domain's mail",
                    needs_confirmation=True,
                )
            )
    return changes
