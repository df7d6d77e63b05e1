"""Office hours: the daily intervals in which working-hour limits run."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline_shared.calendar.tz import SHANGHAI

Interval = tuple[time, time]

DEFAULT_INTERVALS: tuple[Interval, ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))

_SPEC_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _duration(start: time, end: time) -> timedelta:
    anchor = date(2000, 1, 1)
    return datetime.combine(anchor, end) - datetime.combine(anchor, start)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Intervals of local wall-clock time, applied identically on every working day.

    Makeup Saturdays (调休) are ordinary working days, so they get the same pattern; there is no
    per-weekday variation because the official calendar has none.
    """

    intervals: tuple[Interval, ...] = DEFAULT_INTERVALS

    def __post_init__(self) -> None:
        intervals = tuple((start, end) for start, end in self.intervals)
        if not intervals:
            raise ValueError("office hours need at least one interval")
        previous_end: time | None = None
        for start, end in intervals:
            if not isinstance(start, time) or not isinstance(end, time):
                raise TypeError("office hours intervals are pairs of datetime.time")
            if start.tzinfo is not None or end.tzinfo is not None:
                # The zone is fixed (Asia/Shanghai); a tz on the time would suggest otherwise.
                raise ValueError("office hours are local Asia/Shanghai wall-clock times: use naive times")
            if start >= end:
                raise ValueError(f"office hours interval {start:%H:%M}-{end:%H:%M} must end after it starts")
            if previous_end is not None and start < previous_end:
                raise ValueError("office hours intervals must be in order and must not overlap")
            previous_end = end
        object.__setattr__(self, "intervals", intervals)

    @classmethod
    def parse(cls, spec: str) -> OfficeHours:
        """Parse ``"08:30-12:00,13:30-17:30"`` (the form used in settings and the admin API)."""
        parsed: list[Interval] = []
        for part in spec.split(","):
            match = _SPEC_RE.match(part)
            if match is None:
                raise ValueError(f"office hours must look like '08:30-12:00,13:30-17:30', got {spec!r}")
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                parsed.append((time(h1, m1), time(h2, m2)))
            except ValueError as exc:
                raise ValueError(f"invalid time in office hours {spec!r}: {exc}") from None
        return cls(tuple(parsed))

    @classmethod
    def from_pairs(cls, pairs: Iterable[Interval]) -> OfficeHours:
        return cls(tuple(pairs))

    @property
    def opening(self) -> time:
        return self.intervals[0][0]

    @property
    def closing(self) -> time:
        return self.intervals[-1][1]

    @property
    def daily_duration(self) -> timedelta:
        return sum((_duration(start, end) for start, end in self.intervals), timedelta(0))

    def on(self, day: date, tz: ZoneInfo = SHANGHAI) -> tuple[tuple[datetime, datetime], ...]:
        """The intervals of ``day`` as aware datetimes (the caller decides whether the day works)."""
        return tuple(
            (datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz))
            for start, end in self.intervals
        )

    def __str__(self) -> str:
        return ",".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in self.intervals)


DEFAULT_OFFICE_HOURS = OfficeHours()
