"""Typed requests and answers of the gateway API (v1), written against ../shared/api.md.

Answers accept fields this client does not know yet (`extra="allow"`): the API adds fields
freely and an older client must keep working. What the client *does* use is checked against
the live merged OpenAPI by tests/test_client_contract.py, so a rename, retype or removal on
the server fails the suite instead of a station's import.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["phone", "station", "web", "app", "mailbox", "open311"]
Category = Literal["consult", "help", "complaint", "report", "suggestion", "praise", "other"]
Urgency = Literal["normal", "urgent", "utilities"]
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]
UrgeLevel = Literal["remind", "supervise", "listed"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- intake -------------------------------------------------------------------------------


class Caller(Request):
    name: str | None = None
    phone: str | None = None
    confidential: bool = False


class Location(Request):
    district_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    grid_code: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None


class ForceNew(Request):
    reason: str


class CaseCreate(Request):
    channel: Channel
    category: Category
    topic_code: str
    description: str
    title: str | None = None
    caller: Caller = Field(default_factory=Caller)
    location: Location = Field(default_factory=Location)
    urgency: Urgency = "normal"
    direct_answer: str | None = None
    force_new: ForceNew | None = None


class BatchItem(CaseCreate):
    client_ref: str


class BatchRequest(Request):
    items: list[BatchItem]


class CaseAccepted(Answer):
    case_no: str
    lookup_code: str
    status: str
    duplicate_of: str | None = None
    received_at: datetime


class BatchProblem(Answer):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] = Field(default_factory=list)


class BatchItemResult(Answer):
    index: int
    client_ref: str | None
    ok: bool
    replayed: bool = False
    case: CaseAccepted | None = None
    problem: BatchProblem | None = None


class BatchResult(Answer):
    accepted: int
    failed: int
    results: list[BatchItemResult]


class CaseSummary(Answer):
    case_no: str
    status: str
    channel: str
    category: str
    topic_code: str
    topic_name: str | None
    urgency: str
    title: str | None
    district_code: str | None
    received_at: datetime
    demand_count: int
    duplicate_of: str | None


class CaseRecord(Answer):
    case_no: str
    lookup_code: str
    status: str
    channel: str
    category: str
    topic_code: str
    topic_name: str | None
    urgency: str
    title: str | None
    description: str
    received_at: datetime
    demand_count: int
    duplicate_of: str | None
    closed_at: datetime | None


class Topic(Answer):
    code: str
    name: str
    parent_code: str | None
    level: int
    active: bool
    selectable: bool
    full_name: str


class TopicList(Answer):
    version: int
    topics: list[Topic]


class Area(Answer):
    code: str
    name: str
    level: str
    parent_code: str | None
    active: bool


class AreaList(Answer):
    version: int
    areas: list[Area]


# --- dispatch: orders -----------------------------------------------------------------------


class CaseBrief(Answer):
    case_no: str
    category: str
    topic_code: str
    topic_name: str | None
    urgency: str
    title: str | None
    received_at: datetime


class OrderSummary(Answer):
    order_id: str
    case_no: str
    unit_id: str
    unit_name: str
    status: str
    dispatched_at: datetime
    sign_due_at: datetime | None
    contact_due_at: datetime | None
    reply_due_at: datetime | None
    light: str | None
    urge_level: str | None
    case: CaseBrief


class OrderDetail(OrderSummary):
    allowed_actions: list[str]
    signed_at: datetime | None
    contacted_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    extension_count: int
    rehandle_count: int


class ContactIn(Request):
    note: str | None = None


class ReplyIn(Request):
    result: str
    solved: bool


class ReturnIn(Request):
    reason: str
    suggested_unit_id: str | None = None


class ExtensionIn(Request):
    working_days: int
    reason: str


class Extension(Answer):
    extension_id: int
    order_id: str
    status: str
    working_days: int
    reply_due_at_before: datetime | None


class DecisionIn(Request):
    approve: bool
    note: str | None = None


class ExtensionDecided(Extension):
    reply_due_at_after: datetime | None
    decided_by: str | None


class PauseIn(Request):
    reason: str
    kind: Literal["citizen_unreachable", "third_party", "other"] = "other"


class Pause(Answer):
    pause_id: int
    order_id: str
    status: str


class DispatchIn(Request):
    unit_id: str
    co_unit_ids: list[str] = Field(default_factory=list)
    designate: bool = False


# --- supervision ------------------------------------------------------------------------------


class SupervisedRow(Answer):
    order_id: str
    case_no: str
    unit_id: str
    unit_name: str | None
    status: str
    category: str
    urgency: str
    topic_code: str
    district_code: str | None
    deadline_kind: str
    due_at: datetime
    urge_level: str | None
    light: str


class OverdueRow(SupervisedRow):
    hours_late: float


class NearDueRow(SupervisedRow):
    hours_left: float


class UrgeIn(Request):
    order_id: str
    level: UrgeLevel
    note: str | None = None


class Urge(Answer):
    urge_id: int
    order_id: str
    case_no: str
    level: str
    issued_at: datetime


class RankedUnit(Answer):
    unit_id: str
    unit_name: str | None
    volume: int
    sign_on_time_rate: float | None
    contact_on_time_rate: float | None
    reply_on_time_rate: float | None
    solved_rate: float | None
    satisfaction_rate: float | None
    score: float | None
    rank: int | None
    ranked: bool


class Rankings(Answer):
    month: str
    units: list[RankedUnit]
    top: list[RankedUnit]
    bottom: list[RankedUnit]


# --- feedback -------------------------------------------------------------------------------------


class CallbackItem(Answer):
    case_no: str
    unit_name: str | None
    topic_name: str | None
    reply_seq: int
    reply_result: str | None
    due_at: datetime | None
    overdue: bool
    attempts: int
    caller_name: str | None
    caller_phone: str | None


class CallbackIn(Request):
    outcome: Literal["rated", "unreachable"]
    satisfaction: Satisfaction | None = None
    solved: bool | None = None
    comment: str | None = None
    unit_at_fault: bool | None = None


class CallbackResult(Answer):
    case_no: str
    outcome: str
    status: str
    closed: bool


class TimelineEntry(Answer):
    type: str
    at: datetime
    actor: str | None = None
    payload: dict[str, Any]


class StaffTimeline(Answer):
    case_no: str
    status: str
    unit_name: str | None = None
    timeline: list[TimelineEntry]
