from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PhotoOut(BaseModel):
    photo_id: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    publishable: bool
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class PhotoList(BaseModel):
    items: list[PhotoOut]


class Publication(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publishable: bool = Field(description="True: shown on the public progress page and board; False: staff only")
