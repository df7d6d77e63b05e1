from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..supervision.schemas import MONTH_PATTERN
from ..validation import ID_PATTERN
from .config import Action
from .rules import ATTRIBUTES, EVENT_TYPES

Month = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
MatchValue = str | int | bool | None | list[str | int | bool | None]


def _non_zero(value: int) -> int:
    if value == 0:
        raise ValueError("points must not be 0")
    return value


Points = Annotated[int, Field(ge=-10, le=10), AfterValidator(_non_zero)]


class Board(StrEnum):
    red = "red"
    black = "black"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    event_type: str = Field(description="one of: " + ", ".join(EVENT_TYPES))
    match: dict[str, MatchValue] = Field(default_factory=dict, description="payload fields the event must have")
    points: Points = Field(description="points per event, non-zero")
    cap_per_period: int = Field(ge=1, le=100, description="most points (either sign) this rule gives a unit in a month")
    active: bool = True
    effective_from: datetime | None = Field(default=None, description="default now; never in the past")

    @field_validator("event_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event type; known: {', '.join(EVENT_TYPES)}")
        return value

    @field_validator("match")
    @classmethod
    def _known_keys(cls, value: dict[str, MatchValue]) -> dict[str, MatchValue]:
        unknown = sorted(set(value) - ATTRIBUTES)
        if unknown:
            raise ValueError(f"unknown match fields {unknown}; known: {sorted(ATTRIBUTES)}")
        return value


class RuleOut(BaseModel):
    code: str
    version: int
    name: str
    event_type: str
    match: dict[str, MatchValue]
    points: int
    cap_per_period: int
    active: bool
    effective_from: datetime
    created_by: str
    created_at: datetime


class RuleList(BaseModel):
    items: list[RuleOut]


class ManualIn(Strict):
    unit_id: str = Field(pattern=ID_PATTERN)
    month: Month | None = Field(default=None, description="YYYY-MM, default the current month")
    points: Points
    reason: Reason


class ReverseIn(Strict):
    reason: Reason


class PointOut(BaseModel):
    point_id: int
    unit_id: str
    month: str
    points: int
    kind: str
    rule_code: str | None
    rule_name: str | None
    rule_version: int | None
    event_id: str | None
    event_type: str | None
    order_id: str | None
    case_no: str | None
    reverses_id: int | None
    reason: str | None
    author: str
    occurred_at: datetime
    booked_at: datetime


class Breakdown(BaseModel):
    rule_code: str
    rule_name: str
    points: int


class UnitScore(BaseModel):
    unit_id: str
    unit_name: str | None
    score: int
    raw: int
    tier: int
    lines: list[str]
    lines_crossed: list[str]
    breakdown: list[Breakdown]


class LineOut(BaseModel):
    code: str
    name: str
    threshold: int
    action: Action
    count: int


class Entry(BaseModel):
    entry_id: int
    unit_id: str
    unit_name: str | None
    board: Board
    reason: str
    origin: str
    added_by: str


class BulletinOut(BaseModel):
    month: str
    status: str = Field(description="open (not compiled yet), draft, or published (frozen)")
    compiled_at: datetime | None
    compiled_by: str | None
    approved_at: datetime | None
    approved_by: str | None
    score_limit: int
    tier_shares: list[float]
    lines: list[LineOut]
    units: list[UnitScore]
    red: list[Entry]
    black: list[Entry]


class EntryIn(Strict):
    unit_id: str = Field(pattern=ID_PATTERN)
    board: Board
    reason: Reason


class EntryEdit(Strict):
    reason: Reason | None = None
    remove: bool = False


class CrossingOut(BaseModel):
    crossing_id: int
    unit_id: str
    unit_name: str | None
    month: str
    line: str
    line_name: str | None
    threshold: int
    score: int
    action: str
    status: str
    crossed_at: datetime
    done_by: str | None
    done_at: datetime | None
    note: str | None


class CrossingList(BaseModel):
    items: list[CrossingOut]


class DoneIn(Strict):
    note: Reason


class UnitEvaluation(BaseModel):
    month: str
    status: str
    unit_id: str
    unit_name: str | None
    score: int
    raw: int
    tier: int | None
    breakdown: list[Breakdown]
    crossings: list[CrossingOut]
    points: list[PointOut]


class RecomputeOut(BaseModel):
    month: str
    checked: int
    added: int
    reversed: int


class PublicUnit(BaseModel):
    unit_id: str
    unit_name: str | None
    score: int
    tier: int
    board: Board | None
    lines: list[str]


class PublicTier(BaseModel):
    tier: int
    units: int


class PublicLine(BaseModel):
    code: str
    name: str
    threshold: int
    count: int


class PublicSummary(BaseModel):
    month: str
    approved_at: datetime
    score_limit: int
    units: list[PublicUnit]
    tiers: list[PublicTier]
    lines: list[PublicLine]


class MonthScore(BaseModel):
    month: str
    score: int


class MonthStatus(BaseModel):
    month: str
    status: str


class QuarterUnit(BaseModel):
    unit_id: str
    unit_name: str | None
    months: list[MonthScore]
    score: int
    tier: int


class QuarterOut(BaseModel):
    quarter: str
    published: bool = Field(description="all three months are published")
    months: list[MonthStatus]
    units: list[QuarterUnit]
