"""What a report's summary says about its events, gathered in one pass as the rows stream by.

A reader of an audit report first wants the shape of it: which period it covers, how many
events of which kind, who acted, and whether anyone tried something they were not allowed to.
The digest counts that while the writer formats the rows, so the rows are read once; it keeps
counters and at most a few denied events, never the rows themselves.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from penguin_desktop.core.audit.changes import format_value
from penguin_desktop.core.platform.models import Outcome

LISTED_DENIALS = 10  # more than this and the summary counts denials by actor instead


def display_time(ts: str) -> str:
    """A stored timestamp ("2026-05-01T12:00:00.123456Z") as "2026-05-01 12:00:00" (UTC)."""
    return ts.replace("T", " ").removesuffix("Z").partition(".")[0][:19]


@dataclass(frozen=True)
class Denial:
    """One refused attempt, as the summary lists it."""

    ts: str
    actor: str
    action: str
    target: str
    reason: str


@dataclass
class ReportDigest:
    """Counts over a report's events; `add` each row, then read the fields."""

    total: int = 0
    first_ts: str = ""
    last_ts: str = ""
    by_action: Counter[tuple[str, bool]] = field(default_factory=Counter)  # (code, denied)
    by_actor: Counter[str] = field(default_factory=Counter)
    denied_by_actor: Counter[str] = field(default_factory=Counter)
    denials: list[Denial] = field(default_factory=list)

    def add(
        self, ts: str, actor: str, action: str, target: str, outcome: str, summary: str
    ) -> None:
        """Count one event (rows in any order: the period is the earliest and latest time)."""
        self.total += 1
        if not self.first_ts or ts < self.first_ts:
            self.first_ts = ts
        if ts > self.last_ts:
            self.last_ts = ts
        denied = outcome == Outcome.DENIED.value
        self.by_action[action, denied] += 1
        self.by_actor[actor] += 1
        if denied:
            self.denied_by_actor[actor] += 1
            if len(self.denials) <= LISTED_DENIALS:
                self.denials.append(Denial(ts, actor, action, target, _reason(summary)))

    @property
    def denied(self) -> int:
        return sum(self.denied_by_actor.values())

    @property
    def lists_denials(self) -> bool:
        """Whether the denials are few enough to list one by one."""
        return 0 < self.denied <= LISTED_DENIALS


def _reason(summary: str) -> str:
    try:
        data = json.loads(summary)
    except ValueError:
        return ""
    return format_value(data.get("reason")) if isinstance(data, dict) else ""
