"""Settlement rules, rates, score and the 红黑榜 order (pure, no database)."""

from __future__ import annotations

from datetime import datetime

from dispatch.supervision.metrics import (
    DEFAULT_WEIGHTS,
    Metric,
    Settled,
    Tally,
    UnitFigures,
    deadline_outcome,
    figures_from_rows,
    month_of,
    rank,
    score,
)
from hotline_shared.clock import SHANGHAI


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_month_is_the_shanghai_month_even_for_utc_instants() -> None:
    from datetime import UTC

    # 2026-11-30 16:30 UTC is 2026-12-01 00:30 in Shanghai.
    assert month_of(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-12"


def test_on_time_counts_in_the_month_it_was_done() -> None:
    assert deadline_outcome(due=sh(2026, 12, 1, 17, 30), done_at=sh(2026, 11, 30, 16, 0), missed=False) == Settled(
        "2026-11", True
    )


def test_done_exactly_at_the_deadline_is_on_time() -> None:
    due = sh(2026, 11, 30, 17, 30)
    assert deadline_outcome(due=due, done_at=due, missed=False) == Settled("2026-11", True)


def test_late_counts_in_the_month_of_the_deadline_not_of_the_late_act() -> None:
    out = deadline_outcome(due=sh(2026, 11, 30, 17, 30), done_at=sh(2026, 12, 3, 9, 0), missed=True)
    assert out == Settled("2026-11", False)
    # a late act the timer had not yet noticed settles the same way
    assert deadline_outcome(due=sh(2026, 11, 30, 17, 30), done_at=sh(2026, 12, 3, 9, 0), missed=False) == out


def test_pending_deadline_is_not_counted_yet() -> None:
    assert deadline_outcome(due=sh(2026, 11, 30, 17, 30), done_at=None, missed=False) is None


def test_missed_and_still_undone_is_a_miss() -> None:
    assert deadline_outcome(due=sh(2026, 11, 30, 17, 30), done_at=None, missed=True) == Settled("2026-11", False)


def test_rates_and_empty_denominators() -> None:
    f = UnitFigures("U1", "2026-11", {Metric.sign: Tally(4, 3), Metric.volume: Tally(5, 5)})
    rates = f.rates()
    assert rates["sign_on_time_rate"] == 0.75
    assert rates["satisfaction_rate"] is None
    assert f.volume == 5


def test_score_inverts_bad_rates_and_renormalises_missing_ones() -> None:
    f = UnitFigures(
        "U1",
        "2026-11",
        {Metric.reply: Tally(10, 9), Metric.returned: Tally(10, 2)},
    )
    weights = {"reply_on_time_rate": 3, "return_rate": 1, "satisfaction_rate": 5}
    # (3*0.9 + 1*(1-0.2)) / 4 = 0.875; satisfaction has no ratings and is left out.
    assert score(f, weights) == 87.5
    assert score(UnitFigures("U2", "2026-11", {}), weights) is None


def _unit(unit_id: str, on_time: int, volume: int = 10) -> UnitFigures:
    return UnitFigures(unit_id, "2026-11", {Metric.volume: Tally(volume, volume), Metric.reply: Tally(10, on_time)})


def test_ranking_top_and_bottom_never_overlap_and_small_units_are_not_ranked() -> None:
    units = [_unit(f"U{i:02d}", i) for i in range(1, 8)] + [_unit("TINY", 10, volume=2)]
    ranking = rank("2026-11", units, weights=DEFAULT_WEIGHTS, min_volume=5)
    assert [r.figures.unit_id for r in ranking.top] == ["U07", "U06", "U05", "U04", "U03"]
    assert [r.figures.unit_id for r in ranking.bottom] == ["U01", "U02"]
    tiny = next(r for r in ranking.units if r.figures.unit_id == "TINY")
    assert tiny.rank is None
    assert [r.rank for r in ranking.units[:7]] == [1, 2, 3, 4, 5, 6, 7]


def test_ranking_ties_go_to_the_larger_volume() -> None:
    a = UnitFigures("A", "2026-11", {Metric.volume: Tally(20, 20), Metric.reply: Tally(10, 10)})
    b = UnitFigures("B", "2026-11", {Metric.volume: Tally(30, 30), Metric.reply: Tally(10, 10)})
    ranking = rank("2026-11", [a, b], weights=DEFAULT_WEIGHTS, min_volume=1)
    assert [r.figures.unit_id for r in ranking.top] == ["B", "A"]


def test_figures_from_rows_groups_by_unit_and_ignores_unknown_metrics() -> None:
    figs = figures_from_rows("2026-11", [("U1", "sign", 3, 2), ("U1", "future_metric", 1, 1), ("U2", "volume", 4, 4)])
    assert [f.unit_id for f in figs] == ["U1", "U2"]
    assert figs[0].tally(Metric.sign) == Tally(3, 2)
