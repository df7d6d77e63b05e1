from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PublicTimelineEntry(BaseModel):
    at: datetime
    kind: str
    text: str


class PublicCaller(BaseModel):
    name: str | None = None
    phone: str | None = None


class PublicLocation(BaseModel):
    district_code: str | None = None
    district_name: str | None = None
    street_name: str | None = None
    community_name: str | None = None
    place: str | None = None


class PublicReply(BaseModel):
    unit_name: str | None = None
    result: str | None = None
    solved: bool | None = None
    replied_at: datetime | None = None


class PublicRating(BaseModel):
    satisfaction: str
    satisfaction_text: str
    source: str | None = None


class PublicPhotoLink(BaseModel):
    photo_id: str
    source: str
    width: int
    height: int


class PublicCase(BaseModel):
    """A case as the citizen who holds its lookup code sees it: personal data masked."""

    case_no: str
    status: str
    status_text: str
    category: str | None = None
    category_text: str | None = None
    channel_text: str | None = None
    topic_code: str | None = None
    topic_name: str | None = None
    urgency: str | None = None
    title: str | None = None
    description: str | None = None
    received_at: datetime | None = None
    location: PublicLocation
    caller: PublicCaller
    unit_name: str | None = None
    deadline: datetime | None = None
    reply: PublicReply | None = None
    rating: PublicRating | None = None
    can_rate: bool = False
    duplicate_of: str | None = None
    rehandle_count: int = 0
    closed_at: datetime | None = None
    outcome: str | None = None
    outcome_text: str | None = None
    timeline: list[PublicTimelineEntry]
    photos: list[PublicPhotoLink] = []


class BoardItem(BaseModel):
    """A closed, non-confidential case as published on the public board (公示)."""

    case_no: str
    title: str | None = None
    category: str | None = None
    category_text: str | None = None
    topic_code: str | None = None
    topic_name: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    street_name: str | None = None
    community_name: str | None = None
    caller_name: str | None = None
    description: str | None = None
    unit_name: str | None = None
    reply: str | None = None
    received_at: datetime | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    outcome_text: str | None = None
    satisfaction_text: str | None = None


class BoardPage(BaseModel):
    items: list[BoardItem]
    next_cursor: str | None = None
