"""考评 settings, nested in DispatchSettings (env: DISPATCH_EVALUATION__<NAME>, JSON for lists)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field, field_validator, model_validator


class Action(StrEnum):
    notice = "notice"  # the line-crossed event is the unit's notice
    interview = "interview"  # also an item on the supervisors' 约谈 list


class Line(BaseModel):
    code: str = Field(pattern=r"^[a-z_]{2,20}$")
    name: str = Field(min_length=1, max_length=20)
    threshold: int = Field(ge=-100, le=100)
    action: Action = Action.notice

    @property
    def positive(self) -> bool:
        return self.threshold > 0


DEFAULT_LINES = [
    Line(code="encourage", name="鼓励", threshold=2),
    Line(code="support", name="扶持", threshold=4),
    Line(code="recommend", name="推优", threshold=6),
    Line(code="reward", name="奖励", threshold=8),
    Line(code="warning", name="预警", threshold=-2),
    Line(code="recall", name="召回", threshold=-4),
    Line(code="interview", name="约谈", threshold=-6, action=Action.interview),
    Line(code="exit", name="退出", threshold=-8, action=Action.interview),
]


class EvaluationSettings(BaseModel):
    # 双十分制: a unit's month score stays within ±score_limit whatever the ledger sums to.
    score_limit: int = Field(default=10, ge=1, le=100)
    lines: list[Line] = Field(default_factory=lambda: [line.model_copy() for line in DEFAULT_LINES])
    # Tier shares (一类/二类/三类), best first; they must add up to 1.
    tier_shares: list[float] = Field(default_factory=lambda: [0.2, 0.5, 0.3], min_length=2, max_length=5)

    @field_validator("tier_shares")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if any(s <= 0 for s in value) or abs(sum(value) - 1) > 1e-6:
            raise ValueError("tier shares must be positive and add up to 1, e.g. [0.2, 0.5, 0.3]")
        return value

    @model_validator(mode="after")
    def _lines(self) -> EvaluationSettings:
        codes = [line.code for line in self.lines]
        if len(set(codes)) != len(codes):
            raise ValueError("line codes must be unique")
        if any(line.threshold == 0 or abs(line.threshold) > self.score_limit for line in self.lines):
            raise ValueError("a line's threshold must be non-zero and within ±score_limit")
        return self
