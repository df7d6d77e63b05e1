"""The yellow/red/listed moments on the official working calendar (pure, no database)."""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatch.supervision.lights import (
    Deadlines,
    Light,
    Measure,
    light_at,
    listed_moment,
    warn_moment,
)
from hotline_shared.calendar import WorkingCalendar
from hotline_shared.clock import SHANGHAI

CAL = WorkingCalendar()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_yellow_at_three_quarters_of_working_time_not_of_clock_time() -> None:
    # Received Monday 09:00, 1 working day: due Tuesday 17:30 -> 7 + 7.5 = 14.5 office hours.
    start, due = sh(2026, 11, 23, 9, 0), sh(2026, 11, 24, 17, 30)
    warn = warn_moment(CAL, start=start, due=due, measure=Measure.working)
    assert CAL.working_time_between(start, warn) == timedelta(hours=14.5) * 0.75
    # 10h52m30s of office time: all 7h of Monday, Tuesday's morning 3.5h, then 22m30s after 13:30.
    assert warn == sh(2026, 11, 24, 13, 52, 30)


def test_yellow_skips_the_national_day_holiday_and_counts_the_makeup_saturday() -> None:
    # 2026: 10-01..10-07 off, Saturday 10-10 is a working day.
    start = sh(2026, 9, 30, 9, 0)
    due = CAL.add_working_days(start, 3).due_at
    assert due == sh(2026, 10, 10, 17, 30)
    warn = warn_moment(CAL, start=start, due=due, measure=Measure.working)
    # 7h on 09-30 + 7.5h on each of 10-08, 10-09, 10-10 = 29.5h; 75% = 22h07m30s, i.e. 7m30s
    # into the makeup Saturday.
    assert warn == sh(2026, 10, 10, 8, 37, 30)


def test_calendar_hour_limits_warn_on_the_plain_clock() -> None:
    start = sh(2026, 11, 28, 22, 0)  # a Saturday night, urgent
    due = start + timedelta(hours=24)
    assert warn_moment(CAL, start=start, due=due, measure=Measure.calendar) == start + timedelta(hours=18)


def test_paused_time_is_not_allowed_time() -> None:
    start = sh(2026, 11, 23, 9, 0)
    due = CAL.add_working_days(start, 5).due_at
    unpaused = warn_moment(CAL, start=start, due=due, measure=Measure.working)
    # A 2-working-hour pause before the yellow moment moves both the deadline and the warning
    # by the same 2 working hours.
    shifted_due = CAL.shift_by_working_time(due, timedelta(hours=2)).due_at
    paused = warn_moment(CAL, start=start, due=shifted_due, measure=Measure.working, paused=timedelta(hours=2))
    assert paused == CAL.shift_by_working_time(unpaused, timedelta(hours=2)).due_at


def test_listed_is_close_of_office_five_working_days_after_the_reply_deadline() -> None:
    assert listed_moment(CAL, sh(2026, 11, 23, 17, 30)) == sh(2026, 11, 30, 17, 30)
    # across the 2026 National Day holiday
    assert listed_moment(CAL, sh(2026, 9, 30, 17, 30)) == sh(2026, 10, 13, 17, 30)


def test_lights_change_strictly_after_their_instant() -> None:
    due, warn = sh(2026, 11, 24, 17, 30), sh(2026, 11, 24, 14, 0)
    assert light_at(due_at=due, warn_at=warn, at=sh(2026, 11, 24, 13, 59)) is Light.green
    assert light_at(due_at=due, warn_at=warn, at=warn) is Light.green
    assert light_at(due_at=due, warn_at=warn, at=warn + timedelta(seconds=1)) is Light.yellow
    assert light_at(due_at=due, warn_at=warn, at=due) is Light.yellow
    assert light_at(due_at=due, warn_at=warn, at=due + timedelta(seconds=1)) is Light.red


def test_earliest_open_deadline_wins() -> None:
    d = Deadlines(sign=sh(2026, 11, 24, 17, 30), contact=sh(2026, 11, 24, 17, 30), reply=sh(2026, 12, 14, 17, 30))
    assert d.earliest() == ("sign", sh(2026, 11, 24, 17, 30))
    assert Deadlines(reply=sh(2026, 12, 1)).earliest() == ("reply", sh(2026, 12, 1))
    assert Deadlines().earliest() is None
