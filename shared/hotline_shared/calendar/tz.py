"""The one timezone the hotline's rules are written in, and the guard every entry point uses."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def to_shanghai(moment: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai; refuse naive ones.

    A naive datetime is ambiguous (server local time? UTC?) and silently guessing would shift every
    deadline by the server's offset, so it is an error rather than an assumption.
    """
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime (e.g. tzinfo=Asia/Shanghai)")
    return moment.astimezone(SHANGHAI)


def as_local_day(day: date) -> date:
    """A plain date as is; a datetime as the Shanghai calendar date it falls on."""
    if isinstance(day, datetime):
        return to_shanghai(day).date()
    if not isinstance(day, date):
        raise TypeError(f"expected a date, got {type(day).__name__}")
    return day
