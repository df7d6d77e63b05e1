"""Months as periods: their bounds in Asia/Shanghai, and which month a point is booked in."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline_shared.clock import SHANGHAI
from sqlalchemy.ext.asyncio import AsyncSession

from ..supervision.metrics import month_of
from . import repository


def month_start(month: str) -> datetime:
    year, mon = (int(p) for p in month.split("-"))
    return datetime(year, mon, 1, tzinfo=SHANGHAI)


def month_end(month: str) -> datetime:
    """The first instant after the month."""
    start = month_start(month)
    return (start + timedelta(days=32)).replace(day=1)


def last_instant(month: str) -> datetime:
    return month_end(month) - timedelta(microseconds=1)


def has_ended(month: str, now: datetime) -> bool:
    return now >= month_end(month)


async def booking_month(session: AsyncSession, *, at: datetime, now: datetime) -> str:
    """The month of ``at``; an event that arrives after its month was published is booked in the
    current month instead, because a published month never changes."""
    month = month_of(at)
    if await repository.is_published(session, month):
        return month_of(now)
    return month
