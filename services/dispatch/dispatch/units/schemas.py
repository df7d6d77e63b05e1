from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..validation import Code, Name, UnitId


class UnitKind(StrEnum):
    department = "department"
    district = "district"
    street = "street"
    community = "community"
    utility = "utility"
    other = "other"


PHONE_PATTERN = r"^[0-9+][0-9 -]{2,29}$"


class UnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_id: UnitId = Field(description="stable id, e.g. U-CG-001")
    name: Name
    kind: UnitKind = UnitKind.department
    district_code: Code | None = None
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN, description="the unit's office line")
    active: bool = True


class UnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    kind: UnitKind | None = None
    district_code: Code | None = None
    phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    active: bool | None = None


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unit_id: str
    name: str
    kind: str
    district_code: str | None
    phone: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
