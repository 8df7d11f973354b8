"""Alert rules: which conditions a result can raise, their default thresholds, and the pure
evaluation of one result against them.

A condition is evaluated only when the result can say something about it: a server that does not
answer says nothing about its certificate, so an open certificate alert stays open while the
server is down instead of resolving by accident."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from penguin_desktop.core.monitoring.models import CheckKind, ProbeResult, Status


class Condition(enum.StrEnum):
    DOWN = "down"
    SERVICE = "service"  # the service answered but is wrong: TLS, host name, AUTH, containers
    CERT_EXPIRY = "cert_expiry"
    QUEUE_SIZE = "queue_size"
    QUEUE_AGE = "queue_age"
    DISK = "disk"
    BLACKLISTED = "blacklisted"
    DNS = "dns"
    FLAPPING = "flapping"


class Direction(enum.StrEnum):
    ABOVE = "above"  # fires when the figure is over the threshold
    BELOW = "below"  # fires when the figure is under it (days to expiry)
    STATUS = "status"  # no figure: follows the probe's own verdict


@dataclass(frozen=True)
class Rule:
    condition: Condition
    warning: float | None
    critical: float | None
    enabled: bool = True

    @property
    def direction(self) -> Direction:
        return DEFINITIONS[self.condition].direction


@dataclass(frozen=True)
class Definition:
    metric: str | None  # the ProbeResult metric it reads
    direction: Direction
    kinds: frozenset[CheckKind]
    words: str  # what the threshold means, for `alert rule list` and the console
    unit: str = ""


_NETWORK = frozenset(
    {CheckKind.SMTP, CheckKind.SUBMISSION, CheckKind.SMTPS, CheckKind.IMAPS, CheckKind.HTTPS}
)
_REACHED = _NETWORK | {CheckKind.SSH_HEALTH}

DEFINITIONS: dict[Condition, Definition] = {
    Condition.DOWN: Definition(
        None, Direction.ABOVE, _REACHED, "consecutive runs that got no answer", "runs"
    ),
    Condition.SERVICE: Definition(
        None, Direction.STATUS, _REACHED, "the service answers but something is wrong"
    ),
    Condition.CERT_EXPIRY: Definition(
        "cert_days", Direction.BELOW, _NETWORK, "days left before the certificate expires", "days"
    ),
    Condition.QUEUE_SIZE: Definition(
        "queue_size",
        Direction.ABOVE,
        frozenset({CheckKind.SSH_HEALTH}),
        "messages in the mail queue",
        "messages",
    ),
    Condition.QUEUE_AGE: Definition(
        "queue_oldest_s",
        Direction.ABOVE,
        frozenset({CheckKind.SSH_HEALTH}),
        "age of the oldest queued message",
        "seconds",
    ),
    Condition.DISK: Definition(
        "disk_percent",
        Direction.ABOVE,
        frozenset({CheckKind.SSH_HEALTH}),
        "use of the mail volume",
        "%",
    ),
    Condition.BLACKLISTED: Definition(
        "listed",
        Direction.ABOVE,
        frozenset({CheckKind.BLACKLIST}),
        "blocklists that list the address or domain",
        "lists",
    ),
    Condition.DNS: Definition(
        None, Direction.STATUS, frozenset({CheckKind.DNS}), "a DNS record that was right is not"
    ),
    Condition.FLAPPING: Definition(
        None,
        Direction.ABOVE,
        _REACHED,
        "changes between up and down in the last 10 runs; above it, down alerts wait",
        "changes",
    ),
}

# Above a threshold means strictly above; below means strictly below.
DEFAULTS: dict[Condition, Rule] = {
    Condition.DOWN: Rule(Condition.DOWN, None, 2),
    Condition.SERVICE: Rule(Condition.SERVICE, None, None),
    Condition.CERT_EXPIRY: Rule(Condition.CERT_EXPIRY, 14, 3),
    Condition.QUEUE_SIZE: Rule(Condition.QUEUE_SIZE, 500, None),
    Condition.QUEUE_AGE: Rule(Condition.QUEUE_AGE, 3600, None),
    Condition.DISK: Rule(Condition.DISK, 85, 95),
    Condition.BLACKLISTED: Rule(Condition.BLACKLISTED, None, 0),
    Condition.DNS: Rule(Condition.DNS, None, None),
    Condition.FLAPPING: Rule(Condition.FLAPPING, 4, None),
}
FLAP_WINDOW = 10


@dataclass(frozen=True)
class Verdict:
    """A condition's state after one result: `severity` None means it is clear (an open alert
    for it resolves); UNKNOWN means "hold": neither open nor resolve (a service down for one
    run, not yet the rule's number of runs)."""

    condition: Condition
    severity: Status | None
    message: str


def effective(
    overrides: Sequence[Mapping[Condition, Rule]],
) -> dict[Condition, Rule]:
    """The rules in force: the defaults, then each layer of overrides (agency, workspace,
    check) replacing what it names."""
    rules = dict(DEFAULTS)
    for layer in overrides:
        rules.update(layer)
    return rules


def changes(reached: Sequence[bool]) -> int:
    """How many times the last runs flipped between reached and not."""
    recent = list(reached)[-FLAP_WINDOW:]
    return sum(1 for a, b in itertools.pairwise(recent) if a != b)


def evaluate(
    kind: CheckKind,
    result: ProbeResult,
    failures: int,
    recent_reached: Sequence[bool],
    rules: Mapping[Condition, Rule],
) -> list[Verdict]:
    """Every condition this result can speak to, firing or clear. `failures` counts the
    consecutive runs without an answer, this one included; `recent_reached` is the runs before
    and including this one, oldest first."""
    verdicts: list[Verdict] = []
    flapping = _flapping(kind, recent_reached, rules)
    for condition, rule in rules.items():
        definition = DEFINITIONS[condition]
        if kind not in definition.kinds or condition is Condition.FLAPPING:
            continue
        if not rule.enabled:
            verdicts.append(Verdict(condition, None, "rule turned off"))
            continue
        if condition is Condition.DOWN:
            if flapping is None:
                verdicts.append(_down(result, failures, rule))
            continue
        if not result.reachable:
            continue  # nothing is known about the rest while nothing answers
        verdict = _figure(condition, definition, result, rule)
        if verdict is not None:
            verdicts.append(verdict)
    if flapping is not None:
        verdicts.append(flapping)
    return verdicts


def _flapping(
    kind: CheckKind, recent_reached: Sequence[bool], rules: Mapping[Condition, Rule]
) -> Verdict | None:
    rule = rules[Condition.FLAPPING]
    if kind not in DEFINITIONS[Condition.FLAPPING].kinds or not rule.enabled:
        return None
    count = changes(recent_reached)
    if rule.warning is None or count <= rule.warning:
        return None
    return Verdict(
        Condition.FLAPPING,
        Status.WARNING,
        f"the service went up and down {count} times in the last {FLAP_WINDOW} runs: check "
        "its network and load; down alerts wait until it settles",
    )


def _down(result: ProbeResult, failures: int, rule: Rule) -> Verdict:
    if result.reachable:
        return Verdict(Condition.DOWN, None, "answering again")
    if rule.critical is not None and failures >= rule.critical:
        return Verdict(
            Condition.DOWN, Status.CRITICAL, f"down for {failures} runs: {result.message}"
        )
    if rule.warning is not None and failures >= rule.warning:
        return Verdict(
            Condition.DOWN, Status.WARNING, f"down for {failures} runs: {result.message}"
        )
    # Not yet long enough to alert; an open alert stays open (the service has not recovered).
    return Verdict(Condition.DOWN, Status.UNKNOWN, result.message)


def _figure(
    condition: Condition, definition: Definition, result: ProbeResult, rule: Rule
) -> Verdict | None:
    if definition.direction is Direction.STATUS:
        if result.status in (Status.WARNING, Status.CRITICAL):
            return Verdict(condition, result.status, result.message)
        if result.status is Status.OK:
            return Verdict(condition, None, result.message)
        return None
    assert definition.metric is not None
    value = result.metric(definition.metric)
    if value is None:
        return None
    for severity, threshold in ((Status.CRITICAL, rule.critical), (Status.WARNING, rule.warning)):
        if threshold is not None and _beyond(definition.direction, value, threshold):
            return Verdict(condition, severity, _words(condition, definition, value, threshold))
    return Verdict(condition, None, f"{definition.words}: {_figure_text(value, definition)}")


def _beyond(direction: Direction, value: float, threshold: float) -> bool:
    return value < threshold if direction is Direction.BELOW else value > threshold


def _figure_text(value: float, definition: Definition) -> str:
    shown = f"{value:.1f}" if definition.unit in ("days", "%") else f"{value:.0f}"
    return f"{shown} {definition.unit}".strip() if definition.unit != "%" else f"{shown}%"


_ADVICE = {
    Condition.CERT_EXPIRY: "renew the certificate (MailU renews Let's Encrypt ones itself: "
    "check that port 80 reaches the server)",
    Condition.QUEUE_SIZE: "look at the queue for a blocked destination or a sending loop",
    Condition.QUEUE_AGE: "mail is stuck: look at the queue and the oldest message's recipient",
    Condition.DISK: "free space on the mail volume or grow it before mail is refused",
    Condition.BLACKLISTED: "find out why it was listed, stop the cause, then ask each list to "
    "remove it",
}


def _words(condition: Condition, definition: Definition, value: float, limit: float) -> str:
    figure = _figure_text(value, definition)
    side = "under" if definition.direction is Direction.BELOW else "over"
    return (
        f"{definition.words}: {figure}, {side} {_figure_text(limit, definition)}; "
        f"{_ADVICE.get(condition, 'look at it')}"
    )


def with_threshold(rule: Rule, warning: float | None, critical: float | None) -> Rule:
    return replace(rule, warning=warning, critical=critical)
