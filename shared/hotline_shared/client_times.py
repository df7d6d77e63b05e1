"""Times sent by clients (query filters, cursors), checked before they reach a database.

ISO 8601 allows 0001-01-01T00:00:00+14:00 and 9999-12-31T23:59:59-12:00, and both parse; but
turning them into UTC (which the database layer does) overflows Python's datetime range, and
the request would end in a 500. No hotline record lies outside 2000-2099, so a filter there is
a typo and gets a 422 naming the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from .clock import SHANGHAI, to_shanghai
from .errors import ValidationFailed, field_error

# Beijing time, like every date the hotline shows.
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
LATEST = datetime(2100, 1, 1, tzinfo=SHANGHAI)
RANGE_TEXT = "between 2000-01-01 and 2099-12-31 (Beijing time)"


def in_range(value: datetime) -> bool:
    """Whether an aware time lies in the years the hotline works with (comparing cannot overflow)."""
    return EARLIEST <= value < LATEST


def _recorded_years(value: datetime) -> datetime:
    if not in_range(value):
        raise ValueError(f"must lie {RANGE_TEXT}")
    return value


# The same rule for a time inside a request body (pydantic turns the ValueError into a field error).
BodyTime = Annotated[AwareDatetime, AfterValidator(_recorded_years)]


def client_time(value: datetime, *, loc: Sequence[str | int], naive_as_shanghai: bool = False) -> datetime:
    """The time in Asia/Shanghai, or a 422 naming `loc` when it has no offset or is out of range.

    `naive_as_shanghai`: read a time without offset as Beijing time (what an operator typing a
    search means) instead of refusing it.
    """
    name = str(loc[-1])
    if value.tzinfo is None:
        if not naive_as_shanghai:
            raise ValidationFailed(
                f"{name} needs a UTC offset, e.g. 2026-10-10T17:30:00+08:00.",
                errors=[field_error(loc, "time without offset", "naive_datetime")],
            )
        value = value.replace(tzinfo=SHANGHAI)
    if not in_range(value):
        raise ValidationFailed(
            f"{name} must lie {RANGE_TEXT}; {value.isoformat()} is outside the records.",
            errors=[field_error(loc, "outside 2000-2099", "out_of_range")],
        )
    return to_shanghai(value)
