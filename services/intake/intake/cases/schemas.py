from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

MAX_DESCRIPTION = 2000
MAX_TITLE = 100
MAX_NAME = 50
MAX_ADDRESS = 200
MAX_ANSWER = 2000
MAX_REASON = 500


class Channel(StrEnum):
    phone = "phone"
    station = "station"
    web = "web"
    app = "app"
    mailbox = "mailbox"
    open311 = "open311"


class Category(StrEnum):
    consult = "consult"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"
    praise = "praise"
    other = "other"


class Urgency(StrEnum):
    normal = "normal"
    urgent = "urgent"
    utilities = "utilities"


class CaseStatus(StrEnum):
    received = "received"
    duplicate = "duplicate"
    closed = "closed"


class Caller(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=MAX_NAME, examples=["张三"])
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Mobile (13812345678, +86 138 1234 5678) or landline with area code (010-12345678)",
        examples=["13812345678"],
    )
    confidential: bool = Field(default=False, description="保密: never shown on the public board")


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    district_code: str | None = Field(default=None, max_length=20, examples=["D01"])
    street_code: str | None = Field(default=None, max_length=20, examples=["D01-S01"])
    community_code: str | None = Field(default=None, max_length=20, examples=["D01-S01-C01"])
    grid_code: str | None = Field(default=None, max_length=30)
    address: str | None = Field(default=None, max_length=MAX_ADDRESS)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class ForceNew(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=MAX_REASON, description="Why this is not a duplicate; recorded on the timeline")


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Channel
    category: Category
    topic_code: str = Field(max_length=40, description="A selectable (leaf) code from GET /api/v1/catalog/topics")
    description: str = Field(max_length=MAX_DESCRIPTION, description="At least 5 characters of content")
    title: str | None = Field(default=None, max_length=MAX_TITLE)
    caller: Caller = Field(default_factory=Caller)
    location: Location = Field(default_factory=Location)
    urgency: Urgency = Urgency.normal
    direct_answer: str | None = Field(
        default=None, max_length=MAX_ANSWER, description="直接办结: the answer given on the call (consults only)"
    )
    force_new: ForceNew | None = Field(default=None, description="Register even if it looks like a duplicate")


ClientRef = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]


class BatchCaseItem(CaseCreate):
    client_ref: ClientRef = Field(description="The station's own id for this item; retries with it are idempotent")


class CaseAccepted(BaseModel):
    case_no: str = Field(examples=["20261123-000123"])
    lookup_code: str = Field(description="提取码: the citizen's code for the public lookup")
    status: CaseStatus
    duplicate_of: str | None = None
    received_at: datetime


class BatchProblem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] = Field(default_factory=list)


class BatchItemResult(BaseModel):
    index: int
    client_ref: str | None
    ok: bool
    replayed: bool = Field(default=False, description="An earlier post with this client_ref already created it")
    case: CaseAccepted | None = None
    problem: BatchProblem | None = None


class BatchResult(BaseModel):
    accepted: int
    failed: int
    results: list[BatchItemResult]


class Person(BaseModel):
    name: str | None
    phone: str | None
    confidential: bool


class LocationOut(BaseModel):
    district_code: str | None
    district_name: str | None
    street_code: str | None
    street_name: str | None
    community_code: str | None
    community_name: str | None
    grid_code: str | None
    address: str | None
    lat: float | None
    lon: float | None


class RegisteredBy(BaseModel):
    subject: str
    role: str
    station_id: str | None


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    actor: str
    actor_role: str
    note: str | None
    related_case_no: str | None


class ForceNewOut(BaseModel):
    reason: str
    override_of: str | None


class CaseRecord(BaseModel):
    case_no: str
    lookup_code: str
    status: CaseStatus
    channel: Channel
    category: Category
    topic_code: str
    topic_name: str | None
    urgency: Urgency
    title: str | None
    description: str
    location: LocationOut
    caller: Person
    personal_data_masked: bool = Field(description="True when your role sees caller and address masked")
    confidential: bool
    received_at: datetime
    registered_by: RegisteredBy
    demand_count: int
    duplicate_of: str | None
    duplicates: list[str]
    force_new: ForceNewOut | None
    direct_answer: str | None
    closed_at: datetime | None
    closed_by: str | None
    timeline: list[TimelineOut]


class CaseSummary(BaseModel):
    case_no: str
    status: CaseStatus
    channel: Channel
    category: Category
    topic_code: str
    topic_name: str | None
    urgency: Urgency
    title: str | None
    district_code: str | None
    street_code: str | None
    community_code: str | None
    confidential: bool
    received_at: datetime
    demand_count: int
    duplicate_of: str | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None
