"""Monthly per-unit figures: the settlement rules, the rates and the composite score.

Every figure is a tally of *outcomes*: one outcome is one settled fact about one order (its
sign-for was on time; its second reply was late; its first reply was rated satisfied ...), stored
once in the outcome ledger with the unit and month it counts for. A rate is hits / total of one
metric. The definitions, with their edge cases, are written out in docs/metrics.md; the functions
here are the single implementation of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from hotline_shared.calendar import to_shanghai


class Metric(StrEnum):
    volume = "volume"  # lead orders received (one per order; hit unused)
    co_volume = "co_volume"  # co-unit (协办) orders received
    returned = "returned"  # every order received; hit = sent back (退单)
    sign = "sign"  # 及时签收: hit = signed by the sign-for deadline
    contact = "contact"  # 先行联系: hit = first contact by its deadline (per handling round)
    reply = "reply"  # 按时办结: hit = replied by the reply deadline (per handling round)
    solved = "solved"  # 解决率: per rated reply; hit = the citizen says solved
    satisfaction = "satisfaction"  # 满意率: per rated reply; hit = satisfied or basically satisfied
    rehandle = "rehandle"  # 重办率: per lead reply; hit = sent back for re-handling


# Rates where a high value is bad; the score uses (1 - rate) for them.
INVERTED = frozenset({Metric.returned, Metric.rehandle})

RATE_NAMES: dict[Metric, str] = {
    Metric.sign: "sign_on_time_rate",
    Metric.contact: "contact_on_time_rate",
    Metric.reply: "reply_on_time_rate",
    Metric.solved: "solved_rate",
    Metric.satisfaction: "satisfaction_rate",
    Metric.returned: "return_rate",
    Metric.rehandle: "rehandle_rate",
}

DEFAULT_WEIGHTS: dict[str, float] = {
    "sign_on_time_rate": 10,
    "contact_on_time_rate": 10,
    "reply_on_time_rate": 25,
    "solved_rate": 20,
    "satisfaction_rate": 25,
    "return_rate": 5,
    "rehandle_rate": 5,
}

SATISFIED_VALUES = frozenset({"satisfied", "basically_satisfied"})


def month_of(moment: datetime) -> str:
    """The reporting month (Asia/Shanghai) an instant belongs to, as ``YYYY-MM``."""
    return to_shanghai(moment).strftime("%Y-%m")


@dataclass(frozen=True, slots=True)
class Settled:
    month: str
    hit: bool


def deadline_outcome(*, due: datetime | None, done_at: datetime | None, missed: bool) -> Settled | None:
    """Settle a deadline (sign-for, first contact, reply) once its result is known.

    - done by the deadline → a hit in the month it was done;
    - done after the deadline, or the deadline passed undone (``missed``, recorded by the timer
      engine when it fired) → a miss in the month of the deadline, whatever happens later;
    - otherwise the result is not known yet → None (nothing counted).
    A deadline that does not exist (None) but was done counts as on time.
    """
    if done_at is not None and (due is None or done_at <= due):
        return Settled(month_of(done_at), True)
    if due is not None and (done_at is not None or missed):
        return Settled(month_of(due), False)
    return None


@dataclass(frozen=True, slots=True)
class Tally:
    total: int = 0
    hits: int = 0

    @property
    def rate(self) -> float | None:
        return self.hits / self.total if self.total else None

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.total + other.total, self.hits + other.hits)


@dataclass(frozen=True)
class UnitFigures:
    unit_id: str
    month: str
    tallies: Mapping[Metric, Tally] = field(default_factory=dict)

    def tally(self, metric: Metric) -> Tally:
        return self.tallies.get(metric, Tally())

    @property
    def volume(self) -> int:
        return self.tally(Metric.volume).total

    @property
    def co_volume(self) -> int:
        return self.tally(Metric.co_volume).total

    def rates(self) -> dict[str, float | None]:
        return {name: self.tally(metric).rate for metric, name in RATE_NAMES.items()}


def score(figures: UnitFigures, weights: Mapping[str, float]) -> float | None:
    """Weighted mean of the unit's rates on a 0–100 scale.

    A rate with no cases behind it (e.g. no ratings yet this month) is left out and the remaining
    weights are renormalised, so a unit is neither rewarded nor punished for an empty denominator.
    """
    total_weight = 0.0
    acc = 0.0
    for metric, name in RATE_NAMES.items():
        weight = float(weights.get(name, 0.0))
        rate = figures.tally(metric).rate
        if weight <= 0 or rate is None:
            continue
        acc += weight * ((1.0 - rate) if metric in INVERTED else rate)
        total_weight += weight
    if total_weight == 0:
        return None
    return round(100.0 * acc / total_weight, 2)


@dataclass(frozen=True)
class RankedUnit:
    figures: UnitFigures
    score: float | None
    rank: int | None  # None: not ranked (too few orders this month)


@dataclass(frozen=True)
class Ranking:
    month: str
    units: list[RankedUnit]
    top: list[RankedUnit]
    bottom: list[RankedUnit]


def rank(
    month: str,
    figures: Iterable[UnitFigures],
    *,
    weights: Mapping[str, float],
    min_volume: int,
    size: int = 5,
) -> Ranking:
    """Order units by score (红黑榜).

    Only units with at least ``min_volume`` lead orders and a score are ranked; ties go to the
    larger volume, then the unit id, so the order is stable. ``bottom`` lists the worst first and
    never repeats a unit already on ``top`` (with fewer than 2×size ranked units it is shorter).
    """
    scored = [(f, score(f, weights)) for f in figures]
    eligible = [(f, s) for f, s in scored if s is not None and f.volume >= min_volume]
    eligible.sort(key=lambda pair: (-(pair[1] or 0.0), -pair[0].volume, pair[0].unit_id))
    ranked = [RankedUnit(f, s, i + 1) for i, (f, s) in enumerate(eligible)]
    unranked = sorted(
        (RankedUnit(f, s, None) for f, s in scored if s is None or f.volume < min_volume),
        key=lambda r: r.figures.unit_id,
    )
    top = ranked[:size]
    rest = ranked[len(top) :]
    bottom = list(reversed(rest[-size:])) if rest else []
    return Ranking(month=month, units=ranked + unranked, top=top, bottom=bottom)


def figures_from_rows(month: str, rows: Iterable[tuple[str, str, int, int]]) -> list[UnitFigures]:
    """Group (unit_id, metric, total, hits) rows of one month into per-unit figures."""
    by_unit: dict[str, dict[Metric, Tally]] = {}
    for unit_id, metric, total, hits in rows:
        try:
            key = Metric(metric)
        except ValueError:
            continue  # a metric from a newer release: ignore rather than fail the whole ranking
        tallies = by_unit.setdefault(unit_id, {})
        tallies[key] = tallies.get(key, Tally()) + Tally(int(total), int(hits))
    return [UnitFigures(unit_id, month, tallies) for unit_id, tallies in sorted(by_unit.items())]
