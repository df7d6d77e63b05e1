from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..validation import Note, Reason


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"


class ExtensionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    working_days: int = Field(ge=1, le=250, description="working days asked for")
    reason: Reason


class ExtensionDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: Note | None = None


class ExtensionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    extension_id: int = Field(validation_alias="id")
    order_id: str
    case_no: str
    unit_id: str
    status: ExtensionStatus
    working_days: int
    reason: str
    requested_at: datetime
    requested_by: str
    reply_due_at_before: datetime | None
    reply_due_at_after: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    note: str | None
