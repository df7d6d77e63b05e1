"""Warning lights (预警亮灯) and the moments they change: pure functions over an order's deadlines.

An order is *red* once any deadline it still has to meet (sign-for, first contact, reply) has
passed, *yellow* once 75 % of the reply window's allowed time is used, and *green* otherwise.
Because both moments are stored as instants, "what will the light be at T" is a comparison, which
is what lets the overdue and near-due queries answer for any `as_of` with an index range scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from hotline_shared.calendar import WorkingCalendar, to_shanghai

WARN_FRACTION = 0.75
LISTED_AFTER_WORKING_DAYS = 5


class Light(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"

    @property
    def rank(self) -> int:
        return _LIGHT_RANK[self]


_LIGHT_RANK = {Light.green: 0, Light.yellow: 1, Light.red: 2}


class UrgeLevel(IntEnum):
    """Ordered so that "the order's urge level" is simply the highest one issued."""

    remind = 1  # 催办
    supervise = 2  # 督办 (level 1)
    listed = 3  # 挂牌督办 (level 2)

    @classmethod
    def parse(cls, name: str) -> UrgeLevel:
        return cls[name]


class Measure(StrEnum):
    """How a limit's allowed time is measured: office-hours time, or plain clock time."""

    working = "working"
    calendar = "calendar"


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The deadlines an order still has to meet; a met (or not applicable) one is None."""

    sign: datetime | None = None
    contact: datetime | None = None
    reply: datetime | None = None

    def earliest(self) -> tuple[str, datetime] | None:
        """The most pressing open deadline: what makes an order late first."""
        pairs = (("sign", self.sign), ("contact", self.contact), ("reply", self.reply))
        present = [(due, kind) for kind, due in pairs if due is not None]
        if not present:
            return None
        due, kind = min(present, key=lambda pair: (pair[0], _KIND_ORDER[pair[1]]))
        return kind, due


_KIND_ORDER = {"sign": 0, "contact": 1, "reply": 2}


def has_passed(moment: datetime, at: datetime) -> bool:
    """Every timer fires strictly after its instant: a reply at exactly the deadline is on time,
    and the same rule for every kind keeps the queries, the lights and the engine in agreement."""
    return at > moment


def light_at(*, due_at: datetime | None, warn_at: datetime | None, at: datetime) -> Light:
    """The light at ``at`` given the earliest open deadline and the yellow moment."""
    if due_at is not None and has_passed(due_at, at):
        return Light.red
    if warn_at is not None and has_passed(warn_at, at):
        return Light.yellow
    return Light.green


def warn_moment(
    calendar: WorkingCalendar,
    *,
    start: datetime,
    due: datetime,
    measure: Measure,
    paused: timedelta = timedelta(0),
    fraction: float = WARN_FRACTION,
) -> datetime:
    """When ``fraction`` of the window's *allowed* time is used up.

    ``due`` already includes pause shifts and extensions. The paused time is not allowed time, so
    the allowance is (window - paused); the yellow moment is where the used time, with the paused
    time added back, reaches the fraction. That is exact for pauses taken before the yellow moment;
    a pause taken after it only yields a moment that is still in the past when the order resumes,
    so an already-lit yellow never lights a second time.
    """
    start, due = to_shanghai(start), to_shanghai(due)
    if due <= start:
        return due
    if measure is Measure.calendar:
        window = due - start
        allowance = max(window - paused, timedelta(0))
        return min(start + allowance * fraction + paused, due)
    window = calendar.working_time_between(start, due)
    allowance = max(window - paused, timedelta(0))
    if window <= timedelta(0):
        # A window with no office hours in it (e.g. a 0-day limit received after closing): the
        # only meaningful warning is the deadline itself.
        return due
    moment = calendar.shift_by_working_time(start, allowance * fraction + paused).due_at
    return min(moment, due)


def listed_moment(calendar: WorkingCalendar, reply_due: datetime) -> datetime:
    """挂牌督办: still overdue at close of office on the 5th working day after the reply deadline."""
    return calendar.add_working_days(reply_due, LISTED_AFTER_WORKING_DAYS).due_at


def measure_of(unit: str | None) -> Measure:
    """The measure of a policy limit unit (calendar_hours / working_hours / working_days)."""
    return Measure.calendar if unit == "calendar_hours" else Measure.working


def hours_between(earlier: datetime, later: datetime) -> float:
    return round((later - earlier) / timedelta(hours=1), 2)
