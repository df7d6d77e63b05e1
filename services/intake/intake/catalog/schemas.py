from __future__ import annotations

from pydantic import BaseModel, Field


class TopicOut(BaseModel):
    code: str
    name: str
    parent_code: str | None
    level: int = Field(description="1, 2 or 3")
    active: bool
    selectable: bool = Field(description="A case may be registered under this topic (active leaf)")
    full_name: str = Field(description="e.g. 城市管理 › 市容环境 › 占道经营")


class TopicList(BaseModel):
    version: int
    topics: list[TopicOut]


class AreaOut(BaseModel):
    code: str
    name: str
    level: str = Field(description="district, street or community")
    parent_code: str | None
    active: bool


class AreaList(BaseModel):
    version: int
    areas: list[AreaOut]


class ReloadOut(BaseModel):
    version: int
    changed: bool
    topics: int = Field(description="active topics after the reload")
    areas: int = Field(description="active areas after the reload")
    deactivated: list[str] = Field(description="codes deactivated because they left the files")
