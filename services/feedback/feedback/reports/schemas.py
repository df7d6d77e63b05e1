from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class CountRow(BaseModel):
    key: str | None
    name: str | None
    count: int


class Figures(BaseModel):
    total: int
    direct_resolved: int
    replied: int
    replied_on_time: int
    rated: int
    satisfied: int
    basically_satisfied: int
    unsatisfied: int
    unreachable: int
    solved: int
    closed: int
    rehandled: int


class Rates(BaseModel):
    """Percentages (0–100, one decimal), None when there is nothing to divide by.

    direct_resolution: closed at intake / all; on_time_reply: latest reply on time / replied;
    solved: rated solved / rated; satisfaction: (satisfied + basically) / rated, unreachable
    callbacks left out as domain.md requires.
    """

    direct_resolution: float | None
    on_time_reply: float | None
    solved: float | None
    satisfaction: float | None


class Summary(BaseModel):
    from_date: date
    to_date: date
    figures: Figures
    rates: Rates
    by_category: list[CountRow]
    by_channel: list[CountRow]
    by_topic: list[CountRow]
    by_area: list[CountRow]
    by_status: list[CountRow]


class Bulletin(BaseModel):
    from_date: date
    to_date: date
    title: str
    text: str
    summary: Summary
