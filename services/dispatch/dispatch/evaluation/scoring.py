"""Pure rules of the 双十分制: capped sums, the score, the lines it crosses, and the tiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .config import Line
from .repository import MANUAL


def clamp(value: int, limit: int) -> int:
    return max(-limit, min(limit, value))


@dataclass(frozen=True)
class Score:
    unit_id: str
    raw: int  # the ledger's plain sum
    capped: dict[str, int]  # per rule after its cap (manual points uncapped)
    score: int  # within ±limit


def score_of(unit_id: str, by_rule: Mapping[str, int], caps: Mapping[str, int], limit: int) -> Score:
    capped = {
        code: total if code == MANUAL or code not in caps else clamp(total, caps[code])
        for code, total in sorted(by_rule.items())
    }
    return Score(unit_id=unit_id, raw=sum(by_rule.values()), capped=capped, score=clamp(sum(capped.values()), limit))


def reached(score: int, lines: Sequence[Line]) -> list[Line]:
    """The lines a score is at or beyond: +4 has reached 鼓励(+2) and 扶持(+4); −2 reached 预警."""
    return [
        line
        for line in lines
        if (line.positive and score >= line.threshold) or (not line.positive and score <= line.threshold)
    ]


def tier_bounds(count: int, shares: Sequence[float]) -> list[int]:
    """Where each tier ends, from the cumulative shares rounded half up: 10 units at 20/50/30
    end at 2, 7, 10; 7 units at 1, 5, 7 (1.4 → 1, 4.9 → 5). The first tier holds at least one
    unit (an empty first class would single out nobody): 2 units end at 1, 1, 2."""
    bounds, acc = [], 0.0
    for share in shares:
        acc += share
        bounds.append(min(count, int(acc * count + 0.5 + 1e-9)))
    bounds[-1] = count
    if count:
        bounds[0] = max(bounds[0], 1)
    for i in range(1, len(bounds)):
        bounds[i] = max(bounds[i], bounds[i - 1])
    return bounds


def tiers(scores: Sequence[tuple[str, int]], shares: Sequence[float]) -> dict[str, int]:
    """unit → tier (1 is best). Sorted by score, best first; a unit tied with the last unit of a
    tier joins that tier (equal scores never land in different tiers), so a tier may run over
    its share and the next ones shrink."""
    ordered = sorted(scores, key=lambda s: (-s[1], s[0]))
    out: dict[str, int] = {}
    index = 0
    for tier, bound in enumerate(tier_bounds(len(ordered), shares), start=1):
        end = max(index, bound)
        while index < end < len(ordered) and ordered[end][1] == ordered[end - 1][1]:
            end += 1
        for unit_id, _ in ordered[index:end]:
            out[unit_id] = tier
        index = end
    return out
