"""The admin side of the working calendar: stored notices, local overrides, deadline queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import holidays as holidays_lib
import structlog
from hotline_shared.calendar import (
    SHANGHAI,
    DaySource,
    Deadline,
    DeadlineUnit,
    WorkingCalendar,
    YearNotice,
    compute_deadline,
)
from hotline_shared.calendar.sources import chinese_calendar_is_working_day
from hotline_shared.errors import NotFound, ValidationFailed, field_error
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import state
from ..runtime import Runtime
from . import recompute
from .models import CalendarOverride, CalendarRecompute, CalendarYear
from .provider import notice_of
from .schemas import OverrideIn, OverrideOut, YearNoticeIn, YearOut, YearSource

log = structlog.get_logger("calendar")

_WEEKEND = 5


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


def _span(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time(0), tzinfo=SHANGHAI),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=SHANGHAI),
    )


async def year_view(session: AsyncSession, rt: Runtime, *, year: int) -> YearOut:
    stored = await session.get(CalendarYear, year)
    # The base calendar of the year, without local overrides (they are listed on their own).
    base = WorkingCalendar(notices=[notice_of(stored)] if stored else [], office_hours=rt.calendars.office_hours)
    days = _days(year)
    statuses = [base.day_status(d) for d in days]
    source = {
        DaySource.NOTICE: YearSource.notice,
        DaySource.CHINESE_CALENDAR: YearSource.chinese_calendar,
    }.get(statuses[0].source, YearSource.fallback)
    overrides = await session.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.day >= date(year, 1, 1), CalendarOverride.day < date(year + 1, 1, 1))
        .order_by(CalendarOverride.day)
    )
    return YearOut(
        year=year,
        source=source,
        provisional=source is YearSource.fallback,
        holidays=[s.day for s in statuses if not s.working and s.day.weekday() < _WEEKEND],
        workdays=[s.day for s in statuses if s.working and s.day.weekday() >= _WEEKEND],
        overrides=[OverrideOut.model_validate(o) for o in overrides],
        office_hours=str(rt.calendars.office_hours),
        note=stored.note if stored else None,
        loaded_at=stored.loaded_at if stored else None,
        loaded_by=stored.loaded_by if stored else None,
    )


def _notice(year: int, data: YearNoticeIn) -> YearNotice:
    try:
        return YearNotice(year=year, holidays=frozenset(data.holidays), workdays=frozenset(data.workdays))
    except ValueError as exc:
        raise ValidationFailed(
            f"The {year} notice is not consistent: {exc}",
            errors=[field_error(["body"], str(exc), "inconsistent_notice")],
        ) from None


def cross_check(notice: YearNotice) -> list[str]:
    """Where the notice disagrees with the packaged data or with the statutory holidays by rule.

    Not errors (the notice is the authority, and local practice differs), but an admin who typed
    a date wrong should see it at once.
    """
    warnings: list[str] = []
    differing = []
    for day in _days(notice.year):
        packaged = chinese_calendar_is_working_day(day)
        if packaged is not None and packaged != notice.is_working_day(day):
            differing.append(f"{day} ({'working' if packaged else 'off'} in the packaged calendar)")
    if differing:
        warnings.append("differs from the packaged chinese-calendar data on " + ", ".join(differing))
    try:
        by_rule = holidays_lib.country_holidays("CN", years=notice.year)
    except Exception:  # the rule tables have their own year range; no cross-check then
        return warnings
    for day, name in sorted(by_rule.items()):
        if day.year == notice.year and day.weekday() < _WEEKEND and notice.is_working_day(day):
            warnings.append(f"{day} is {name} by rule but a working day in this notice")
    return warnings


async def load_year(
    session: AsyncSession, rt: Runtime, *, year: int, data: YearNoticeIn, by: str
) -> tuple[YearOut, list[str], CalendarRecompute]:
    notice = _notice(year, data)
    warnings = cross_check(notice)
    now = rt.clock.now()
    row = await session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year)
        session.add(row)
    row.holidays = sorted(d.isoformat() for d in notice.holidays)
    row.workdays = sorted(d.isoformat() for d in notice.workdays)
    row.note = data.note
    row.loaded_at = now
    row.loaded_by = by
    await session.flush()
    await state.bump(session, state.CALENDAR_REVISION)
    start, end = _span(date(year, 1, 1), date(year, 12, 31))
    job = await recompute.schedule(session, rt, span_start=start, span_end=end, reason=f"calendar {year} loaded", by=by)
    log.info("calendar_year_loaded", year=year, by=by, holidays=len(notice.holidays), workdays=len(notice.workdays))
    return await year_view(session, rt, year=year), warnings, job


async def unload_year(session: AsyncSession, rt: Runtime, *, year: int, by: str) -> CalendarRecompute:
    row = await session.get(CalendarYear, year)
    if row is None:
        raise NotFound(f"No notice for {year} has been loaded.")
    await session.delete(row)
    await session.flush()
    await state.bump(session, state.CALENDAR_REVISION)
    start, end = _span(date(year, 1, 1), date(year, 12, 31))
    return await recompute.schedule(
        session, rt, span_start=start, span_end=end, reason=f"calendar {year} unloaded", by=by
    )


async def set_override(
    session: AsyncSession, rt: Runtime, *, day: date, data: OverrideIn, by: str
) -> tuple[CalendarOverride, CalendarRecompute]:
    row = await session.get(CalendarOverride, day)
    now = rt.clock.now()
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.working = data.working
    row.reason = data.reason
    row.created_at = now
    row.created_by = by
    await session.flush()
    await state.bump(session, state.CALENDAR_REVISION)
    # The calendar must still have working days: a run of overrides could otherwise stall deadlines.
    calendar = await rt.calendars.get(session, fresh=True)
    try:
        calendar.add_working_days(datetime.combine(day, time(0), tzinfo=SHANGHAI), 1)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[field_error(["path", "day"], str(exc), "no_working_days")]) from None
    start, end = _span(day, day)
    label = "working day" if data.working else "day off"
    job = await recompute.schedule(session, rt, span_start=start, span_end=end, reason=f"{day} made a {label}", by=by)
    log.info("calendar_override_set", day=day.isoformat(), working=data.working, by=by)
    return row, job


async def remove_override(session: AsyncSession, rt: Runtime, *, day: date, by: str) -> CalendarRecompute:
    deleted = await session.execute(delete(CalendarOverride).where(CalendarOverride.day == day))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"There is no override for {day}.")
    await state.bump(session, state.CALENDAR_REVISION)
    start, end = _span(day, day)
    return await recompute.schedule(
        session, rt, span_start=start, span_end=end, reason=f"override of {day} removed", by=by
    )


async def overrides_of(session: AsyncSession, *, first: date, last: date) -> list[CalendarOverride]:
    rows = await session.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.day >= first, CalendarOverride.day <= last)
        .order_by(CalendarOverride.day)
    )
    return list(rows)


async def recompute_job(session: AsyncSession, job_id: int) -> CalendarRecompute:
    job = await session.get(CalendarRecompute, job_id)
    if job is None:
        raise NotFound(f"There is no recompute job {job_id}.")
    return job


async def deadline(
    session: AsyncSession, rt: Runtime, *, start: datetime, amount: float, unit: DeadlineUnit
) -> Deadline:
    calendar = await rt.calendars.get(session)
    return compute_deadline(calendar, start, amount, unit)
