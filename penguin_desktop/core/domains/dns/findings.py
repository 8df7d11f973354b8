"""What a check tells a person: findings with a severity, a stable code, plain words and the
exact fix, grouped per domain with a 0-100 posture score and its breakdown."""

from __future__ import annotations

import enum
import json
from dataclasses import asdict, dataclass, field
from typing import Any


class Severity(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"ok": 0, "warning": 1, "error": 2}[self.value]


class Category(enum.StrEnum):
    SPF = "spf"
    DKIM = "dkim"
    DMARC = "dmarc"
    MX = "mx"
    PTR = "ptr"
    MTA_STS = "mta-sts"
    TLS_RPT = "tls-rpt"
    BLACKLIST = "blacklist"


# How much each part weighs in the posture score: what decides inbox placement weighs most.
WEIGHTS: dict[Category, int] = {
    Category.SPF: 20,
    Category.DKIM: 20,
    Category.DMARC: 20,
    Category.MX: 15,
    Category.PTR: 10,
    Category.MTA_STS: 5,
    Category.TLS_RPT: 5,
    Category.BLACKLIST: 5,
}


@dataclass(frozen=True)
class Finding:
    """`inconclusive` marks "could not check" (a silent server, a list that refused us): shown
    to the user but never counted for or against the score."""

    severity: Severity
    code: str
    category: Category
    message: str
    fix: str = ""
    inconclusive: bool = False


@dataclass(frozen=True)
class CategoryScore:
    category: Category
    weight: int
    earned: float
    checked: bool
    worst: Severity


@dataclass(frozen=True)
class DomainReport:
    workspace: str
    domain: str
    score: int
    findings: tuple[Finding, ...]
    breakdown: tuple[CategoryScore, ...] = ()

    @property
    def worst(self) -> Finding | None:
        """The finding to show in a one-line summary: the most severe, errors first."""
        ranked = sorted(self.findings, key=lambda f: (-f.severity.rank, f.inconclusive))
        return ranked[0] if ranked else None

    @property
    def counts(self) -> dict[str, int]:
        return {s.value: sum(f.severity is s for f in self.findings) for s in Severity}


@dataclass(frozen=True)
class PostureSummary:
    """Scores of many domains at once (a workspace, or everything the user may see)."""

    reports: tuple[DomainReport, ...]
    score: int
    by_category: dict[str, float] = field(default_factory=dict)


def score(findings: tuple[Finding, ...] | list[Finding]) -> tuple[int, tuple[CategoryScore, ...]]:
    """0-100: each category earns its weight when all is well, half on warnings, nothing on
    errors; categories that could not be checked drop out rather than count as failures."""
    parts = []
    earned_total = possible = 0.0
    for category, weight in WEIGHTS.items():
        counted = [f for f in findings if f.category is category and not f.inconclusive]
        if not counted:
            parts.append(CategoryScore(category, weight, 0.0, False, Severity.OK))
            continue
        worst = max((f.severity for f in counted), key=lambda s: s.rank)
        earned = weight * {Severity.OK: 1.0, Severity.WARNING: 0.5, Severity.ERROR: 0.0}[worst]
        parts.append(CategoryScore(category, weight, earned, True, worst))
        earned_total += earned
        possible += weight
    value = round(100 * earned_total / possible) if possible else 0
    return value, tuple(parts)


def summarize(reports: list[DomainReport]) -> PostureSummary:
    """A workspace's score is the mean of its domains'; per category the mean share earned."""
    if not reports:
        return PostureSummary((), 0, {})
    by_category: dict[str, float] = {}
    for category in WEIGHTS:
        shares = [
            part.earned / part.weight
            for r in reports
            for part in r.breakdown
            if part.category is category and part.checked
        ]
        if shares:
            by_category[category.value] = round(100 * sum(shares) / len(shares), 1)
    mean = round(sum(r.score for r in reports) / len(reports))
    return PostureSummary(tuple(reports), mean, by_category)


def report_to_json(report: DomainReport) -> str:
    """The stored form of a report (the domain's last check, shown again after a restart)."""
    return json.dumps(
        {
            "score": report.score,
            "findings": [asdict(f) for f in report.findings],
            "breakdown": [asdict(p) for p in report.breakdown],
        },
        separators=(",", ":"),
    )


def report_from_json(workspace: str, domain: str, text: str) -> DomainReport | None:
    """None when the stored text is not a report this version understands (written by a
    newer version, or damaged): the caller then shows "not checked yet" instead of failing."""
    try:
        data: dict[str, Any] = json.loads(text)
        findings = tuple(
            Finding(
                Severity(f["severity"]),
                str(f["code"]),
                Category(f["category"]),
                str(f["message"]),
                str(f.get("fix", "")),
                bool(f.get("inconclusive", False)),
            )
            for f in data["findings"]
        )
        breakdown = tuple(
            CategoryScore(
                Category(p["category"]),
                int(p["weight"]),
                float(p["earned"]),
                bool(p["checked"]),
                Severity(p["worst"]),
            )
            for p in data["breakdown"]
        )
        return DomainReport(workspace, domain, int(data["score"]), findings, breakdown)
    except (ValueError, KeyError, TypeError):
        return None
