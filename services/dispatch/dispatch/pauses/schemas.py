from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..validation import Note, Reason


class PauseStatus(StrEnum):
    pending = "pending"
    active = "active"
    rejected = "rejected"
    ended = "ended"
    withdrawn = "withdrawn"


class PauseKind(StrEnum):
    citizen_unreachable = "citizen_unreachable"
    third_party = "third_party"
    other = "other"


class PauseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason
    kind: PauseKind = PauseKind.other


class PauseDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    note: Note | None = None


class PauseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pause_id: int = Field(validation_alias="id")
    order_id: str
    case_no: str
    unit_id: str
    status: PauseStatus
    kind: PauseKind
    reason: str
    requested_at: datetime
    requested_by: str
    decided_at: datetime | None
    decided_by: str | None
    note: str | None
    started_at: datetime | None
    ended_at: datetime | None
    paused_working_seconds: int | None
