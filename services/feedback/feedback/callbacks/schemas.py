from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class CallbackOutcome(StrEnum):
    rated = "rated"
    unreachable = "unreachable"


class CallbackCreate(BaseModel):
    """An operator's callback (回访): either the citizen's rating, or one unanswered try."""

    model_config = ConfigDict(extra="forbid")

    outcome: CallbackOutcome
    satisfaction: Satisfaction | None = None
    solved: bool | None = None
    comment: str | None = Field(default=None, max_length=1000)
    unit_at_fault: bool | None = Field(
        default=None,
        description="For an unsatisfied rating: whether the handling unit caused it (re-handling 重办). "
        "Defaults to true when unsatisfied.",
    )

    @model_validator(mode="after")
    def _rating_needs_satisfaction(self) -> CallbackCreate:
        if self.outcome is CallbackOutcome.rated and self.satisfaction is None:
            raise ValueError("a rated callback needs `satisfaction` (satisfied, basically_satisfied, unsatisfied)")
        return self


class RatingCreate(BaseModel):
    """The citizen's own rating of the unit's reply, once per reply."""

    model_config = ConfigDict(extra="forbid")

    satisfaction: Satisfaction
    solved: bool | None = None
    comment: str | None = Field(default=None, max_length=1000)


class CallbackResult(BaseModel):
    case_no: str
    outcome: CallbackOutcome
    status: str
    reply_seq: int
    attempts: int
    satisfaction: Satisfaction | None = None
    closed: bool
    close_outcome: str | None = None


class RatingResult(BaseModel):
    case_no: str
    reply_seq: int
    satisfaction: Satisfaction
    status: str
    status_text: str


class CallbackItem(BaseModel):
    case_no: str
    order_id: str | None
    unit_id: str | None
    unit_name: str | None
    category: str | None
    topic_code: str | None
    topic_name: str | None
    reply_seq: int
    reply_result: str | None
    reply_solved: bool | None
    replied_at: datetime | None
    due_at: datetime | None
    overdue: bool
    attempts: int
    caller_name: str | None
    caller_phone: str | None
    confidential: bool


class CallbackPage(BaseModel):
    items: list[CallbackItem]
    next_cursor: str | None = None
