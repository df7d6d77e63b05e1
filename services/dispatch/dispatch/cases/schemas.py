"""Intake's CaseView (docs/events.md), as dispatch reads it: tolerant of fields added later."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class CaseLocation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    district_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    grid_code: str | None = None
    address: str | None = None
    district_name: str | None = None
    street_name: str | None = None
    community_name: str | None = None


class CaseCaller(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = None
    phone: str | None = None
    confidential: bool = False


class CaseView(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case_no: str = Field(min_length=1, max_length=40)
    category: str = Field(min_length=1, max_length=20)
    topic_code: str = Field(min_length=1, max_length=40)
    topic_name: str | None = None
    urgency: str = "normal"
    title: str | None = None
    description: str = ""
    location: CaseLocation = Field(default_factory=CaseLocation)
    caller: CaseCaller = Field(default_factory=CaseCaller)
    confidential: bool = False
    received_at: datetime
