from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    source: str
    at: datetime
    order_id: str | None = None
    unit_id: str | None = None
    actor: str | None = None
    payload: dict[str, Any]


class StaffCaseTimeline(BaseModel):
    """The whole timeline (全程留痕), unmasked, for staff allowed to see the case."""

    case_no: str
    status: str
    category: str | None = None
    topic_code: str | None = None
    topic_name: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    address: str | None = None
    confidential: bool
    order_id: str | None = None
    unit_id: str | None = None
    unit_name: str | None = None
    reply_due_at: datetime | None = None
    light: str | None = None
    reply_seq: int
    rehandle_count: int
    callback_due_at: datetime | None = None
    callback_attempts: int
    satisfaction: str | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    timeline: list[TimelineEntry]
