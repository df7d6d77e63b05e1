"""The two holiday libraries agree where both have data, so the fallback is a sound guess."""

from __future__ import annotations

import chinese_calendar
import holidays
import pytest
from hotline_shared.calendar import default_calendar


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_holiday_listed_by_holidays_is_a_day_off_in_chinese_calendar(year: int) -> None:
    listed = holidays.country_holidays("CN", years=year)
    assert len(listed) >= 15  # sanity: the table is really populated (7 festivals, several days each)
    for day, name in sorted(listed.items()):
        assert not chinese_calendar.is_workday(day), f"{day} {name} is a workday in chinese_calendar"
        assert not default_calendar().is_working_day(day), f"{day} {name}"


@pytest.mark.parametrize("year", [2025, 2026])
def test_makeup_workdays_known_to_holidays_are_workdays_in_chinese_calendar(year: int) -> None:
    makeup = {d for d in holidays.country_holidays("CN", years=year).weekend_workdays if d.year == year}
    assert makeup, "holidays lists makeup workdays for years with a published notice"
    for day in makeup:
        assert chinese_calendar.is_workday(day), day
        assert default_calendar().is_working_day(day), day
