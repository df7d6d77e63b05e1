from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from hotline_shared.calendar import DeadlineUnit
from pydantic import BaseModel, ConfigDict, Field

from ..validation import Reason, ShortText

MIN_YEAR, MAX_YEAR = 2000, 2100


class YearSource(StrEnum):
    notice = "notice"
    chinese_calendar = "chinese_calendar"
    fallback = "fallback"


class YearNoticeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holidays: list[date] = Field(
        max_length=366, description="days off by the notice (listing the weekend days of a holiday block is fine)"
    )
    workdays: list[date] = Field(default_factory=list, max_length=60, description="weekend makeup workdays (调休)")
    note: ShortText | None = Field(default=None, description="e.g. 国办发明电〔2026〕X号")


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    working: bool = Field(description="false: a day off (typhoon); true: an extra working day")
    reason: Reason


class OverrideOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    working: bool
    reason: str
    created_at: datetime
    created_by: str


class RecomputeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reason: str
    span_start: datetime
    span_end: datetime
    requested_at: datetime
    requested_by: str
    orders_checked: int
    orders_changed: int
    done_at: datetime | None


class YearOut(BaseModel):
    year: int
    source: YearSource = Field(description="notice (loaded by an admin), chinese_calendar (packaged) or fallback")
    provisional: bool = Field(description="true while no notice is known: weekends and statutory holidays by rule")
    holidays: list[date] = Field(description="weekdays off")
    workdays: list[date] = Field(description="weekend days worked (调休)")
    overrides: list[OverrideOut]
    office_hours: str
    note: str | None = None
    loaded_at: datetime | None = None
    loaded_by: str | None = None


class YearLoaded(YearOut):
    warnings: list[str] = Field(description="differences from the packaged data and statutory holidays by rule")
    recompute: RecomputeOut = Field(description="open orders whose deadlines are being recomputed")


class OverrideSaved(OverrideOut):
    recompute: RecomputeOut


class DeadlineOut(BaseModel):
    start: datetime
    due_at: datetime
    provisional: bool = Field(description="the computation used a year whose holiday notice is not loaded")
    amount: float
    unit: DeadlineUnit
    office_hours: str
