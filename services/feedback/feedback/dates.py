"""Dates taken from query strings, kept to the years the hotline can have records for.

Python dates run from year 1 to 9999, but turning 0001-01-01 00:00 Shanghai time into UTC (or
adding a day to 9999-12-31) overflows; such a date can only be a typo, so it is a clear 422.
"""

from __future__ import annotations

from datetime import date

from hotline_shared.errors import ValidationFailed, field_error

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def checked_day(value: date | None, field: str) -> date | None:
    if value is None or EARLIEST <= value <= LATEST:
        return value
    raise ValidationFailed(
        f"`{field}` must be a date between {EARLIEST.isoformat()} and {LATEST.isoformat()}.",
        errors=[field_error(["query", field], f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}", "range")],
    )
