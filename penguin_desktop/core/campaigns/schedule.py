"""When a campaign may send: its window ("Mon-Fri 09:00-17:00") in the campaign's or the
lead's time zone, and delays counted in business days.

A lead's zone comes from its country through the system's `zone.tab` (the first zone listed for
the country, its most populous); a country the table does not know, or a lead without one,
falls back to the campaign's own zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo, ZoneInfoNotFoundError

from penguin_desktop.core.platform.errors import ValidationError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = 127
LEAD_ZONE = "lead"
_WINDOW = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?(?:\s*,\s*[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3})?)*)"
    r"\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class Window:
    """Days as a bit mask (Monday = 1 ... Sunday = 64) and minutes of the day, end excluded."""

    days: int
    start: int
    end: int

    def __str__(self) -> str:
        """As a person writes it: runs of days as ranges ("Mon-Fri", "Mon,Wed-Fri")."""
        runs: list[list[int]] = []
        for i in range(7):
            if self.days & (1 << i):
                if runs and runs[-1][-1] == i - 1:
                    runs[-1].append(i)
                else:
                    runs.append([i])
        names = [",".join(_day_name(i) for i in r) if len(r) < 3 else
                 f"{_day_name(r[0])}-{_day_name(r[-1])}" for r in runs]  # fmt: skip
        return f"{','.join(names)} {_hhmm(self.start)}-{_hhmm(self.end)}"

    def is_open(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return bool(self.days & (1 << local.weekday())) and self.start <= minute < self.end

    def next_open(self, local: datetime) -> datetime:
        """The first moment at or after `local` (same zone) when the window is open."""
        if self.is_open(local):
            return local
        day = local.replace(second=0, microsecond=0)
        for offset in range(8):
            candidate = (day + timedelta(days=offset)).replace(
                hour=self.start // 60, minute=self.start % 60
            )
            if self.days & (1 << candidate.weekday()) and candidate >= local:
                return candidate
        return local + timedelta(days=7)


def _day_name(index: int) -> str:
    return DAYS[index].capitalize()


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str, what: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValidationError(f"{what} {text!r} is not a time of day", field="window")
    return value


def _day(name: str, raw: str) -> int:
    try:
        return DAYS.index(name.strip().lower()[:3])
    except ValueError:
        raise ValidationError(
            f"{name.strip()!r} in {raw!r} is not a day (Mon, Tue, ... Sun)", field="window"
        ) from None


def parse_window(raw: str) -> Window:
    """`Mon-Fri 09:00-17:00`, `Mon,Wed,Fri 08:30-12:00`, `Sat-Sun 10:00-14:00`."""
    found = _WINDOW.match(raw)
    if not found:
        raise ValidationError(
            f"window {raw!r} is not like 'Mon-Fri 09:00-17:00'", field="window", value=raw
        )
    mask = 0
    for part in found["days"].split(","):
        first, _, last = part.partition("-")
        a, b = _day(first, raw), _day(last or first, raw)
        span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
        for index in span:
            mask |= 1 << index
    start, end = _minutes(found["start"], "start"), _minutes(found["end"], "end")
    if end <= start:
        raise ValidationError(f"window {raw!r} ends before it starts", field="window")
    return Window(mask, start, end)


def zone(name: str) -> ZoneInfo:
    """An IANA zone, or a clear error naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"{name!r} is not a time zone (e.g. Europe/Berlin, America/New_York, or 'lead')",
            field="timezone",
            value=name,
        ) from None


def check_timezone(name: str) -> str:
    if name.strip().lower() == LEAD_ZONE:
        return LEAD_ZONE
    zone(name.strip())
    return name.strip()


@cache
def country_zones() -> dict[str, str]:
    for folder in TZPATH:
        table = Path(folder) / "zone.tab"
        if table.is_file():
            zones: dict[str, str] = {}
            for line in table.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    parts = line.split("\t")
                    if len(parts) >= 3:
                        zones.setdefault(parts[0].upper(), parts[2])
            return zones
    return {}


@cache
def lead_zone(country: str | None, fallback: str) -> ZoneInfo:
    """The zone a lead's window is read in when the campaign follows the lead's zone."""
    name = country_zones().get((country or "").upper(), fallback)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(fallback if fallback != LEAD_ZONE else "UTC")


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` weekdays after `start` (Saturday and Sunday do not count); 0 is `start`."""
    moment = start
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment
