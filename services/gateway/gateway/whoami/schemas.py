from __future__ import annotations

from hotline_shared.identity import Role
from pydantic import BaseModel, Field


class Me(BaseModel):
    subject: str = Field(description="the key's name, or `oidc:<subject>` for a token")
    role: Role
    unit_id: str | None = Field(description="the handling unit a unit key works for")
    station_id: str | None = Field(description="the community station a station key belongs to")
    area_code: str | None = Field(description="the area a station (or an area supervisor) is limited to")
