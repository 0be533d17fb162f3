"""Working-day calendar for mainland China, in Asia/Shanghai time.

Chinese public holidays are stretched into longer breaks by 调休 (adjusted rest days): each year
the General Office of the State Council publishes a notice that turns some weekdays next to a
holiday into days off and, in exchange, turns some Saturdays or Sundays into working days, so a
week around 春节 or 国庆节 can have seven days off in a row followed by a six- or seven-day working
week. A weekday is therefore not always a working day and a weekend day not always a day off;
this module answers the question from the ``holidays`` package, which carries the published
notices (for a year not yet announced it knows only the statutory holidays, without any 调休).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Final, Literal
from zoneinfo import ZoneInfo

import holidays

__all__ = ["SHANGHAI", "DayKind", "HalfDay", "Slot", "WorkCalendar"]

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")

Lang = Literal["zh", "en"]

_SATURDAY: Final = 5
# The English label is the library's documented form ("Day off (substituted from 01/04/2026)");
# the Chinese label is meant for people, so it is not parsed.
_SUBSTITUTED_EN: Final = re.compile(r"^Day off \(substituted from \d{2}/\d{2}/\d{4}\)$")
_LIBRARY_LANGUAGE: Final[dict[str, str]] = {"zh": "zh_CN", "en": "en_US"}


class DayKind(StrEnum):
    """Kind of a calendar day under the official schedule."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"
    ADJUSTED_DAY_OFF = "adjusted_day_off"

    @property
    def is_working(self) -> bool:
        """Return whether staff work on a day of this kind."""
        return self in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)

    @property
    def label_zh(self) -> str:
        """Return the Chinese label shown to users."""
        return _DAY_KIND_ZH[self]


_DAY_KIND_ZH: Final[dict[DayKind, str]] = {
    DayKind.WORKDAY: "工作日",
    DayKind.WEEKEND: "周末",
    DayKind.HOLIDAY: "法定节假日",
    DayKind.ADJUSTED_WORKDAY: "调休上班",
    DayKind.ADJUSTED_DAY_OFF: "调休休息",
}


class Slot(StrEnum):
    """Half-day slot of a working day."""

    # Values sort in day order, which HalfDay's ordering relies on.
    AM = "AM"
    PM = "PM"

    @property
    def start(self) -> time:
        """Return the local start time of the slot."""
        return _SLOT_TIMES[self][0]

    @property
    def end(self) -> time:
        """Return the local end time of the slot."""
        return _SLOT_TIMES[self][1]

    @property
    def label_zh(self) -> str:
        """Return the Chinese label shown to users."""
        return "上午" if self is Slot.AM else "下午"


_SLOT_TIMES: Final[dict[Slot, tuple[time, time]]] = {
    Slot.AM: (time(9, 0), time(12, 0)),
    Slot.PM: (time(14, 0), time(17, 30)),
}


@dataclass(frozen=True, order=True, slots=True)
class HalfDay:
    """One half-day slot on one date."""

    day: date
    slot: Slot

    @property
    def start(self) -> datetime:
        """Return the slot start as an aware Asia/Shanghai datetime."""
        return datetime.combine(self.day, self.slot.start, tzinfo=SHANGHAI)

    @property
    def end(self) -> datetime:
        """Return the slot end as an aware Asia/Shanghai datetime."""
        return datetime.combine(self.day, self.slot.end, tzinfo=SHANGHAI)


@dataclass(frozen=True, slots=True)
class _Year:
    """Days off and weekend working days of one calendar year."""

    names: dict[Lang, dict[date, str]]
    substituted: frozenset[date]
    weekend_workdays: frozenset[date]


def _load_year(year: int) -> _Year:
    """Read one year's days off and 调休 working days from the holidays package."""
    if not holidays.China.start_year <= year <= holidays.China.end_year:
        # Outside its range the library returns no holidays at all, which would silently make
        # every weekday a working day.
        raise ValueError(
            f"no holiday data for {year}: supported years are "
            f"{holidays.China.start_year}-{holidays.China.end_year}"
        )
    # A swap can cross New Year (a late-December Saturday worked for a January day off is
    # recorded under the later year), so the neighbouring years are loaded too.
    years = range(year - 1, year + 2)
    names: dict[Lang, dict[date, str]] = {}
    workdays: set[date] = set()
    for lang, language in _LIBRARY_LANGUAGE.items():
        calendar = holidays.China(years=years, language=language)
        names[lang] = {d: name for d, name in calendar.items() if d.year == year}
        workdays.update(d for d in calendar.weekend_workdays if d.year == year)
    substituted = frozenset(d for d, name in names["en"].items() if _SUBSTITUTED_EN.match(name))
    return _Year(names=names, substituted=substituted, weekend_workdays=frozenset(workdays))


def _local_date(d: date) -> date:
    """Return the Asia/Shanghai calendar date of a date or datetime."""
    if isinstance(d, datetime):
        # Naive datetimes are taken as already local: that is how the rest of the system
        # stores wall-clock times.
        return d.astimezone(SHANGHAI).date() if d.tzinfo is not None else d.date()
    return d


def _check_range(start: date, end: date) -> tuple[date, date]:
    """Return the range as local dates, rejecting an end before its start."""
    first, last = _local_date(start), _local_date(end)
    if last < first:
        raise ValueError(f"end {last.isoformat()} is before start {first.isoformat()}")
    return first, last


@dataclass(frozen=True)
class WorkCalendar:
    """Mainland China working-day calendar, loading each year on first use."""

    # Filled lazily; two threads loading the same year just build equal values twice.
    _years: dict[int, _Year] = field(default_factory=dict, init=False, repr=False, compare=False)

    def _year(self, year: int) -> _Year:
        """Return the cached data of one year, loading it on first use."""
        data = self._years.get(year)
        if data is None:
            data = self._years[year] = _load_year(year)
        return data

    def day_kind(self, d: date) -> DayKind:
        """Classify a day as workday, weekend, holiday or one of the two 调休 kinds."""
        day = _local_date(d)
        data = self._year(day.year)
        if day in data.names["zh"]:
            return DayKind.ADJUSTED_DAY_OFF if day in data.substituted else DayKind.HOLIDAY
        if day.weekday() >= _SATURDAY:
            return DayKind.ADJUSTED_WORKDAY if day in data.weekend_workdays else DayKind.WEEKEND
        return DayKind.WORKDAY

    def is_working_day(self, d: date) -> bool:
        """Return whether staff work on this day."""
        return self.day_kind(d).is_working

    def holiday_name(self, d: date, lang: Lang = "zh") -> str | None:
        """Return the name of the holiday or day off on this day, or None on other days."""
        if lang not in _LIBRARY_LANGUAGE:
            raise ValueError(
                f"unsupported language {lang!r}: use one of {sorted(_LIBRARY_LANGUAGE)}"
            )
        day = _local_date(d)
        return self._year(day.year).names[lang].get(day)

    def working_days(self, start: date, end: date) -> list[date]:
        """List the working days from start to end, both included."""
        first, last = _check_range(start, end)
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        return [day for day in days if self.is_working_day(day)]

    def count_working_days(self, start: date, end: date) -> int:
        """Count the working days from start to end, both included."""
        return len(self.working_days(start, end))

    def next_working_day(self, d: date, n: int = 1) -> date:
        """Return the n-th working day strictly after d."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        day = _local_date(d)
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_slots(self, start: date, end: date) -> list[HalfDay]:
        """List the AM and PM slots of the working days from start to end, both included."""
        return [HalfDay(day, slot) for day in self.working_days(start, end) for slot in Slot]
