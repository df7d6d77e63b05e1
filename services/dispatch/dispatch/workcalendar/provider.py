"""The WorkingCalendar built from the stored notices and overrides, cached per process.

Every replica (and the worker) keeps its own copy and checks one integer, the calendar revision,
before use: an admin's change bumps it in the same transaction, so every process sees a new
calendar from its next transaction on, without any cross-process messaging.
"""

from __future__ import annotations

from datetime import date

from hotline_shared.calendar import OfficeHours, WorkingCalendar, YearNotice
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .. import state
from .models import CalendarOverride, CalendarYear


def notice_of(row: CalendarYear) -> YearNotice:
    return YearNotice(
        year=row.year,
        holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
        workdays=frozenset(date.fromisoformat(d) for d in row.workdays),
    )


class CalendarProvider:
    def __init__(self, *, office_hours: OfficeHours) -> None:
        self.office_hours = office_hours
        self._cached: tuple[int, WorkingCalendar] | None = None

    async def get(self, session: AsyncSession, *, fresh: bool = False) -> WorkingCalendar:
        """The current calendar. ``fresh`` bypasses the cache and does not fill it: used inside a
        transaction that has just changed the calendar and might still roll back."""
        revision = await state.read(session, state.CALENDAR_REVISION)
        cached = self._cached
        if not fresh and cached is not None and cached[0] == revision:
            return cached[1]
        years = (await session.scalars(select(CalendarYear))).all()
        overrides = (await session.scalars(select(CalendarOverride))).all()
        calendar = WorkingCalendar(
            notices=[notice_of(y) for y in years],
            overrides={o.day: o.working for o in overrides},
            office_hours=self.office_hours,
        )
        if not fresh:
            self._cached = (revision, calendar)
        return calendar
