"""The A/B verdict's arithmetic: the two-proportion z-test against values worked by hand, and
a winner named only past the minimum sample and at p < 0.05."""

from __future__ import annotations

import pytest

from penguin_desktop.core.campaigns.models import VariantResult
from penguin_desktop.core.campaigns.results import MIN_SAMPLE, two_proportion_z, verdict


def _variant(name: str, sent: int, replied: int) -> VariantResult:
    return VariantResult(1, name, sent, 0, 0, 0, replied, 0, 0)


def test_z_and_p_match_the_hand_computed_values() -> None:
    # 30/200 = 0.15 against 15/200 = 0.075; pooled 45/400 = 0.1125;
    # se = sqrt(0.1125 * 0.8875 * (1/200 + 1/200)) = sqrt(0.0009984375) = 0.0315981
    # z = 0.075 / 0.0315981 = 2.37356; p = erfc(2.37356 / sqrt(2)) = 0.017617
    found = two_proportion_z(30, 200, 15, 200)
    assert found is not None
    z, p = found
    assert z == pytest.approx(2.373563, abs=1e-6)
    assert p == pytest.approx(0.017617, abs=1e-6)
    # 30/200 against 22/200: pooled 0.13, se = sqrt(0.13 * 0.87 / 100) = 0.0336303,
    # z = 0.04 / 0.0336303 = 1.18940, p = erfc(1.18940 / sqrt(2)) = 0.234281
    found = two_proportion_z(30, 200, 22, 200)
    assert found is not None
    assert found[0] == pytest.approx(1.189402, abs=1e-6)
    assert found[1] == pytest.approx(0.234281, abs=1e-6)
    back = two_proportion_z(15, 200, 30, 200)
    assert back is not None and back[0] == pytest.approx(-z) and back[1] == pytest.approx(p)


@pytest.mark.parametrize(
    "counts", [(0, 0, 5, 10), (5, 10, 0, 0), (0, 0, 0, 0), (0, 50, 0, 80), (50, 50, 80, 80)]
)
def test_an_undefined_test_is_none(counts: tuple[int, int, int, int]) -> None:
    assert two_proportion_z(*counts) is None


def test_a_single_variant_has_no_verdict() -> None:
    assert verdict(1, [_variant("A", 500, 40)]) is None


def test_below_the_minimum_sample_it_is_too_early() -> None:
    found = verdict(1, [_variant("A", 500, 100), _variant("B", MIN_SAMPLE - 1, 1)])
    assert found is not None
    assert found.winner is None and found.leader == "A"
    assert found.note == f"too early: {MIN_SAMPLE - 1} sends in the smallest variant, 100 needed"


def test_no_winner_while_the_difference_could_be_chance() -> None:
    found = verdict(2, [_variant("A", 200, 22), _variant("B", 200, 30)])
    assert found is not None
    assert (found.step, found.leader, found.runner_up, found.winner) == (2, "B", "A", None)
    assert found.p_value == pytest.approx(0.234281, abs=1e-6)
    assert found.note == "no significant difference yet (p = 0.234)"
    flat = verdict(1, [_variant("A", 200, 0), _variant("B", 200, 0)])
    assert flat is not None and flat.winner is None and flat.p_value is None
    assert flat.note == "no significant difference yet (p = n/a)"


def test_a_winner_past_the_sample_and_at_p_under_005() -> None:
    found = verdict(1, [_variant("A", 200, 15), _variant("B", 200, 30), _variant("C", 200, 14)])
    assert found is not None
    assert (found.leader, found.runner_up, found.winner) == ("B", "A", "B")
    assert found.z == pytest.approx(2.373563, abs=1e-6)
    assert found.note == "B replies more than A (p = 0.0176)"
