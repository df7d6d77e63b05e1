from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..extensions.schemas import ExtensionOut
from ..pauses.schemas import PauseOut
from ..supervision.lights import Light
from ..supervision.schemas import UrgeLevelName
from ..validation import AttachmentRef, Note, Reason, ResultText, UnitId


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = Field(default=None, description="how and when the citizen was reached")


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: ResultText
    solved: bool
    attachments: list[AttachmentRef] = Field(
        default_factory=list, max_length=20, description="references to files held by the unit (URLs or ids)"
    )
    photos: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="办结照片: base64 JPEG/PNG/HEIC; metadata (EXIF, GPS) is removed before storage",
    )
    photos_publishable: bool = Field(
        default=False, description="True: the photos may be shown on the citizen's progress page"
    )


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    suggested_unit_id: UnitId | None = None


class CaseLocationOut(BaseModel):
    district_code: str | None
    street_code: str | None
    community_code: str | None
    grid_code: str | None
    district_name: str | None
    street_name: str | None
    community_name: str | None
    address: str | None


class CallerOut(BaseModel):
    name: str | None
    phone: str | None
    confidential: bool


class CaseBrief(BaseModel):
    case_no: str
    category: str
    topic_code: str
    topic_name: str | None
    urgency: str
    title: str | None
    received_at: datetime


class CaseDetail(CaseBrief):
    description: str
    location: CaseLocationOut
    caller: CallerOut = Field(description="for the unit's first contact; never shown publicly")


class OrderSummary(BaseModel):
    order_id: str
    case_no: str
    unit_id: str
    unit_name: str
    role: str
    status: str
    dispatch_no: int
    designated: bool
    info_only: bool
    dispatched_at: datetime
    sign_due_at: datetime | None
    contact_due_at: datetime | None
    reply_due_at: datetime | None
    return_due_at: datetime | None
    provisional: bool = Field(description="a deadline runs into a year whose holiday notice is not loaded yet")
    rehandle_count: int
    light: Light | None = Field(
        description="warning light: yellow once 75 % of the reply time is used, red once a deadline has passed; "
        "a finished order keeps its last light; null for information-only orders"
    )
    urge_level: UrgeLevelName | None = Field(description="the highest urge (催办/督办/挂牌督办) of this handling round")
    case: CaseBrief


class ReplyOut(BaseModel):
    seq: int
    result: str
    solved: bool | None
    attachments: list[str]
    at: datetime | None


class CoOrderOut(BaseModel):
    order_id: str
    unit_id: str
    unit_name: str
    status: str
    reply: ReplyOut | None


class HistoryEntry(BaseModel):
    at: datetime
    type: str
    actor: dict[str, str]
    from_status: str | None
    to_status: str | None
    detail: dict[str, Any]


class OrderDetail(OrderSummary):
    case: CaseDetail  # the detail view carries the full case
    allowed_actions: list[str]
    lead_order_id: str | None
    signed_at: datetime | None
    contacted_at: datetime | None
    replied_at: datetime | None
    returned_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    policy: dict[str, Any]
    extension_count: int
    paused_at: datetime | None
    paused_working_seconds: int
    reply_seq: int
    reply: ReplyOut | None
    contact_note: str | None
    return_reason: str | None
    suggested_unit_id: str | None
    co_orders: list[CoOrderOut]
    extensions: list[ExtensionOut]
    pauses: list[PauseOut]
    history: list[HistoryEntry]
