"""The official Chinese working calendar (调休 included) and deadline arithmetic in Asia/Shanghai.

Typical use::

    from hotline_shared.calendar import default_calendar

    deadline = default_calendar().add_working_days(received_at, 3)
    deadline.due_at, deadline.provisional
"""

from hotline_shared.calendar.deadline import Deadline, DeadlineUnit
from hotline_shared.calendar.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours
from hotline_shared.calendar.sources import DaySource, DayStatus, YearNotice
from hotline_shared.calendar.tz import SHANGHAI, to_shanghai
from hotline_shared.calendar.working_calendar import (
    MAX_NON_WORKING_RUN,
    WorkingCalendar,
    compute_deadline,
    default_calendar,
)

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "MAX_NON_WORKING_RUN",
    "SHANGHAI",
    "DaySource",
    "DayStatus",
    "Deadline",
    "DeadlineUnit",
    "OfficeHours",
    "WorkingCalendar",
    "YearNotice",
    "compute_deadline",
    "default_calendar",
    "to_shanghai",
]
