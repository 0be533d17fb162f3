"""Tests for the mainland China working-day calendar, on the published 2026 schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest

from scheduler.workdays import SHANGHAI, DayKind, HalfDay, Slot, WorkCalendar

D = date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """Share one calendar so each year is loaded once."""
    return WorkCalendar()


def days(start: date, end: date) -> list[date]:
    """List every date from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# Days off in 2026 from the State Council's holiday notice for that year.
DAYS_OFF_2026 = [
    D(2026, 1, 1),
    D(2026, 1, 2),
    *days(D(2026, 2, 16), D(2026, 2, 20)),
    D(2026, 2, 23),
    *days(D(2026, 5, 1), D(2026, 5, 5)),
    *days(D(2026, 10, 1), D(2026, 10, 7)),
]
WEEKEND_WORKDAYS_2026 = [
    D(2026, 1, 4),
    D(2026, 2, 14),
    D(2026, 2, 28),
    D(2026, 5, 9),
    D(2026, 9, 20),
    D(2026, 10, 10),
]


@pytest.mark.parametrize("day", DAYS_OFF_2026, ids=str)
def test_published_days_off_are_not_working_days(cal: WorkCalendar, day: date) -> None:
    assert not cal.is_working_day(day)


@pytest.mark.parametrize("day", WEEKEND_WORKDAYS_2026, ids=str)
def test_weekend_days_worked_under_tiaoxiu_are_working_days(cal: WorkCalendar, day: date) -> None:
    assert day.weekday() >= 5
    assert cal.is_working_day(day)
    assert cal.day_kind(day) is DayKind.ADJUSTED_WORKDAY
    assert cal.holiday_name(day) is None


def test_ordinary_weekday_and_saturday(cal: WorkCalendar) -> None:
    assert cal.is_working_day(D(2026, 3, 11))
    assert cal.day_kind(D(2026, 3, 11)) is DayKind.WORKDAY
    assert not cal.is_working_day(D(2026, 3, 14))
    assert cal.day_kind(D(2026, 3, 14)) is DayKind.WEEKEND


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (D(2026, 1, 1), DayKind.HOLIDAY),
        (D(2026, 1, 2), DayKind.ADJUSTED_DAY_OFF),
        (D(2026, 1, 3), DayKind.WEEKEND),
        (D(2026, 1, 4), DayKind.ADJUSTED_WORKDAY),
        (D(2026, 1, 5), DayKind.WORKDAY),
        (D(2026, 2, 17), DayKind.HOLIDAY),
        (D(2026, 2, 20), DayKind.ADJUSTED_DAY_OFF),
        (D(2026, 2, 21), DayKind.WEEKEND),
        (D(2026, 2, 23), DayKind.ADJUSTED_DAY_OFF),
        # A holiday on a Saturday is reported as the holiday, not as a plain weekend.
        (D(2026, 5, 2), DayKind.HOLIDAY),
        (D(2026, 5, 3), DayKind.WEEKEND),
        (D(2026, 5, 5), DayKind.ADJUSTED_DAY_OFF),
        (D(2026, 10, 1), DayKind.HOLIDAY),
        (D(2026, 10, 7), DayKind.ADJUSTED_DAY_OFF),
    ],
    ids=str,
)
def test_day_kind(cal: WorkCalendar, day: date, kind: DayKind) -> None:
    assert cal.day_kind(day) is kind


def test_day_kind_agrees_with_holidays_library_all_year(cal: WorkCalendar) -> None:
    reference = holidays.China(years=2026)
    for day in days(D(2026, 1, 1), D(2026, 12, 31)):
        assert cal.is_working_day(day) == reference.is_working_day(day), day


def test_day_kind_labels_and_working_flag() -> None:
    assert {k for k in DayKind if k.is_working} == {DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY}
    assert DayKind.ADJUSTED_WORKDAY.label_zh == "调休上班"
    assert all(k.label_zh for k in DayKind)


def test_swap_across_new_year_is_seen_from_either_year(cal: WorkCalendar) -> None:
    # Sat 2001-12-29 was worked in exchange for 2002-01-02, a swap published with 2002's notice.
    assert cal.day_kind(D(2001, 12, 29)) is DayKind.ADJUSTED_WORKDAY
    assert cal.day_kind(D(2002, 1, 2)) is DayKind.ADJUSTED_DAY_OFF


def test_holiday_name_in_chinese_and_english(cal: WorkCalendar) -> None:
    assert cal.holiday_name(D(2026, 1, 1)) == "元旦"
    assert cal.holiday_name(D(2026, 2, 17)) == "春节"
    assert cal.holiday_name(D(2026, 10, 1), lang="zh") == "国庆节"
    assert cal.holiday_name(D(2026, 1, 1), lang="en") == "New Year's Day"
    assert cal.holiday_name(D(2026, 1, 2), lang="zh") == "休息日（由 2026-01-04 调休）"
    assert cal.holiday_name(D(2026, 1, 2), lang="en") == "Day off (substituted from 01/04/2026)"


def test_holiday_name_is_none_on_ordinary_days(cal: WorkCalendar) -> None:
    assert cal.holiday_name(D(2026, 3, 11)) is None
    assert cal.holiday_name(D(2026, 3, 14)) is None


def test_holiday_name_rejects_unknown_language(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="unsupported language 'fr'"):
        cal.holiday_name(D(2026, 1, 1), lang="fr")  # type: ignore[arg-type]


def test_working_days_lists_range_inclusively(cal: WorkCalendar) -> None:
    assert cal.working_days(D(2026, 1, 1), D(2026, 1, 6)) == [
        D(2026, 1, 4),
        D(2026, 1, 5),
        D(2026, 1, 6),
    ]
    assert cal.working_days(D(2026, 3, 11), D(2026, 3, 11)) == [D(2026, 3, 11)]
    assert cal.working_days(D(2026, 3, 14), D(2026, 3, 14)) == []


def test_working_days_across_years(cal: WorkCalendar) -> None:
    assert cal.working_days(D(2025, 12, 31), D(2026, 1, 5)) == [
        D(2025, 12, 31),
        D(2026, 1, 4),
        D(2026, 1, 5),
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 20 weekdays, minus Feb 16-20 and 23 off, plus Sat Feb 14 and 28 worked.
        (D(2026, 2, 1), D(2026, 2, 28), 16),
        # 22 weekdays, minus Oct 1, 2, 5, 6, 7 off, plus Sat Oct 10 worked.
        (D(2026, 10, 1), D(2026, 10, 31), 18),
        # 22 weekdays, minus Jan 1 and 2 off, plus Sun Jan 4 worked.
        (D(2026, 1, 1), D(2026, 1, 31), 21),
        (D(2026, 3, 14), D(2026, 3, 15), 0),
    ],
    ids=str,
)
def test_count_working_days(cal: WorkCalendar, start: date, end: date, expected: int) -> None:
    assert cal.count_working_days(start, end) == expected


@pytest.mark.parametrize("method", ["working_days", "count_working_days", "working_slots"], ids=str)
def test_range_with_end_before_start_is_rejected(cal: WorkCalendar, method: str) -> None:
    with pytest.raises(ValueError, match="end 2026-02-01 is before start 2026-02-28"):
        getattr(cal, method)(D(2026, 2, 28), D(2026, 2, 1))


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        # The start day does not count, even when it is a working day.
        (D(2026, 3, 11), 1, D(2026, 3, 12)),
        (D(2026, 3, 13), 1, D(2026, 3, 16)),
        (D(2025, 12, 31), 1, D(2026, 1, 4)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),
        (D(2026, 2, 14), 1, D(2026, 2, 24)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),
        (D(2026, 9, 30), 3, D(2026, 10, 10)),
        (D(2026, 4, 30), 1, D(2026, 5, 6)),
        (D(2026, 4, 30), 4, D(2026, 5, 9)),
    ],
    ids=str,
)
def test_next_working_day(cal: WorkCalendar, day: date, n: int, expected: date) -> None:
    assert cal.next_working_day(day, n) == expected


@pytest.mark.parametrize("n", [0, -1])
def test_next_working_day_rejects_non_positive_n(cal: WorkCalendar, n: int) -> None:
    with pytest.raises(ValueError, match=f"n must be at least 1, got {n}"):
        cal.next_working_day(D(2026, 3, 11), n)


def test_datetimes_are_read_as_shanghai_dates(cal: WorkCalendar) -> None:
    # 2026-01-03 20:00 UTC is 04:00 on Sunday 2026-01-04 in Shanghai, a 调休 working day.
    assert cal.day_kind(datetime(2026, 1, 3, 20, 0, tzinfo=UTC)) is DayKind.ADJUSTED_WORKDAY
    # Naive datetimes are already local.
    assert cal.day_kind(datetime(2026, 1, 3, 20, 0)) is DayKind.WEEKEND
    assert cal.next_working_day(datetime(2026, 1, 3, 20, 0, tzinfo=UTC)) == D(2026, 1, 5)


def test_years_without_data_are_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="no holiday data for 1900"):
        cal.is_working_day(D(1900, 1, 1))


def test_calendars_are_frozen_and_interchangeable() -> None:
    first, second = WorkCalendar(), WorkCalendar()
    first.is_working_day(D(2026, 1, 1))
    assert first == second
    assert hash(first) == hash(second)
    with pytest.raises(AttributeError):
        first._years = {}  # type: ignore[misc]


def test_slot_times_and_labels() -> None:
    assert (Slot.AM.start, Slot.AM.end) == (time(9, 0), time(12, 0))
    assert (Slot.PM.start, Slot.PM.end) == (time(14, 0), time(17, 30))
    assert (Slot.AM.label_zh, Slot.PM.label_zh) == ("上午", "下午")


def test_half_day_bounds_are_aware_shanghai_datetimes() -> None:
    half = HalfDay(D(2026, 1, 4), Slot.PM)
    assert half.start == datetime(2026, 1, 4, 14, 0, tzinfo=SHANGHAI)
    assert half.end == datetime(2026, 1, 4, 17, 30, tzinfo=SHANGHAI)
    assert half.start.utcoffset() == timedelta(hours=8)


def test_half_days_sort_by_date_then_slot() -> None:
    halves = [
        HalfDay(D(2026, 1, 5), Slot.AM),
        HalfDay(D(2026, 1, 4), Slot.PM),
        HalfDay(D(2026, 1, 4), Slot.AM),
    ]
    assert sorted(halves) == halves[::-1]


def test_working_slots_cover_working_days_only(cal: WorkCalendar) -> None:
    assert cal.working_slots(D(2026, 1, 2), D(2026, 1, 5)) == [
        HalfDay(D(2026, 1, 4), Slot.AM),
        HalfDay(D(2026, 1, 4), Slot.PM),
        HalfDay(D(2026, 1, 5), Slot.AM),
        HalfDay(D(2026, 1, 5), Slot.PM),
    ]
    assert len(cal.working_slots(D(2026, 2, 1), D(2026, 2, 28))) == 2 * 16
