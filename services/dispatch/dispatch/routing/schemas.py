from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..validation import Code, ShortText, UnitId


class AreaLevel(StrEnum):
    any = "any"
    district = "district"
    street = "street"
    community = "community"


# Most specific first: a community rule beats a street rule beats a district rule beats "any".
AREA_RANK = {AreaLevel.community: 0, AreaLevel.street: 1, AreaLevel.district: 2, AreaLevel.any: 3}


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic_code: Code | None = Field(default=None, description="topic (or a parent topic); null = any topic")
    area_code: Code | None = Field(default=None, description="district, street or community code; null = anywhere")
    area_level: AreaLevel | None = Field(
        default=None, description="level of area_code; taken from the area tree when omitted"
    )
    lead_unit_id: UnitId
    co_unit_ids: list[UnitId] = Field(default_factory=list, max_length=10)
    note: ShortText | None = None

    @model_validator(mode="after")
    def _area_consistent(self) -> RuleIn:
        if self.area_code is None and self.area_level not in (None, AreaLevel.any):
            raise ValueError("area_level needs an area_code (leave both out for a rule that applies anywhere)")
        if self.area_code is not None and self.area_level is AreaLevel.any:
            raise ValueError("area_level 'any' cannot have an area_code")
        if len(set(self.co_unit_ids)) != len(self.co_unit_ids):
            raise ValueError("co_unit_ids lists a unit twice")
        if self.lead_unit_id in self.co_unit_ids:
            raise ValueError("the lead unit cannot also be a co-unit")
        return self


class RuleOut(BaseModel):
    id: int
    topic_code: str | None
    area_code: str | None
    area_level: AreaLevel
    lead_unit_id: str
    co_unit_ids: list[str]
    note: str | None
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


class RouteMatch(BaseModel):
    matched: bool
    rule: RuleOut | None = None
    lead_unit_id: str | None = None
    co_unit_ids: list[str] = Field(default_factory=list)
