"""Alert rules as a user meets them: default thresholds, the layers that change them, flapping,
and that nothing is decided from a result that cannot tell."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from penguin_desktop.core.monitoring import rules
from penguin_desktop.core.monitoring.models import CheckKind, Metric, ProbeResult, Status
from penguin_desktop.core.monitoring.rules import Condition, Rule, Verdict

OK = ProbeResult(Status.OK, "fine")


def _verdicts(
    kind: CheckKind,
    result: ProbeResult,
    failures: int = 0,
    reached: tuple[bool, ...] = (True,),
    *layers: dict[Condition, Rule],
) -> dict[Condition, Verdict]:
    found = rules.evaluate(kind, result, failures, reached, rules.effective(list(layers)))
    return {v.condition: v for v in found}


def _with(**figures: float) -> ProbeResult:
    return ProbeResult(Status.OK, "fine", metrics=tuple(Metric(k, v) for k, v in figures.items()))


def test_certificate_days_against_the_default_thresholds() -> None:
    for days, expected in ((30.0, None), (13.9, Status.WARNING), (2.5, Status.CRITICAL)):
        verdict = _verdicts(CheckKind.SMTP, _with(cert_days=days))[Condition.CERT_EXPIRY]
        assert verdict.severity is expected
    words = _verdicts(CheckKind.SMTP, _with(cert_days=2.0))[Condition.CERT_EXPIRY].message
    assert words.startswith("days left before the certificate expires: 2.0 days, under 3.0")


def test_queue_and_disk_defaults() -> None:
    found = _verdicts(
        CheckKind.SSH_HEALTH, _with(queue_size=501, queue_oldest_s=30, disk_percent=96)
    )
    assert found[Condition.QUEUE_SIZE].severity is Status.WARNING
    assert found[Condition.QUEUE_AGE].severity is None
    assert found[Condition.DISK].severity is Status.CRITICAL
    assert (
        _verdicts(CheckKind.SSH_HEALTH, _with(disk_percent=85.0))[Condition.DISK].severity is None
    )


def test_down_waits_for_two_failures_and_holds_in_between() -> None:
    down = ProbeResult(Status.CRITICAL, "connection refused", reachable=False)
    assert (
        _verdicts(CheckKind.SMTP, down, 1, (True, False))[Condition.DOWN].severity is Status.UNKNOWN
    )
    assert (
        _verdicts(CheckKind.SMTP, down, 2, (False, False))[Condition.DOWN].severity
        is Status.CRITICAL
    )
    assert _verdicts(CheckKind.SMTP, OK, 0, (False, True))[Condition.DOWN].severity is None


def test_a_service_that_does_not_answer_says_nothing_of_its_certificate() -> None:
    down = ProbeResult(Status.CRITICAL, "timed out", reachable=False)
    assert Condition.CERT_EXPIRY not in _verdicts(CheckKind.SMTP, down, 1)


def test_flapping_holds_down_alerts_and_says_so() -> None:
    flips = (True, False, True, False, True, False)
    down = ProbeResult(Status.CRITICAL, "refused", reachable=False)
    found = _verdicts(CheckKind.IMAPS, down, 5, flips)
    assert Condition.DOWN not in found
    assert found[Condition.FLAPPING].severity is Status.WARNING
    assert "5 times" in found[Condition.FLAPPING].message


def test_layers_agency_then_workspace_then_check() -> None:
    agency = {Condition.DISK: Rule(Condition.DISK, 70, 80)}
    workspace = {Condition.DISK: Rule(Condition.DISK, 90, 99)}
    result = _with(disk_percent=92)
    assert _verdicts(CheckKind.SSH_HEALTH, result, 0, (True,), agency)[Condition.DISK].severity is (
        Status.CRITICAL
    )
    assert (
        _verdicts(CheckKind.SSH_HEALTH, result, 0, (True,), agency, workspace)[
            Condition.DISK
        ].severity
        is Status.WARNING
    )
    off = {Condition.DISK: Rule(Condition.DISK, 90, 99, enabled=False)}
    assert _verdicts(CheckKind.SSH_HEALTH, result, 0, (True,), off)[Condition.DISK].severity is None


def test_conditions_only_where_the_kind_can_raise_them() -> None:
    assert set(_verdicts(CheckKind.DNS, OK)) == {Condition.DNS}
    assert set(_verdicts(CheckKind.BLACKLIST, _with(listed=0))) == {Condition.BLACKLISTED}
    assert Condition.QUEUE_SIZE not in _verdicts(CheckKind.HTTPS, _with(queue_size=9999))


@given(st.lists(st.booleans(), max_size=30))
def test_flap_changes_count_flips_in_the_last_ten_runs(reached: list[bool]) -> None:
    recent = reached[-rules.FLAP_WINDOW :]
    expected = sum(a != b for a, b in itertools.pairwise(recent))
    assert rules.changes(reached) == expected <= rules.FLAP_WINDOW - 1


@given(
    st.floats(min_value=-400, max_value=400, allow_nan=False),
    st.floats(min_value=0, max_value=60, allow_nan=False),
    st.floats(min_value=0, max_value=60, allow_nan=False),
)
def test_certificate_severity_is_monotonic(days: float, warn: float, crit: float) -> None:
    """Fewer days never gives a milder verdict, whatever the thresholds."""
    warning, critical = max(warn, crit), min(warn, crit)
    rule = {Condition.CERT_EXPIRY: Rule(Condition.CERT_EXPIRY, warning, critical)}
    rank = {None: 0, Status.WARNING: 1, Status.CRITICAL: 2}
    now = _verdicts(CheckKind.SMTPS, _with(cert_days=days), 0, (True,), rule)
    later = _verdicts(CheckKind.SMTPS, _with(cert_days=days - 1), 0, (True,), rule)
    assert rank[later[Condition.CERT_EXPIRY].severity] >= rank[now[Condition.CERT_EXPIRY].severity]
