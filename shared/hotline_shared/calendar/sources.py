"""Where a day's working status comes from: admin notices, the chinese_calendar data, or a rule.

Each source answers for a whole year at a time, except local overrides (handled by the calendar),
which answer for single days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
import holidays as holidays_lib
import structlog

_log = structlog.get_logger(__name__)

_SATURDAY = 5


class DaySource(StrEnum):
    OVERRIDE = "override"
    NOTICE = "notice"
    CHINESE_CALENDAR = "chinese_calendar"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class DayStatus:
    day: date
    working: bool
    source: DaySource

    @property
    def provisional(self) -> bool:
        return self.source is DaySource.FALLBACK


def _as_dates(values: Iterable[date], what: str) -> frozenset[date]:
    result = frozenset(values)
    for value in result:
        # datetime is a subclass of date; letting one in would make set membership never match.
        if not isinstance(value, date) or isinstance(value, datetime):
            raise TypeError(f"{what} must be dates, got {value!r}")
    return result


@dataclass(frozen=True, slots=True)
class YearNotice:
    """One year of the State Council holiday notice, as loaded by an admin.

    ``holidays`` are days off that would otherwise be working days (listing weekend days of a
    holiday block too is harmless); ``workdays`` are the weekend makeup days (调休). Every other
    weekday works and every other weekend day is off.
    """

    year: int
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not 1 <= self.year <= 9999:
            raise ValueError(f"notice year must be an integer between 1 and 9999, got {self.year!r}")
        # Accept any iterable (lists from JSON) but store frozensets so the notice stays hashable.
        off = _as_dates(self.holidays, "notice holidays")
        makeup = _as_dates(self.workdays, "notice workdays")
        stray = sorted(d for d in off | makeup if d.year != self.year)
        if stray:
            listed = ", ".join(map(str, stray))
            raise ValueError(f"the {self.year} notice lists dates of another year: {listed}")
        both = sorted(off & makeup)
        if both:
            listed = ", ".join(map(str, both))
            raise ValueError(f"dates listed both as holiday and as makeup workday: {listed}")
        weekday_makeup = sorted(d for d in makeup if d.weekday() < _SATURDAY)
        if weekday_makeup:
            # A weekday is already a working day, so listing it is almost surely a typo for another date.
            raise ValueError(
                "makeup workdays (调休) must fall on a Saturday or Sunday: "
                + ", ".join(f"{d} is a {d:%A}" for d in weekday_makeup)
            )
        object.__setattr__(self, "holidays", off)
        object.__setattr__(self, "workdays", makeup)

    def is_working_day(self, day: date) -> bool:
        if day.year != self.year:
            raise ValueError(f"{day} is not covered by the {self.year} notice")
        if day in self.workdays:
            return True
        return day.weekday() < _SATURDAY and day not in self.holidays


def chinese_calendar_is_working_day(day: date) -> bool | None:
    """The chinese_calendar answer, or None for a year it has no notice data for."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass(frozen=True, slots=True)
class _RuleYear:
    days_off: frozenset[date]
    makeup_days: frozenset[date]


@lru_cache(maxsize=64)
def _rule_year(year: int) -> _RuleYear:
    # Logged once per year per process (the cache holds the result): enough for an admin to notice
    # that a notice is missing without flooding the log on every deadline computation.
    _log.warning(
        "calendar_year_provisional",
        year=year,
        detail="no holiday notice for this year: using weekends and statutory holidays computed by rule; "
        "load the State Council notice through the admin API",
    )
    try:
        table = holidays_lib.country_holidays("CN", years=year)
    except Exception:  # the holidays package has its own year limits; weekends alone still work
        _log.exception("calendar_rule_unavailable", year=year)
        return _RuleYear(frozenset(), frozenset())
    # The holidays package computes lunar festivals (Spring Festival, Dragon Boat, Mid-Autumn) by rule
    # and, for years it has notice data for, also knows makeup workdays; those are kept per year
    # because its weekend_workdays attribute spans all years.
    makeup = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return _RuleYear(frozenset(d for d in table if d.year == year), makeup)


def fallback_is_working_day(day: date) -> bool:
    """Weekends and statutory holidays by rule: a best guess for years without notice data."""
    rules = _rule_year(day.year)
    if day in rules.makeup_days:
        return True
    return day.weekday() < _SATURDAY and day not in rules.days_off
