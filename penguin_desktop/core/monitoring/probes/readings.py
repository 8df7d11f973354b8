"""What the other capabilities report (a server's mail health, a domain's DNS posture, its
blocklist listings) as the monitor's results: one status, one sentence, the figures."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from penguin_desktop.core.domains import DomainReport, ListResult, ListVerdict, Severity
from penguin_desktop.core.monitoring.models import Metric, ProbeResult, Status, worst
from penguin_desktop.core.servers import MailHealth


def from_mail_health(health: MailHealth) -> ProbeResult:
    """Down containers are critical (mail stops); thresholds on disk and queue belong to the
    alert rules, so the figures alone leave the status ok."""
    if not health.reachable:
        return ProbeResult(
            Status.CRITICAL,
            f"cannot reach the server over SSH: {health.error or 'no answer'}",
            reachable=False,
            metrics=(Metric("latency_ms", health.elapsed * 1000, "ms"),),
        )
    figures = [
        ("load_per_cpu", health.load_per_cpu, ""),
        ("memory_free_percent", health.memory_free_percent, "%"),
        ("disk_percent", health.disk_percent, "%"),
        ("queue_size", None if health.queue_size is None else float(health.queue_size), ""),
        ("queue_oldest_s", health.queue_oldest_seconds, "s"),
        ("latency_ms", health.elapsed * 1000, "ms"),
    ]
    metrics = tuple(Metric(n, v, u) for n, v, u in figures if v is not None)
    details = [f"{m.name}: {m.value:g}{m.unit}" for m in metrics]
    down = health.containers_down
    if down:
        return ProbeResult(
            Status.CRITICAL,
            f"MailU containers not running: {', '.join(down)}; start them "
            "(docker compose up -d in the MailU directory) and read their logs",
            metrics=metrics,
            details=tuple(details),
        )
    if health.error:
        return ProbeResult(
            Status.UNKNOWN,
            f"some figures could not be read: {health.error}",
            metrics=metrics,
            details=tuple(details),
        )
    queue = "empty queue" if not health.queue_size else f"{health.queue_size} queued"
    disk = f"disk {health.disk_percent:.0f}%" if health.disk_percent is not None else "disk ?"
    up = f"{len(health.containers_up)} containers up"
    return ProbeResult(Status.OK, f"{up}, {queue}, {disk}", metrics=metrics, details=tuple(details))


def from_dns_report(
    report: DomainReport, was_right: Collection[str]
) -> tuple[ProbeResult, set[str]]:
    """The posture check as a result whose status counts only what went wrong after being
    right (`was_right`: finding categories once all ok), so a domain set up half-way does not
    alert every hour for what was never done; the categories right now, to remember."""
    counted = [f for f in report.findings if not f.inconclusive]
    right_now = {
        f.category.value
        for f in counted
        if all(g.severity is Severity.OK for g in counted if g.category is f.category)
    }
    regressed = [
        f for f in counted if f.category.value in was_right and f.severity is not Severity.OK
    ]
    statuses = [
        Status.CRITICAL if f.severity is Severity.ERROR else Status.WARNING for f in regressed
    ]
    metrics = (Metric("dns_score", float(report.score)),)
    if regressed:
        first = sorted(regressed, key=lambda f: -f.severity.rank)[0]
        message = f"{first.message} {first.fix}".strip()
        return ProbeResult(
            worst(statuses), message, metrics=metrics, details=tuple(f.code for f in regressed)
        ), set(was_right) | right_now
    checked = {f.category for f in counted}
    unchecked = [f for f in report.findings if f.inconclusive and f.category not in checked]
    if unchecked:  # no answer for a whole category: the score is not the domain's, say unknown
        names = ", ".join(sorted({f.category.value for f in unchecked}))
        message = f"{unchecked[0].message} Not checked: {names}."
        return ProbeResult(Status.UNKNOWN, message), set(was_right) | right_now
    shown = report.worst
    if shown is not None and shown.severity is not Severity.OK:
        note = f"score {report.score}; not set up yet: {shown.message}"
    else:
        note = f"score {report.score}; every record as it should be"
    return ProbeResult(Status.OK, note, metrics=metrics), set(was_right) | right_now


def from_listings(subject_results: Sequence[tuple[str, Sequence[ListResult]]]) -> ProbeResult:
    """Listed anywhere is critical for deliverability; lists that would not answer make the
    result unknown only when no list answered at all."""
    listed = [
        r for _, results in subject_results for r in results if r.verdict is ListVerdict.LISTED
    ]
    answered = [
        r for _, results in subject_results for r in results if r.verdict is not ListVerdict.UNKNOWN
    ]
    metrics = (Metric("listed", float(len(listed)), "lists"),)
    if listed:
        names = ", ".join(f"{r.subject} on {r.blacklist.name}" for r in listed)
        return ProbeResult(
            Status.CRITICAL,
            f"listed: {names}; stop the cause, then ask each list for removal",
            metrics=metrics,
        )
    if not answered:
        total = sum(len(r) for _, r in subject_results)
        if not total:
            return ProbeResult(Status.UNKNOWN, "no blocklists apply to this address or domain")
        return ProbeResult(
            Status.UNKNOWN,
            "no blocklist answered; use a DNS resolver of your own for blocklist checks",
            metrics=(),
        )
    return ProbeResult(
        Status.OK, f"not listed on {len(answered)} blocklist checks", metrics=metrics
    )
