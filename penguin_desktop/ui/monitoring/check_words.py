"""How checks, alerts and notifiers read on the Monitoring page: the words for kinds, conditions
and TLS modes, intervals in plain units, and the badges of statuses and alert states."""

from __future__ import annotations

from datetime import datetime

from penguin_desktop.core.monitoring import rules
from penguin_desktop.core.monitoring.models import (
    AlertInfo,
    AlertState,
    CheckInfo,
    CheckKind,
    NotifierKind,
    ResultPoint,
    Status,
    TlsMode,
)
from penguin_desktop.ui.monitoring import status as st
from penguin_desktop.ui.widgets.badge_delegate import BadgeStyle
from penguin_desktop.ui.widgets.formatting import local_time

KIND_WORDS: dict[CheckKind, str] = {
    CheckKind.SMTP: "SMTP (25)",
    CheckKind.SUBMISSION: "Submission (587)",
    CheckKind.SMTPS: "SMTPS (465)",
    CheckKind.IMAPS: "IMAPS (993)",
    CheckKind.HTTPS: "HTTPS (443)",
    CheckKind.SSH_HEALTH: "Server health (SSH)",
    CheckKind.DNS: "DNS records",
    CheckKind.BLACKLIST: "Blocklists",
}
SHORT_KIND_WORDS: dict[CheckKind, str] = {
    CheckKind.SMTP: "SMTP",
    CheckKind.SUBMISSION: "Submission",
    CheckKind.SMTPS: "SMTPS",
    CheckKind.IMAPS: "IMAPS",
    CheckKind.HTTPS: "HTTPS",
    CheckKind.SSH_HEALTH: "Server health",
    CheckKind.DNS: "DNS",
    CheckKind.BLACKLIST: "Blocklists",
}
CONDITION_WORDS: dict[str, str] = {
    rules.Condition.DOWN.value: "Down",
    rules.Condition.SERVICE.value: "Service problem",
    rules.Condition.CERT_EXPIRY.value: "Certificate expiry",
    rules.Condition.QUEUE_SIZE.value: "Mail queue size",
    rules.Condition.QUEUE_AGE.value: "Mail queue age",
    rules.Condition.DISK.value: "Disk use",
    rules.Condition.BLACKLISTED.value: "Blocklisted",
    rules.Condition.DNS.value: "DNS record wrong",
    rules.Condition.FLAPPING.value: "Flapping",
}
TLS_WORDS: dict[TlsMode, str] = {
    TlsMode.STARTTLS: "STARTTLS",
    TlsMode.IMPLICIT: "Implicit TLS",
    TlsMode.NONE: "No TLS",
}
STATE_WORDS: dict[AlertState, str] = {
    AlertState.OPEN: "Open",
    AlertState.ACKNOWLEDGED: "Acknowledged",
    AlertState.RESOLVED: "Resolved",
}
NOTIFIER_WORDS: dict[NotifierKind, str] = {
    NotifierKind.PAGERDUTY: "PagerDuty",
    NotifierKind.WEBHOOK: "Webhook",
}
NOT_RUN = "Not run yet"
BAD = frozenset({Status.WARNING, Status.CRITICAL})


def count(number: int, noun: str) -> str:
    """ "1 check", "2 checks"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def condition_words(condition: str) -> str:
    return CONDITION_WORDS.get(condition, condition.replace("_", " ").capitalize())


def condition_meaning(condition: str) -> str:
    try:
        return rules.DEFINITIONS[rules.Condition(condition)].words.capitalize()
    except ValueError:
        return ""


def every_text(seconds: int) -> str:
    """An interval as people say it: "60 s" reads worse than "1 min"."""
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds} s"


def when(value: datetime | None, empty: str = "") -> str:
    return local_time(value) if value is not None else empty


def short_when(value: datetime | None, empty: str = "") -> str:
    """Today's times as "14:05", others with their date: a log of today reads at a glance."""
    if value is None:
        return empty
    full = local_time(value)
    today = datetime.now().astimezone().strftime("%Y-%m-%d")
    return full[11:] if full.startswith(today) else full


def status_words(status: Status | None) -> str:
    return st.WORDS[status] if status is not None else NOT_RUN


def latency_text(point: ResultPoint) -> str:
    return f"{point.latency_ms:.0f} ms" if point.latency_ms is not None else "—"


def check_status_style(row: object) -> BadgeStyle | None:
    if isinstance(row, CheckInfo):
        return st.STYLES[row.last_status] if row.enabled else st.NOT_CHECKED_STYLE
    if isinstance(row, ResultPoint):
        return st.STYLES[row.status]
    return None


def check_status_text(check: CheckInfo) -> str:
    words = status_words(check.last_status)
    return words if check.enabled else "Disabled"


def severity_style(row: object) -> BadgeStyle | None:
    if not isinstance(row, AlertInfo):
        return None
    return st.UNKNOWN_STYLE if row.state is AlertState.RESOLVED else st.STYLES[row.severity]


def acknowledged_text(alert: AlertInfo) -> str:
    return alert.acknowledged_by or "—"


def acknowledged_tip(alert: AlertInfo) -> str:
    if alert.acknowledged_by is None:
        return "Nobody has acknowledged it"
    return f"Acknowledged by {alert.acknowledged_by} at {when(alert.acknowledged_at)}"
