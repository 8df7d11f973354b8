"""Fixing a domain's DNS: which changes the user allowed, and what the provider left undone.

Records that are not ours are deleted only when the user confirmed them, and every fix is
read back afterwards, so a result says what really is published, not what was attempted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from penguin_desktop.core.domains.dns import diff
from penguin_desktop.core.domains.dns.diff import Change, FixPlan
from penguin_desktop.core.domains.dns.records import DomainSpec, RequiredRecord
from penguin_desktop.core.domains.providers.base import DnsProvider
from penguin_desktop.core.platform.errors import ValidationError


@dataclass(frozen=True)
class FixResult:
    """What a fix did. `skipped` are deletions of records that are not ours, left in place
    because the user did not confirm them; `remaining` is the diff read back afterwards."""

    domain: str
    provider: str
    dry_run: bool
    changes: tuple[Change, ...]
    applied: int
    skipped: tuple[Change, ...]
    manual: tuple[RequiredRecord, ...]
    remaining: tuple[Change, ...] = ()
    verified: bool = False


def _said(key: str) -> str:
    """A record key (NAME TYPE VALUE) as typed compares equal to the one shown whatever its
    spacing, the case of its name and type, and a trailing dot; values keep their case (a DKIM
    key's base64 is case-sensitive)."""
    parts = key.split(maxsplit=2)
    if len(parts) < 3:
        return " ".join(parts).casefold()
    name, rtype, value = parts
    return f"{name.rstrip('.').casefold()} {rtype.upper()} {' '.join(value.split())}"


def published_plan(live: DnsProvider, spec: DomainSpec) -> FixPlan:
    """The diff between what the provider publishes now and what the domain needs."""
    return diff.plan(spec, live.read(spec.name, diff.lookups_needed(spec)))


def choose(
    before: FixPlan, confirm_deletes: bool, confirmed: Collection[str]
) -> tuple[list[Change], tuple[Change, ...]]:
    """The changes to apply and the unconfirmed deletions to skip. A confirmed key that matches
    nothing is an error: the records changed since the preview, or the name was mistyped, and
    guessing would delete the wrong thing."""
    wanted = {_said(k) for k in confirmed}
    foreign = {_said(c.key): c for c in before.changes if c.needs_confirmation}
    unknown = sorted(wanted - set(foreign))
    if unknown:
        offered = "; ".join(c.key for c in foreign.values()) or "none"
        raise ValidationError(
            f"no record that is not ours matches {unknown[0]!r} (they are: {offered})"
        )
    chosen = [
        c
        for c in before.changes
        if confirm_deletes or not c.needs_confirmation or _said(c.key) in wanted
    ]
    return chosen, tuple(c for c in before.changes if c not in chosen)


def unapplied(
    spec: DomainSpec, live: DnsProvider, dry_run: bool, before: FixPlan, skipped: tuple[Change, ...]
) -> FixResult:
    """A preview, or a fix with nothing to do: a preview's remaining changes are all of them."""
    return FixResult(
        spec.name,
        live.describe(),
        dry_run,
        before.changes,
        0,
        skipped,
        before.manual,
        before.changes if dry_run else (),
        verified=not dry_run,
    )


def read_back(
    spec: DomainSpec,
    live: DnsProvider,
    before: FixPlan,
    applied: int,
    skipped: tuple[Change, ...],
) -> FixResult:
    """A fix is verified only when nothing but the skipped deletions is left to change."""
    after = published_plan(live, spec)
    remaining = tuple(c for c in after.changes if c not in skipped)
    return FixResult(
        spec.name,
        live.describe(),
        False,
        before.changes,
        applied,
        skipped,
        before.manual,
        remaining,
        verified=not remaining,
    )
