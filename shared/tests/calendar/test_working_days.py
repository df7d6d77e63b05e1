"""Working-day deadlines on the official calendar: 调休, notices, overrides, unknown years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hotline_shared.calendar import (
    MAX_NON_WORKING_RUN,
    SHANGHAI,
    DaySource,
    Deadline,
    DeadlineUnit,
    WorkingCalendar,
    YearNotice,
    compute_deadline,
    default_calendar,
)


def sh(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


CAL = default_calendar()


def test_three_working_days_over_national_day_end_on_the_makeup_saturday() -> None:
    deadline = CAL.add_working_days(sh(2026, 9, 30, 10), 3)

    assert deadline == Deadline(sh(2026, 10, 10, 17, 30), provisional=False)
    assert deadline.due_at.isoformat() == "2026-10-10T17:30:00+08:00"
    assert deadline.due_at.weekday() == 5  # a Saturday, counted because it is a 调休 workday


def test_receipt_time_and_input_timezone_do_not_change_the_due_day() -> None:
    expected = sh(2026, 10, 10, 17, 30)
    for received in (
        sh(2026, 9, 30, 0, 1),
        sh(2026, 9, 30, 23, 59),
        datetime(2026, 9, 30, 2, 0, tzinfo=UTC),  # 10:00 in Shanghai
        datetime(2026, 9, 29, 12, 0, tzinfo=ZoneInfo("America/New_York")),  # 2026-09-30 00:00 +08
    ):
        due = CAL.add_working_days(received, 3).due_at
        assert due == expected
        assert due.tzinfo == SHANGHAI


def test_received_during_the_holiday_counts_from_the_next_working_day() -> None:
    assert CAL.add_working_days(sh(2026, 10, 3, 11), 1).due_at == sh(2026, 10, 8, 17, 30)
    assert CAL.add_working_days(sh(2026, 10, 3, 11), 3).due_at == sh(2026, 10, 10, 17, 30)


def test_zero_working_days_is_close_of_office_on_the_receipt_day_or_the_next_working_day() -> None:
    assert CAL.add_working_days(sh(2026, 9, 30, 10), 0).due_at == sh(2026, 9, 30, 17, 30)
    assert CAL.add_working_days(sh(2026, 9, 30, 17, 30), 0).due_at == sh(2026, 9, 30, 17, 30)
    assert CAL.add_working_days(sh(2026, 10, 1, 10), 0).due_at == sh(2026, 10, 8, 17, 30)
    # After close the receipt day's close is already past; the deadline must not precede receipt.
    assert CAL.add_working_days(sh(2026, 9, 30, 19), 0).due_at == sh(2026, 10, 8, 17, 30)


def test_national_day_2026_days() -> None:
    assert not any(CAL.is_working_day(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.is_working_day(date(2026, 9, 20))  # Sunday makeup day
    assert CAL.is_working_day(date(2026, 10, 10))  # Saturday makeup day
    assert not CAL.is_working_day(date(2026, 10, 11))
    assert not CAL.is_working_day(date(2026, 9, 25))  # Mid-Autumn Festival
    assert CAL.day_status(date(2026, 10, 10)).source is DaySource.CHINESE_CALENDAR


def test_spring_festival_2026_and_its_makeup_saturdays() -> None:
    assert CAL.is_working_day(date(2026, 2, 14))
    assert not any(CAL.is_working_day(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert CAL.is_working_day(date(2026, 2, 24))
    assert CAL.is_working_day(date(2026, 2, 28))

    received = sh(2026, 2, 13, 15)
    assert CAL.add_working_days(received, 1).due_at == sh(2026, 2, 14, 17, 30)
    assert CAL.add_working_days(received, 2).due_at == sh(2026, 2, 24, 17, 30)
    # 15 working days (投诉) from the Friday before the festival: 2-14, 2-24..2-28, 3-2..3-6, 3-9..3-12.
    assert CAL.add_working_days(received, 15).due_at == sh(2026, 3, 12, 17, 30)


def test_a_deadline_running_into_an_unknown_year_is_provisional_and_does_not_crash() -> None:
    deadline = CAL.add_working_days(sh(2026, 12, 28, 9), 5)

    # 12-29, 12-30, 12-31, (2027-01-01 New Year by rule), 01-04, 01-05.
    assert deadline == Deadline(sh(2027, 1, 5, 17, 30), provisional=True)
    assert CAL.is_provisional(date(2027, 1, 4))
    assert CAL.day_status(date(2027, 1, 1)).source is DaySource.FALLBACK
    assert not CAL.is_provisional(date(2026, 12, 31))


def test_loading_the_next_years_notice_makes_it_authoritative() -> None:
    notice = YearNotice(2027, holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset())
    calendar = CAL.with_notice(notice)

    assert calendar.add_working_days(sh(2026, 12, 28, 9), 5) == Deadline(sh(2027, 1, 5, 17, 30), False)
    assert calendar.day_status(date(2027, 1, 4)).source is DaySource.NOTICE
    assert CAL.is_provisional(date(2027, 1, 4))  # the original instance is unchanged


def test_a_notice_decides_even_where_it_disagrees_with_the_rule() -> None:
    # A made-up notice: 01-04 off, Sunday 01-03 a makeup day.
    notice = YearNotice(2027, holidays=frozenset({date(2027, 1, 1), date(2027, 1, 4)}),
                        workdays=frozenset({date(2027, 1, 3)}))  # fmt: skip
    calendar = WorkingCalendar(notices=[notice])

    assert calendar.is_working_day(date(2027, 1, 3))
    assert not calendar.is_working_day(date(2027, 1, 4))
    assert calendar.add_working_days(sh(2026, 12, 31, 9), 2) == Deadline(sh(2027, 1, 5, 17, 30), False)


def test_a_notice_overrides_the_chinese_calendar_data_for_a_known_year() -> None:
    calendar = WorkingCalendar(notices=[YearNotice(2026)])  # a notice with no holidays at all

    assert calendar.is_working_day(date(2026, 10, 1))
    assert not calendar.is_working_day(date(2026, 10, 10))


def test_typhoon_day_override_pushes_the_deadline() -> None:
    typhoon = WorkingCalendar(overrides={date(2026, 9, 15): False})
    received = sh(2026, 9, 14, 10)

    assert CAL.add_working_days(received, 1).due_at == sh(2026, 9, 15, 17, 30)
    assert typhoon.add_working_days(received, 1) == Deadline(sh(2026, 9, 16, 17, 30), False)
    assert typhoon.day_status(date(2026, 9, 15)).source is DaySource.OVERRIDE


def test_overrides_win_over_notices_and_can_add_a_working_day() -> None:
    notice = YearNotice(2027, holidays=frozenset({date(2027, 1, 1)}))
    calendar = WorkingCalendar(notices=[notice], overrides={date(2027, 1, 1): True, date(2027, 1, 5): False})
    assert calendar.is_working_day(date(2027, 1, 1))
    assert not calendar.is_working_day(date(2027, 1, 5))
    # Override days are explicit facts, so a fallback year's override day is not provisional.
    fallback_year = WorkingCalendar(overrides={date(2031, 3, 3): False})
    assert not fallback_year.is_provisional(date(2031, 3, 3))
    assert fallback_year.is_provisional(date(2031, 3, 4))


def test_with_overrides_merges_and_later_overrides_win() -> None:
    calendar = WorkingCalendar(overrides={date(2026, 9, 15): False}).with_overrides(
        {date(2026, 9, 15): True, date(2026, 9, 16): False}
    )
    assert calendar.is_working_day(date(2026, 9, 15))
    assert not calendar.is_working_day(date(2026, 9, 16))


def test_fallback_knows_lunar_festivals_of_an_unknown_year() -> None:
    # 2027 Spring Festival is 02-06 and Mid-Autumn 09-15 by the lunar calendar.
    assert not CAL.is_working_day(date(2027, 2, 8))  # a Monday inside the festival
    assert not CAL.is_working_day(date(2027, 9, 15))  # a Wednesday
    assert CAL.is_working_day(date(2027, 9, 14))
    assert not CAL.is_working_day(date(2027, 9, 18))  # Saturday
    assert all(CAL.is_provisional(d) for d in (date(2027, 2, 8), date(2027, 9, 14)))


@pytest.mark.parametrize("year", [1999, 2003, 2030, 2150, 2400])
def test_years_far_outside_the_data_still_give_answers(year: int) -> None:
    deadline = CAL.add_working_days(sh(year, 6, 10, 9), 10)
    assert deadline.provisional
    assert CAL.is_working_moment(deadline.due_at)


def test_the_first_year_chinese_calendar_lacks_falls_back_to_rules() -> None:
    import chinese_calendar

    first_unknown = max(chinese_calendar.holidays).year + 1
    assert CAL.day_status(date(first_unknown, 3, 10)).source is DaySource.FALLBACK
    assert CAL.day_status(date(first_unknown - 1, 3, 10)).source is DaySource.CHINESE_CALENDAR


def test_a_calendar_without_any_working_day_fails_loudly_instead_of_looping() -> None:
    start = date(2026, 3, 1)
    never = WorkingCalendar(overrides={start + timedelta(days=i): False for i in range(MAX_NON_WORKING_RUN + 5)})
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_days(sh(2026, 3, 1, 9), 1)
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_hours(sh(2026, 3, 1, 9), 1)


def test_is_working_day_takes_a_datetime_as_its_shanghai_date() -> None:
    # 2026-09-30 20:00 UTC is already 2026-10-01 04:00 in Shanghai.
    assert not CAL.is_working_day(datetime(2026, 9, 30, 20, tzinfo=UTC))
    assert CAL.is_working_day(datetime(2026, 9, 30, 15, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        CAL.is_working_day(datetime(2026, 9, 30, 15))


def test_naive_datetimes_are_rejected_everywhere() -> None:
    naive = datetime(2026, 9, 30, 10)
    aware = sh(2026, 9, 30, 10)
    calls = [
        lambda: CAL.add_working_days(naive, 1),
        lambda: CAL.add_working_hours(naive, 1),
        lambda: CAL.add_calendar_hours(naive, 1),
        lambda: CAL.working_time_between(naive, aware),
        lambda: CAL.working_time_between(aware, naive),
        lambda: CAL.shift_by_working_time(naive, timedelta(hours=1)),
        lambda: CAL.next_working_moment(naive),
        lambda: CAL.is_working_moment(naive),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="naive"):
            call()


@pytest.mark.parametrize("n", [-1, 2.5, Decimal("0.5"), float("nan")])
def test_bad_day_counts_are_rejected(n: object) -> None:
    with pytest.raises(ValueError):
        compute_deadline(CAL, sh(2026, 9, 30, 10), n, DeadlineUnit.WORKING_DAYS)  # type: ignore[arg-type]


def test_a_bool_is_not_a_day_count() -> None:
    with pytest.raises(TypeError):
        CAL.add_working_days(sh(2026, 9, 30, 10), True)


def test_compute_deadline_dispatches_on_the_unit() -> None:
    start = sh(2026, 9, 30, 10)
    assert compute_deadline(CAL, start, 3, DeadlineUnit.WORKING_DAYS).due_at == sh(2026, 10, 10, 17, 30)
    assert compute_deadline(CAL, start, Decimal("3"), "working_days").due_at == sh(2026, 10, 10, 17, 30)
    assert compute_deadline(CAL, start, 8, DeadlineUnit.WORKING_HOURS).due_at == sh(2026, 10, 8, 10, 30)
    assert compute_deadline(CAL, start, 24, "calendar_hours") == Deadline(sh(2026, 10, 1, 10), False)
    with pytest.raises(ValueError):
        compute_deadline(CAL, start, 1, "fortnights")


def test_default_calendar_is_shared() -> None:
    assert default_calendar() is default_calendar()
    assert default_calendar().notices == {}
    assert default_calendar().overrides == {}


class TestYearNotice:
    def test_accepts_lists_and_stores_frozensets(self) -> None:
        notice = YearNotice(2027, holidays=[date(2027, 1, 1)], workdays=[date(2027, 2, 20)])  # type: ignore[arg-type]
        assert notice.holidays == frozenset({date(2027, 1, 1)})
        assert isinstance(notice.workdays, frozenset)
        assert hash(notice)

    def test_rejects_dates_of_another_year(self) -> None:
        with pytest.raises(ValueError, match="another year"):
            YearNotice(2027, holidays=frozenset({date(2026, 12, 31)}))

    def test_rejects_a_day_listed_as_both(self) -> None:
        with pytest.raises(ValueError, match="both"):
            YearNotice(2027, holidays=frozenset({date(2027, 2, 20)}), workdays=frozenset({date(2027, 2, 20)}))

    def test_rejects_a_makeup_day_on_a_weekday(self) -> None:
        with pytest.raises(ValueError, match="Saturday or Sunday"):
            YearNotice(2027, workdays=frozenset({date(2027, 2, 22)}))

    def test_rejects_datetimes(self) -> None:
        with pytest.raises(TypeError):
            YearNotice(2027, holidays=frozenset({sh(2027, 1, 1)}))

    def test_rejects_a_silly_year(self) -> None:
        with pytest.raises(ValueError):
            YearNotice(0)

    def test_one_notice_per_year(self) -> None:
        with pytest.raises(ValueError, match="two notices"):
            WorkingCalendar(notices=[YearNotice(2027), YearNotice(2027)])

    def test_with_notice_replaces_the_same_year(self) -> None:
        first = WorkingCalendar(notices=[YearNotice(2027, holidays=frozenset({date(2027, 1, 4)}))])
        second = first.with_notice(YearNotice(2027))
        assert not first.is_working_day(date(2027, 1, 4))
        assert second.is_working_day(date(2027, 1, 4))


def test_overrides_must_be_dates_to_booleans() -> None:
    with pytest.raises(TypeError):
        WorkingCalendar(overrides={sh(2026, 9, 15): False})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        WorkingCalendar(overrides={date(2026, 9, 15): 0})  # type: ignore[dict-item]
