from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..validation import ORDER_ID_PATTERN, Note

MONTH_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"
Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]


class UrgeLevelName(StrEnum):
    remind = "remind"  # 催办
    supervise = "supervise"  # 督办
    listed = "listed"  # 挂牌督办


class DeadlineKind(StrEnum):
    sign = "sign"
    contact = "contact"
    reply = "reply"


class OverdueRow(BaseModel):
    order_id: str
    case_no: str
    unit_id: str
    unit_name: str | None
    role: str
    status: str
    category: str
    urgency: str
    topic_code: str
    district_code: str | None
    deadline_kind: DeadlineKind = Field(description="which deadline is late: sign-for, first contact or reply")
    due_at: datetime
    hours_late: float = Field(description="clock hours between due_at and as_of")
    urge_level: UrgeLevelName | None
    light: str


class NearDueRow(BaseModel):
    order_id: str
    case_no: str
    unit_id: str
    unit_name: str | None
    role: str
    status: str
    category: str
    urgency: str
    topic_code: str
    district_code: str | None
    deadline_kind: DeadlineKind
    due_at: datetime
    hours_left: float = Field(description="clock hours from as_of to due_at")
    warn_at: datetime | None = Field(description="when 75 % of the reply window is used (yellow)")
    urge_level: UrgeLevelName | None
    light: str = Field(description="the light as of as_of")


class OverduePage(BaseModel):
    as_of: datetime
    items: list[OverdueRow]
    next_cursor: str | None = None


class NearDuePage(BaseModel):
    as_of: datetime
    within_hours: float | None
    items: list[NearDueRow]
    next_cursor: str | None = None


class UrgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Annotated[str, StringConstraints(pattern=ORDER_ID_PATTERN)]
    level: UrgeLevelName
    note: Note | None = None


class UrgeOut(BaseModel):
    urge_id: int
    order_id: str
    case_no: str
    unit_id: str
    level: UrgeLevelName
    note: str | None
    by: str = Field(description="'auto' or the supervisor")
    auto: bool
    deadline_kind: DeadlineKind | None
    due_at: datetime | None
    round: int = Field(description="handling round: 0, then 1, 2 after each re-handling (重办)")
    issued_at: datetime
    notify_at: datetime = Field(description="when the unit is (or was) notified: office hours unless urgent")
    notified_at: datetime | None
    queued: bool = Field(description="the unit notice is waiting for office hours")


class SupervisionView(BaseModel):
    order_id: str
    case_no: str
    unit_id: str
    role: str
    status: str
    paused: bool
    round: int
    light: str
    light_kind: DeadlineKind | None
    urge_level: UrgeLevelName | None
    due_at: datetime | None = Field(description="the earliest open deadline (none while paused or finished)")
    due_kind: DeadlineKind | None
    sign_due_at: datetime | None
    contact_due_at: datetime | None
    reply_due_at: datetime | None
    warn_at: datetime | None
    listed_at: datetime | None
    next_timer_at: datetime | None
    urges: list[UrgeOut]


class TallyOut(BaseModel):
    total: int
    hits: int


class UnitMetrics(BaseModel):
    unit_id: str
    unit_name: str | None
    month: str
    volume: int = Field(description="lead orders received in the month")
    co_volume: int = Field(description="co-unit (协办) orders received in the month")
    sign_on_time_rate: float | None
    contact_on_time_rate: float | None
    reply_on_time_rate: float | None
    solved_rate: float | None
    satisfaction_rate: float | None
    return_rate: float | None
    rehandle_rate: float | None
    score: float | None = Field(description="weighted composite, 0-100 (docs/metrics.md)")
    counts: dict[str, TallyOut] = Field(description="numerator (hits) and denominator (total) behind each figure")


class RankedUnitOut(UnitMetrics):
    rank: int | None = Field(description="1 = best; null when not ranked (too few orders)")
    ranked: bool


class Rankings(BaseModel):
    month: str
    weights: dict[str, float]
    min_volume: int
    units: list[RankedUnitOut]
    top: list[RankedUnitOut] = Field(description="红榜: the best five")
    bottom: list[RankedUnitOut] = Field(description="黑榜: the worst five, worst first")
