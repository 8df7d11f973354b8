"""Campaign windows and business days: what a person types parses to the window they meant,
or to an error naming the window field; the window's days wrap over the weekend; a lead's
zone follows its country."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from penguin_desktop.core.campaigns.schedule import (
    DAYS,
    Window,
    add_business_days,
    lead_zone,
    parse_window,
)
from penguin_desktop.core.platform.errors import ValidationError

MON, TUE, WED, THU, FRI, SAT, SUN = (1 << i for i in range(7))


@pytest.mark.parametrize(
    ("raw", "window"),
    [
        ("Mon-Fri 09:00-17:00", Window(MON | TUE | WED | THU | FRI, 540, 1020)),
        ("Mon,Wed,Fri 08:30-12:00", Window(MON | WED | FRI, 510, 720)),
        ("Sat-Sun 10:00-14:00", Window(SAT | SUN, 600, 840)),
        ("  mon - tue , THU 9:05 - 9:06 ", Window(MON | TUE | THU, 545, 546)),
        ("Mon-Sun 00:00-24:00", Window(127, 0, 1440)),
        ("Fri-Mon 09:00-17:00", Window(FRI | SAT | SUN | MON, 540, 1020)),
        ("Sun-Sat 09:00-17:00", Window(127, 540, 1020)),
    ],
)
def test_a_window_parses_to_its_days_and_minutes(raw: str, window: Window) -> None:
    assert parse_window(raw) == window


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("", "is not like"),
        ("Mon-Fri", "is not like"),
        ("weekdays 09:00-17:00", "is not like"),
        ("Mon-Fri 17:00-09:00", "ends before it starts"),
        ("Mon-Fri 09:00-09:00", "ends before it starts"),
        ("Mon-Fri 09:60-17:00", "is not a time of day"),
        ("Mon-Fri 09:00-24:01", "is not a time of day"),
        ("Mon-Frx 09:00-17:00", "is not a day"),
    ],
)
def test_a_bad_window_is_refused_naming_the_window_field(raw: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_window(raw)
    assert refused.value.field == "window"
    assert says in str(refused.value)


def test_next_open_skips_to_the_next_open_day() -> None:
    office = parse_window("Mon-Fri 09:00-17:00")
    friday_evening = datetime(2026, 3, 6, 18, 30)
    assert office.next_open(friday_evening) == datetime(2026, 3, 9, 9, 0)
    assert office.next_open(datetime(2026, 3, 7, 12, 0)) == datetime(2026, 3, 9, 9, 0)
    assert office.next_open(datetime(2026, 3, 9, 7, 15, 30)) == datetime(2026, 3, 9, 9, 0)
    inside = datetime(2026, 3, 9, 10, 45, 12)
    assert office.next_open(inside) == inside
    weekend = parse_window("Fri-Mon 09:00-17:00")  # wraps over Sunday
    assert weekend.next_open(datetime(2026, 3, 10, 9, 0)) == datetime(2026, 3, 13, 9, 0)


def test_business_days_skip_the_weekend() -> None:
    thursday, friday, saturday = (datetime(2026, 3, d, 10) for d in (5, 6, 7))
    assert add_business_days(friday, 0) == friday
    assert add_business_days(friday, 1) == datetime(2026, 3, 9, 10)
    assert add_business_days(thursday, 3) == datetime(2026, 3, 10, 10)
    assert add_business_days(saturday, 1) == datetime(2026, 3, 9, 10)
    assert add_business_days(friday, 5) == datetime(2026, 3, 13, 10)


def test_a_leads_zone_follows_its_country_or_falls_back() -> None:
    assert lead_zone("DE", "UTC").key == "Europe/Berlin"
    assert lead_zone("us", "UTC").key == "America/New_York"
    assert lead_zone("ZZ", "Asia/Tokyo").key == "Asia/Tokyo"
    assert lead_zone(None, "Europe/Paris").key == "Europe/Paris"
    assert lead_zone(None, "lead").key == "UTC"  # a 'lead' campaign's own zone is no zone


_DAY = st.sampled_from([d.capitalize() for d in DAYS] + [d.upper() for d in DAYS])
_PART = st.one_of(_DAY, st.tuples(_DAY, _DAY).map("-".join))


@st.composite
def typed_windows(draw: st.DrawFn) -> str:
    """A window as a person might type it: any days, ranges (wrapping too), any times."""
    days = ",".join(draw(st.lists(_PART, min_size=1, max_size=4)))
    start = draw(st.integers(0, 24 * 60 - 1))
    end = draw(st.integers(start + 1, 24 * 60))
    return f"{days} {start // 60}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@given(typed_windows())
def test_a_window_shown_reads_back_as_the_same_window(raw: str) -> None:
    window = parse_window(raw)
    assert parse_window(str(window)) == window
