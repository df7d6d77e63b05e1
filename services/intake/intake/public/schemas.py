from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..cases.schemas import MAX_DESCRIPTION, MAX_NAME, MAX_TITLE, CaseAccepted, Category, Location


class PublicChannel(StrEnum):
    web = "web"
    app = "app"


class PublicCaller(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=MAX_NAME, examples=["张三"])
    phone: str = Field(max_length=40, description="Mobile number the verification code was sent to")
    confidential: bool = Field(default=False, description="保密: never shown on the public board")


class PublicCaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: PublicChannel = PublicChannel.app
    category: Category
    topic_code: str = Field(max_length=40, description="A selectable (leaf) code from GET /api/v1/catalog/topics")
    description: str = Field(max_length=MAX_DESCRIPTION)
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    caller: PublicCaller
    location: Location = Field(default_factory=Location)
    verification_code: str = Field(
        max_length=12, description="The six digits sent by POST /api/v1/public/verification-codes"
    )
    photos: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="随手拍: base64 JPEG/PNG/HEIC files (count and size limits in the error message if exceeded)",
    )


class PublicCaseAccepted(CaseAccepted):
    photo_ids: list[str] = Field(default_factory=list)
    track_url: str = Field(description="The progress page for this case")
