"""The result type of every deadline computation, and the units time limits are expressed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeadlineUnit(StrEnum):
    CALENDAR_HOURS = "calendar_hours"
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True, slots=True)
class Deadline:
    """When something is due, and whether that answer may still move.

    ``provisional`` is True when a day consulted on the way came from the rule-based fallback
    (a year whose State Council notice is not loaded yet): the date is a best guess that the
    notice may change, so callers should store the flag and recompute once the notice arrives.
    """

    due_at: datetime
    provisional: bool = False
