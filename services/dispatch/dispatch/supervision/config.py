"""Supervision settings, nested in DispatchSettings (env: DISPATCH_SUPERVISION__<NAME>)."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from .metrics import DEFAULT_WEIGHTS


class SupervisionSettings(BaseModel):
    # How often the worker looks for due timers and queued unit notices. Timers are absolute
    # instants in the database, so the interval only bounds how late a light can change.
    sweep_interval_s: float = Field(default=5.0, gt=0, le=3600)
    sweep_batch: int = Field(default=200, ge=1, le=5000)
    # Composite score weights per rate (see docs/metrics.md); zero leaves a rate out.
    score_weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # Units with fewer lead orders in the month are listed but not ranked (a rate of 1 order is noise).
    ranking_min_volume: int = Field(default=10, ge=0)
    ranking_size: int = Field(default=5, ge=1, le=50)
    export_max_rows: int = Field(default=100_000, ge=1, le=1_000_000)

    @field_validator("score_weights")
    @classmethod
    def _known_rates(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(DEFAULT_WEIGHTS)
        if unknown:
            raise ValueError(f"unknown rates in score_weights: {sorted(unknown)}; known: {sorted(DEFAULT_WEIGHTS)}")
        if any(w < 0 for w in value.values()):
            raise ValueError("score weights must not be negative")
        if not any(w > 0 for w in value.values()):
            raise ValueError("at least one score weight must be positive")
        return value
