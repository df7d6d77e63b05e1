"""The official working calendar and the deadline arithmetic built on it.

All arithmetic walks whole days and office-hours intervals (never minutes), so a 15-working-day
deadline costs a few dozen cached day lookups.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from types import MappingProxyType

from hotline_shared.calendar.deadline import Deadline, DeadlineUnit
from hotline_shared.calendar.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours
from hotline_shared.calendar.sources import (
    DaySource,
    DayStatus,
    YearNotice,
    chinese_calendar_is_working_day,
    fallback_is_working_day,
)
from hotline_shared.calendar.tz import SHANGHAI, as_local_day, to_shanghai

# The longest run of non-working days any real calendar has is about ten (Spring Festival plus a
# typhoon); a full year without one means the overrides or a notice are broken, and looping on
# would never end.
MAX_NON_WORKING_RUN = 366

_ONE_DAY = timedelta(days=1)
_MICROSECONDS_PER_HOUR = Decimal(3_600_000_000)

Amount = int | float | Decimal


def _hours(hours: Amount) -> timedelta:
    """A non-negative number of hours as an exact timedelta (microsecond resolution)."""
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError(f"hours must be a number, got {type(hours).__name__}")
    try:
        if isinstance(hours, Decimal):
            if not hours.is_finite():
                raise ValueError(f"hours must be a finite number, got {hours}")
            micro = (hours * _MICROSECONDS_PER_HOUR).to_integral_value(rounding=ROUND_HALF_EVEN)
            delta = timedelta(microseconds=int(micro))
        else:
            if not math.isfinite(hours):
                raise ValueError(f"hours must be a finite number, got {hours}")
            delta = timedelta(hours=hours)
    except OverflowError:
        raise ValueError(f"{hours} hours is out of range") from None
    if delta < timedelta(0):
        raise ValueError(f"hours must not be negative, got {hours}")
    return delta


def _day_count(n: Amount) -> int:
    if isinstance(n, bool) or not isinstance(n, int | float | Decimal):
        raise TypeError(f"a number of working days must be an integer, got {type(n).__name__}")
    if isinstance(n, int):
        whole = n
    else:
        # Policies may be stored as Decimal; 3.0 is fine, 2.5 working days has no defined meaning.
        if not (math.isfinite(n) if isinstance(n, float) else n.is_finite()) or n != int(n):
            raise ValueError(f"a number of working days must be a whole number, got {n}")
        whole = int(n)
    if whole < 0:
        raise ValueError(f"a number of working days must not be negative, got {n}")
    return whole


class WorkingCalendar:
    """The hotline's working calendar: which days work, and deadlines counted on them.

    Day status, highest priority first: local ``overrides`` (a typhoon day off, an extra working
    day), an admin-loaded ``YearNotice`` for that year, the chinese_calendar package, and finally a
    rule-based fallback (weekends + statutory holidays) whose days are *provisional*.

    Instances are immutable; per-day lookups are memoised, so one shared instance is cheap to query
    from every request. Build a new instance (``with_notice``/``with_overrides``) when an admin
    changes the configuration.
    """

    __slots__ = ("_days", "_notices", "_office_hours", "_overrides")

    def __init__(
        self,
        *,
        notices: Iterable[YearNotice] = (),
        overrides: Mapping[date, bool] | None = None,
        office_hours: OfficeHours | None = None,
    ) -> None:
        by_year: dict[int, YearNotice] = {}
        for notice in notices:
            if not isinstance(notice, YearNotice):
                raise TypeError(f"notices must be YearNotice objects, got {type(notice).__name__}")
            if notice.year in by_year:
                raise ValueError(f"two notices for {notice.year}: load one notice per year")
            by_year[notice.year] = notice
        checked: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            if not isinstance(day, date) or isinstance(day, datetime):
                raise TypeError(f"override keys must be dates, got {day!r}")
            if not isinstance(working, bool):
                raise TypeError(f"override for {day} must be True (working) or False (day off)")
            checked[day] = working
        self._notices: Mapping[int, YearNotice] = MappingProxyType(by_year)
        self._overrides: Mapping[date, bool] = MappingProxyType(checked)
        self._office_hours = office_hours if office_hours is not None else DEFAULT_OFFICE_HOURS
        self._days: dict[date, DayStatus] = {}

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(notices={sorted(self._notices)}, overrides={len(self._overrides)}, "
            f"office_hours='{self._office_hours}')"
        )

    @property
    def notices(self) -> Mapping[int, YearNotice]:
        return self._notices

    @property
    def overrides(self) -> Mapping[date, bool]:
        return self._overrides

    @property
    def office_hours(self) -> OfficeHours:
        return self._office_hours

    def with_notice(self, notice: YearNotice) -> WorkingCalendar:
        """A copy with ``notice`` loaded, replacing any earlier notice for the same year."""
        notices = {**self._notices, notice.year: notice}
        return WorkingCalendar(notices=notices.values(), overrides=self._overrides, office_hours=self._office_hours)

    def with_overrides(self, overrides: Mapping[date, bool]) -> WorkingCalendar:
        """A copy with ``overrides`` added (they win over existing overrides for the same days)."""
        return WorkingCalendar(
            notices=self._notices.values(),
            overrides={**self._overrides, **overrides},
            office_hours=self._office_hours,
        )

    # -- days ---------------------------------------------------------------------------------

    def day_status(self, day: date) -> DayStatus:
        day = as_local_day(day)
        status = self._days.get(day)
        if status is None:
            status = self._lookup(day)
            # Plain dict assignment is atomic under the GIL; a race only computes the same value twice.
            self._days[day] = status
        return status

    def _lookup(self, day: date) -> DayStatus:
        override = self._overrides.get(day)
        if override is not None:
            return DayStatus(day, override, DaySource.OVERRIDE)
        notice = self._notices.get(day.year)
        if notice is not None:
            return DayStatus(day, notice.is_working_day(day), DaySource.NOTICE)
        known = chinese_calendar_is_working_day(day)
        if known is not None:
            return DayStatus(day, known, DaySource.CHINESE_CALENDAR)
        return DayStatus(day, fallback_is_working_day(day), DaySource.FALLBACK)

    def is_working_day(self, day: date) -> bool:
        return self.day_status(day).working

    def is_provisional(self, day: date) -> bool:
        return self.day_status(day).provisional

    def _intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        return self._office_hours.on(day) if self.day_status(day).working else ()

    def _close_of(self, day: date) -> datetime:
        return datetime.combine(day, self._office_hours.closing, tzinfo=SHANGHAI)

    def _days_from(self, day: date) -> Iterator[DayStatus]:
        """Day statuses from ``day`` on, stopping with an error after an absurd run of days off."""
        run = 0
        while True:
            status = self.day_status(day)
            yield status
            run = 0 if status.working else run + 1
            if run > MAX_NON_WORKING_RUN:
                since = day - MAX_NON_WORKING_RUN * _ONE_DAY
                raise ValueError(
                    f"no working day in the {MAX_NON_WORKING_RUN} days after {since}: "
                    "check the calendar overrides and notices"
                )
            day += _ONE_DAY

    # -- moments ------------------------------------------------------------------------------

    def is_working_moment(self, moment: datetime) -> bool:
        """Whether ``moment`` lies in office hours on a working day (both ends of an interval count).

        The closing instant counts as working so that a deadline "at close of office" is itself a
        working moment.
        """
        local = to_shanghai(moment)
        return any(start <= local <= end for start, end in self._intervals(local.date()))

    def next_working_moment(self, moment: datetime) -> datetime:
        """``moment`` itself if it is a working moment, else the next office opening."""
        return self._advance(to_shanghai(moment), timedelta(0)).due_at

    def _advance(self, local: datetime, amount: timedelta) -> Deadline:
        """Walk ``amount`` of office-hours time forward from ``local`` (already in Shanghai time)."""
        remaining = amount
        provisional = False
        for status in self._days_from(local.date()):
            provisional = provisional or status.provisional
            for start, end in self._intervals(status.day):
                if end < local:
                    continue
                begin = max(start, local)
                available = end - begin
                if remaining <= available:
                    return Deadline(begin + remaining, provisional)
                remaining -= available
        raise AssertionError("unreachable: _days_from never ends without raising")

    # -- deadlines ----------------------------------------------------------------------------

    def add_working_days(self, start: datetime, n: int) -> Deadline:
        """Close of office on the ``n``-th working day after the day of receipt.

        The receipt day never counts, whatever the time. ``n == 0`` means close of office on the
        receipt day if it is a working day and that close is still ahead, otherwise on the next
        working day: a limit of zero days must not produce a deadline before the receipt itself.
        """
        count = _day_count(n)
        local = to_shanghai(start)
        receipt = self.day_status(local.date())
        provisional = receipt.provisional
        if count == 0:
            if receipt.working and local <= self._close_of(receipt.day):
                return Deadline(self._close_of(receipt.day), provisional)
            count = 1
        for status in self._days_from(receipt.day + _ONE_DAY):
            provisional = provisional or status.provisional
            if status.working:
                count -= 1
                if count == 0:
                    return Deadline(self._close_of(status.day), provisional)
        raise AssertionError("unreachable: _days_from never ends without raising")

    def add_working_hours(self, start: datetime, hours: Amount) -> Deadline:
        """``hours`` of office-hours time after ``start``; outside office hours the count starts at
        the next opening."""
        return self._advance(to_shanghai(start), _hours(hours))

    def add_calendar_hours(self, start: datetime, hours: Amount) -> Deadline:
        """Plain clock time, day and night (urgent and utilities limits)."""
        # Added in UTC so the result is the true elapsed time even across an offset change.
        due = (to_shanghai(start).astimezone(UTC) + _hours(hours)).astimezone(SHANGHAI)
        return Deadline(due, provisional=False)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Office-hours time between two instants; negative when ``b`` is before ``a``."""
        start, end = to_shanghai(a), to_shanghai(b)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        first, last = start.date(), end.date()
        day = first
        while day <= last:
            if first < day < last:
                # Whole days in the middle need no clipping.
                if self.is_working_day(day):
                    total += self._office_hours.daily_duration
            else:
                for open_at, close_at in self._intervals(day):
                    low, high = max(open_at, start), min(close_at, end)
                    if high > low:
                        total += high - low
            day += _ONE_DAY
        return total

    def shift_by_working_time(self, due: datetime, delta: timedelta) -> Deadline:
        """Move a deadline later by ``delta`` of working time (a pause's paused working time).

        A zero shift leaves the deadline untouched even outside office hours, so that recording an
        empty pause never moves a calendar-hours deadline.
        """
        if not isinstance(delta, timedelta):
            raise TypeError(f"delta must be a timedelta, got {type(delta).__name__}")
        if delta < timedelta(0):
            raise ValueError("a deadline can only be shifted later: delta must not be negative")
        local = to_shanghai(due)
        if delta == timedelta(0):
            return Deadline(local, self.day_status(local.date()).provisional)
        return self._advance(local, delta)


def compute_deadline(calendar: WorkingCalendar, start: datetime, amount: Amount, unit: DeadlineUnit | str) -> Deadline:
    """Apply a time-limit policy (amount + unit, as stored in configuration) to a start time."""
    match DeadlineUnit(unit):
        case DeadlineUnit.CALENDAR_HOURS:
            return calendar.add_calendar_hours(start, amount)
        case DeadlineUnit.WORKING_HOURS:
            return calendar.add_working_hours(start, amount)
        case DeadlineUnit.WORKING_DAYS:
            return calendar.add_working_days(start, _day_count(amount))
    raise AssertionError(f"unhandled unit {unit!r}")


@cache
def default_calendar() -> WorkingCalendar:
    """The process-wide calendar with no notices or overrides and default office hours."""
    return WorkingCalendar()
