from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..orders.schemas import OrderSummary
from ..validation import UnitId


class DispatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: UnitId = Field(description="the lead unit (主办)")
    co_unit_ids: list[UnitId] = Field(default_factory=list, max_length=10, description="co-units (协办)")
    designate: bool = Field(default=False, description="指定: the unit cannot return the order")

    @model_validator(mode="after")
    def _distinct(self) -> DispatchIn:
        if len(set(self.co_unit_ids)) != len(self.co_unit_ids):
            raise ValueError("co_unit_ids lists a unit twice")
        if self.unit_id in self.co_unit_ids:
            raise ValueError("the lead unit cannot also be a co-unit")
        return self


class DispatchOut(BaseModel):
    case_no: str
    dispatch_no: int
    designated: bool
    created: bool = Field(description="false when this exact dispatch was already in place (a retried request)")
    orders: list[OrderSummary]


class QueueItem(BaseModel):
    case_no: str
    category: str
    topic_code: str
    topic_name: str | None
    urgency: str
    title: str | None
    district_code: str | None
    street_code: str | None
    community_code: str | None
    received_at: datetime
    queued_at: datetime
    reason: str
    suggested_unit_id: str | None
    dispatch_count: int
    rehandle_count: int
    designation_required: bool = Field(description="returned too often: the next dispatch is a designation (指定)")
    previous_order_id: str | None
