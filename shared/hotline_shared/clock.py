"""One injectable clock, timezone-aware in Asia/Shanghai, so tests and the demo can move time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall clock, optionally shifted by a fixed offset (demo time travel across processes)."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(SHANGHAI) + self.offset


class ManualClock:
    """A clock that only moves when told to; tests use it to cross deadlines deterministically."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self._now = start.astimezone(SHANGHAI)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs timezone-aware times")
        with self._lock:
            self._now = when.astimezone(SHANGHAI)

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + delta
            return self._now


def to_shanghai(value: datetime) -> datetime:
    """Normalise an aware datetime to Asia/Shanghai; naive values are read as Shanghai wall time.

    SQLite hands back naive datetimes even for timezone-aware columns, so every value read from
    the database passes through here before it is compared or shown.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC).astimezone(SHANGHAI)
    return value.astimezone(SHANGHAI)
