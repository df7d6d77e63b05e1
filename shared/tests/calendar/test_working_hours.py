"""Working-hour limits, calendar-hour limits, measuring working time and shifting deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from hotline_shared.calendar import SHANGHAI, Deadline, OfficeHours, WorkingCalendar, default_calendar


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


CAL = default_calendar()
MONDAY = (2026, 11, 23)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (sh(*MONDAY, 9), 1, sh(*MONDAY, 10)),
        (sh(*MONDAY, 11), 2, sh(*MONDAY, 14, 30)),  # lunch 12:00-13:30 does not count
        (sh(*MONDAY, 11), 1, sh(*MONDAY, 12)),  # filling the morning ends at 12:00, not 13:30
        (sh(*MONDAY, 17), 1, sh(2026, 11, 24, 9)),  # overnight
        (sh(2026, 11, 27, 17), 1, sh(2026, 11, 30, 9)),  # Friday evening to Monday morning
        (sh(*MONDAY, 7), 1, sh(*MONDAY, 9, 30)),  # before opening: counting starts at 08:30
        (sh(*MONDAY, 12, 30), 0.5, sh(*MONDAY, 14)),  # during lunch: starts at 13:30
        (sh(*MONDAY, 20), 0, sh(2026, 11, 24, 8, 30)),
        (sh(*MONDAY, 8, 30), 7.5, sh(*MONDAY, 17, 30)),  # a full office day
        (sh(*MONDAY, 9), 7.5, sh(2026, 11, 24, 9)),
        (sh(*MONDAY, 8, 30), 37.5, sh(2026, 11, 27, 17, 30)),  # a full office week
        (sh(*MONDAY, 9), Decimal("1.25"), sh(*MONDAY, 10, 15)),
        (sh(2026, 10, 9, 17), 1, sh(2026, 10, 10, 9)),  # makeup Saturday has office hours
        (sh(2026, 9, 30, 17), 1, sh(2026, 10, 8, 9)),  # skips the National Day week
    ],
)
def test_add_working_hours(start: datetime, hours: float, due: datetime) -> None:
    assert CAL.add_working_hours(start, hours) == Deadline(due, provisional=False)


def test_working_hours_start_in_another_timezone_and_return_shanghai_time() -> None:
    due = CAL.add_working_hours(datetime(2026, 11, 23, 1, 0, tzinfo=UTC), 1).due_at  # 09:00 in Shanghai
    assert due == sh(*MONDAY, 10)
    assert due.tzinfo == SHANGHAI


@pytest.mark.parametrize("hours", [-1, float("nan"), float("inf"), Decimal("NaN"), Decimal("-0.5"), 1e30])
def test_bad_hours_are_rejected(hours: float) -> None:
    with pytest.raises(ValueError):
        CAL.add_working_hours(sh(*MONDAY, 9), hours)
    with pytest.raises(ValueError):
        CAL.add_calendar_hours(sh(*MONDAY, 9), hours)


def test_hours_must_be_a_number() -> None:
    with pytest.raises(TypeError):
        CAL.add_working_hours(sh(*MONDAY, 9), "2")  # type: ignore[arg-type]


def test_calendar_hours_run_day_and_night_through_holidays() -> None:
    assert CAL.add_calendar_hours(sh(2026, 10, 1, 10), 24) == Deadline(sh(2026, 10, 2, 10), False)
    assert CAL.add_calendar_hours(sh(2026, 10, 3, 23, 50), 0.25).due_at == sh(2026, 10, 4, 0, 5)
    assert CAL.add_calendar_hours(sh(2026, 10, 3, 23, 50), Decimal("0.5")).due_at == sh(2026, 10, 4, 0, 20)
    due = CAL.add_calendar_hours(datetime(2026, 10, 1, 0, 0, tzinfo=UTC), 1).due_at
    assert due == sh(2026, 10, 1, 9)
    assert due.tzinfo == SHANGHAI


def test_calendar_hours_into_an_unknown_year_are_not_provisional() -> None:
    assert not CAL.add_calendar_hours(sh(2026, 12, 31, 20), 24).provisional


def test_working_hours_into_an_unknown_year_are_provisional() -> None:
    assert CAL.add_working_hours(sh(2026, 12, 31, 17), 1) == Deadline(sh(2027, 1, 4, 9), True)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (sh(*MONDAY, 9), sh(*MONDAY, 10), timedelta(hours=1)),
        (sh(*MONDAY, 11), sh(*MONDAY, 14), timedelta(hours=1, minutes=30)),
        (sh(*MONDAY, 12), sh(*MONDAY, 13, 30), timedelta(0)),
        (sh(*MONDAY, 17), sh(2026, 11, 24, 9), timedelta(hours=1)),
        (sh(*MONDAY, 0), sh(2026, 11, 30, 0), timedelta(hours=37, minutes=30)),
        (sh(2026, 11, 27, 17), sh(2026, 11, 30, 9), timedelta(hours=1)),
        (sh(2026, 9, 30, 17), sh(2026, 10, 8, 9), timedelta(hours=1)),  # the holiday week counts nothing
        (sh(2026, 10, 3, 9), sh(2026, 10, 3, 15), timedelta(0)),
        (sh(*MONDAY, 9), sh(*MONDAY, 9), timedelta(0)),
    ],
)
def test_working_time_between(a: datetime, b: datetime, expected: timedelta) -> None:
    assert CAL.working_time_between(a, b) == expected


def test_working_time_between_is_antisymmetric() -> None:
    assert CAL.working_time_between(sh(*MONDAY, 14), sh(*MONDAY, 11)) == -timedelta(hours=1, minutes=30)


def test_seventy_five_percent_of_a_working_hours_limit() -> None:
    start = sh(*MONDAY, 11)
    due = CAL.add_working_hours(start, 8).due_at
    allowed = CAL.working_time_between(start, due)
    used = CAL.working_time_between(start, sh(2026, 11, 24, 9, 30))
    assert allowed == timedelta(hours=8)
    assert used / allowed == 0.75


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        (sh(*MONDAY, 8, 29), False),
        (sh(*MONDAY, 8, 30), True),
        (sh(*MONDAY, 12), True),
        (sh(*MONDAY, 12, 1), False),
        (sh(*MONDAY, 13, 30), True),
        (sh(*MONDAY, 17, 30), True),  # close of office: where working-day deadlines fall
        (sh(*MONDAY, 17, 31), False),
        (sh(2026, 11, 28, 10), False),  # ordinary Saturday
        (sh(2026, 10, 10, 10), True),  # makeup Saturday
        (sh(2026, 10, 2, 10), False),  # National Day
        (datetime(2026, 11, 23, 2, 0, tzinfo=UTC), True),  # 10:00 Shanghai
    ],
)
def test_is_working_moment(moment: datetime, working: bool) -> None:
    assert CAL.is_working_moment(moment) is working


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (sh(*MONDAY, 9), sh(*MONDAY, 9)),
        (sh(*MONDAY, 12, 15), sh(*MONDAY, 13, 30)),
        (sh(*MONDAY, 18), sh(2026, 11, 24, 8, 30)),
        (sh(2026, 9, 30, 18), sh(2026, 10, 8, 8, 30)),
        (sh(2026, 10, 9, 18), sh(2026, 10, 10, 8, 30)),
    ],
)
def test_next_working_moment(moment: datetime, expected: datetime) -> None:
    assert CAL.next_working_moment(moment) == expected


def test_a_pause_shifts_the_deadline_by_the_paused_working_time() -> None:
    due = CAL.add_working_days(sh(*MONDAY, 10), 5).due_at  # Mon 11-30 17:30
    paused = CAL.working_time_between(sh(2026, 11, 24, 16), sh(2026, 11, 25, 10))  # 1.5 h + 1.5 h
    assert paused == timedelta(hours=3)
    assert CAL.shift_by_working_time(due, paused) == Deadline(sh(2026, 12, 1, 11, 30), False)


def test_a_zero_shift_leaves_even_an_off_hours_deadline_alone() -> None:
    urgent_due = sh(2026, 10, 2, 3)
    assert CAL.shift_by_working_time(urgent_due, timedelta(0)).due_at == urgent_due


def test_a_deadline_cannot_be_shifted_earlier() -> None:
    with pytest.raises(ValueError, match="later"):
        CAL.shift_by_working_time(sh(*MONDAY, 10), timedelta(hours=-1))
    with pytest.raises(TypeError):
        CAL.shift_by_working_time(sh(*MONDAY, 10), 1)  # type: ignore[arg-type]


class TestOfficeHours:
    def test_default_pattern(self) -> None:
        hours = OfficeHours()
        assert str(hours) == "08:30-12:00,13:30-17:30"
        assert hours.daily_duration == timedelta(hours=7, minutes=30)
        assert (hours.opening, hours.closing) == (time(8, 30), time(17, 30))

    def test_parse_round_trips(self) -> None:
        assert str(OfficeHours.parse(" 09:00 - 12:00 , 14:00-18:00")) == "09:00-12:00,14:00-18:00"

    @pytest.mark.parametrize("spec", ["", "9-17", "09:00-25:00", "12:00-09:00", "08:00-12:00,11:00-17:00"])
    def test_parse_rejects_nonsense(self, spec: str) -> None:
        with pytest.raises(ValueError):
            OfficeHours.parse(spec)

    def test_rejects_empty_and_tz_aware_times(self) -> None:
        with pytest.raises(ValueError):
            OfficeHours(())
        with pytest.raises(ValueError):
            OfficeHours(((time(9, tzinfo=UTC), time(17, tzinfo=UTC)),))

    def test_custom_office_hours_drive_every_computation(self) -> None:
        calendar = WorkingCalendar(office_hours=OfficeHours.parse("09:00-18:00"))
        assert calendar.add_working_days(sh(2026, 9, 30, 10), 3).due_at == sh(2026, 10, 10, 18)
        assert calendar.add_working_hours(sh(*MONDAY, 11), 2).due_at == sh(*MONDAY, 13)
        assert calendar.working_time_between(sh(*MONDAY, 0), sh(2026, 11, 25, 0)) == timedelta(hours=18)
        assert calendar.is_working_moment(sh(*MONDAY, 12, 30))
