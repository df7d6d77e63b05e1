"""Properties of the deadline arithmetic, checked over many starts, calendars and timezones.

Starts span 2025-2027 so that the chinese_calendar years and a fallback year are both exercised.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from hotline_shared.calendar import (
    SHANGHAI,
    OfficeHours,
    WorkingCalendar,
    YearNotice,
    default_calendar,
)
from hypothesis import given, settings
from hypothesis import strategies as st

CALENDARS = [
    default_calendar(),
    # Typhoon days, one on a makeup Saturday, and an extra working Sunday.
    WorkingCalendar(overrides={date(2026, 9, 15): False, date(2026, 10, 10): False, date(2025, 7, 6): True}),
    WorkingCalendar(office_hours=OfficeHours.parse("09:00-18:00")),
    WorkingCalendar(
        notices=[YearNotice(2027, holidays=frozenset({date(2027, 1, 1)}), workdays=frozenset({date(2027, 2, 20)}))],
        office_hours=OfficeHours.parse("08:00-11:30,14:00-17:00,19:00-20:30"),
    ),
]

calendars = st.sampled_from(CALENDARS)
moments = st.datetimes(
    min_value=datetime(2025, 1, 1),  # hypothesis takes naive bounds plus timezones
    max_value=datetime(2027, 12, 1),
    timezones=st.sampled_from([SHANGHAI, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
    allow_imaginary=False,
)
day_counts = st.integers(min_value=0, max_value=30)
hour_amounts = st.floats(min_value=0, max_value=300, allow_nan=False, allow_infinity=False)
decimal_hours = st.decimals(min_value=0, max_value=300, places=3)
working_spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))

EXAMPLES = settings(max_examples=150, deadline=None)


def _days_between(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


@EXAMPLES
@given(calendars, moments, day_counts)
def test_more_working_days_never_end_earlier(calendar: WorkingCalendar, start: datetime, n: int) -> None:
    now, later = calendar.add_working_days(start, n).due_at, calendar.add_working_days(start, n + 1).due_at
    assert later >= now
    if n >= 1:
        # From one working day on, each extra day is another close of office later. (0 and 1 meet
        # when receipt falls on a day off or after close.)
        assert later > now


@EXAMPLES
@given(calendars, moments, day_counts)
def test_a_working_days_deadline_is_close_of_office_on_a_working_day(
    calendar: WorkingCalendar, start: datetime, n: int
) -> None:
    deadline = calendar.add_working_days(start, n)
    due = deadline.due_at
    assert due.tzinfo == SHANGHAI
    assert due >= start
    assert calendar.is_working_moment(due)
    assert due.timetz().replace(tzinfo=None) == calendar.office_hours.closing
    if n > 0:
        # Exactly n working days strictly after the receipt day, up to and including the due day.
        counted = _days_between(start.astimezone(SHANGHAI).date() + timedelta(days=1), due.date())
        assert sum(calendar.is_working_day(d) for d in counted) == n
    consulted = _days_between(start.astimezone(SHANGHAI).date(), due.date())
    assert deadline.provisional == any(calendar.is_provisional(d) for d in consulted)


@EXAMPLES
@given(calendars, moments, st.integers(min_value=1, max_value=20), st.integers(min_value=0, max_value=20))
def test_n_then_m_working_days_equals_n_plus_m(calendar: WorkingCalendar, start: datetime, n: int, m: int) -> None:
    first = calendar.add_working_days(start, n).due_at
    assert calendar.add_working_days(first, m).due_at == calendar.add_working_days(start, n + m).due_at


@EXAMPLES
@given(calendars, moments, hour_amounts)
def test_working_hours_measure_back_exactly(calendar: WorkingCalendar, start: datetime, hours: float) -> None:
    deadline = calendar.add_working_hours(start, hours)
    assert deadline.due_at.tzinfo == SHANGHAI
    assert calendar.is_working_moment(deadline.due_at)
    assert calendar.working_time_between(start, deadline.due_at) == timedelta(hours=hours)
    consulted = _days_between(start.astimezone(SHANGHAI).date(), deadline.due_at.date())
    assert deadline.provisional == any(calendar.is_provisional(d) for d in consulted)


@EXAMPLES
@given(calendars, moments, decimal_hours)
def test_decimal_working_hours_measure_back_exactly(calendar: WorkingCalendar, start: datetime, hours: Decimal) -> None:
    due = calendar.add_working_hours(start, hours).due_at
    assert calendar.working_time_between(start, due) == timedelta(microseconds=int(hours * 3_600_000_000))


@EXAMPLES
@given(calendars, moments, hour_amounts, hour_amounts)
def test_working_hours_are_monotone(calendar: WorkingCalendar, start: datetime, h1: float, h2: float) -> None:
    low, high = sorted((h1, h2))
    assert calendar.add_working_hours(start, low).due_at <= calendar.add_working_hours(start, high).due_at


@EXAMPLES
@given(calendars, moments, day_counts, working_spans, working_spans)
def test_a_pause_shifts_by_exactly_the_paused_working_time(
    calendar: WorkingCalendar, start: datetime, n: int, until_pause: timedelta, pause: timedelta
) -> None:
    due = calendar.add_working_days(start, n).due_at
    paused_at = start + until_pause
    resumed_at = paused_at + pause
    paused = calendar.working_time_between(paused_at, resumed_at)

    new_due = calendar.shift_by_working_time(due, paused).due_at

    assert new_due >= due
    assert calendar.working_time_between(due, new_due) == paused
    # The unit gets back exactly the working time it had left when the pause began.
    assert calendar.working_time_between(resumed_at, new_due) == calendar.working_time_between(paused_at, due)


@EXAMPLES
@given(calendars, moments, moments, moments)
def test_working_time_is_additive_and_bounded_by_real_time(
    calendar: WorkingCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    ab, bc, ac = (calendar.working_time_between(x, y) for x, y in ((a, b), (b, c), (a, c)))
    assert ab + bc == ac
    if a <= b:
        assert timedelta(0) <= ab <= b - a


@EXAMPLES
@given(calendars, moments)
def test_next_working_moment_is_the_first_working_instant(calendar: WorkingCalendar, moment: datetime) -> None:
    nxt = calendar.next_working_moment(moment)
    assert nxt >= moment
    assert calendar.is_working_moment(nxt)
    assert calendar.working_time_between(moment, nxt) == timedelta(0)
    assert (nxt == moment) == calendar.is_working_moment(moment)


@EXAMPLES
@given(calendars, moments, hour_amounts)
def test_calendar_hours_are_plain_elapsed_time(calendar: WorkingCalendar, start: datetime, hours: float) -> None:
    deadline = calendar.add_calendar_hours(start, hours)
    assert deadline.due_at.tzinfo == SHANGHAI
    assert deadline.due_at - start == timedelta(hours=hours)
    assert not deadline.provisional
