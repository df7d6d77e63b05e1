from __future__ import annotations

from datetime import datetime

from hotline_shared.calendar import DeadlineUnit
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..enums import Category, Urgency
from ..validation import Code, ShortText

# Upper bounds keep one deadline computation cheap and within any real policy.
MAX_AMOUNT = {
    DeadlineUnit.CALENDAR_HOURS: 24 * 366,
    DeadlineUnit.WORKING_HOURS: 8 * 250,
    DeadlineUnit.WORKING_DAYS: 250,
}


class Limit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: float = Field(gt=0, description="how much time, in `unit`")
    unit: DeadlineUnit

    @model_validator(mode="after")
    def _sane(self) -> Limit:
        if self.amount > MAX_AMOUNT[self.unit]:
            raise ValueError(f"at most {MAX_AMOUNT[self.unit]} {self.unit.value}")
        if self.unit is DeadlineUnit.WORKING_DAYS and self.amount != int(self.amount):
            raise ValueError("working days must be a whole number")
        return self


ONE_WORKING_DAY = Limit(amount=1, unit=DeadlineUnit.WORKING_DAYS)


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category | None = Field(default=None, description="null = any category")
    topic_code: Code | None = Field(default=None, description="a topic or parent topic; null = any topic")
    urgency: Urgency | None = Field(default=None, description="null = any urgency")
    sign: Limit = Field(description="签收 limit")
    contact: Limit = Field(description="先行联系 limit")
    reply: Limit = Field(description="办结 limit")
    return_window: Limit = Field(default=ONE_WORKING_DAY, description="退单 window after dispatch")
    max_extensions: int = Field(default=1, ge=0, le=5, description="extensions allowed per dispatch")
    note: ShortText | None = None


class PolicyOut(BaseModel):
    id: int
    category: Category | None
    topic_code: str | None
    urgency: Urgency | None
    sign: Limit
    contact: Limit
    reply: Limit
    return_window: Limit
    max_extensions: int
    version: int
    specificity: int = Field(description="higher wins: urgency 4, topic 2, category 1")
    note: str | None
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


class PolicyResolution(BaseModel):
    policy: PolicyOut | None
    snapshot: dict[str, object] = Field(description="what would be recorded on an order dispatched now")
