"""When to try a failed notification again: exponential backoff with equal jitter.

Equal jitter (half the exponential wait fixed, the other half random) rather than full jitter
(anything from zero to the whole wait): full jitter can retry a rate-limited PagerDuty within
seconds, when its documentation asks for a backoff of minutes, while equal jitter keeps at least
half of every wait and still spreads out the retries of many notifiers that failed together.
"""

from __future__ import annotations

import random

MAX_ATTEMPTS = 8
"""Tries per event before the delivery is given up; with the defaults the last one comes about
two hours after the first, long enough to ride out a receiver's deploy or a PagerDuty incident."""

_MAX_DOUBLINGS = 64  # far past any cap; keeps 2**n from overflowing a float on absurd counts


def next_delay(
    attempt: int,
    base: float = 30.0,
    cap: float = 3600.0,
    jitter: random.Random | None = None,
) -> float:
    """Seconds to wait after failed try number `attempt` (1 for the first): `base * 2**(attempt-1)`
    capped at `cap`, then with equal jitter drawn from `jitter`. Without a generator the wait is
    the exact exponential figure, which the faces can show as "next try at" and tests can check."""
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    delay = min(cap, base * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))
    if jitter is None:
        return delay
    return delay / 2 + jitter.uniform(0, delay / 2)
