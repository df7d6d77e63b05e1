"""The configurable rules of the feedback stage, bundled with the working calendar they run on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline_shared.calendar import WorkingCalendar, default_calendar

from .config import FeedbackSettings


@dataclass(frozen=True)
class FeedbackPolicy:
    settings: FeedbackSettings
    calendar: WorkingCalendar

    def callback_due(self, replied_at: datetime, category: str | None) -> datetime:
        return self.calendar.add_working_days(replied_at, self.settings.callback_due_days(category)).due_at

    @property
    def callback_max_attempts(self) -> int:
        return self.settings.callback_max_attempts


def make_policy(settings: FeedbackSettings, calendar: WorkingCalendar | None = None) -> FeedbackPolicy:
    return FeedbackPolicy(settings=settings, calendar=calendar or default_calendar())
