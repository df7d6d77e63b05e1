"""Properties of an order's deadline recipe (start + policy, then extensions and pauses replayed).

The calendar arithmetic itself has its own property tests in shared/; these check that the order
bookkeeping composes it correctly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dispatch.orders import deadlines
from dispatch.orders.models import WorkOrder
from hotline_shared.calendar import WorkingCalendar
from hotline_shared.clock import SHANGHAI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CALENDAR = WorkingCalendar()

moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
)
PROPS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


def order(start: datetime, reply_days: int, adjustments: list[dict[str, object]] | None = None) -> WorkOrder:
    limit = {"amount": 1, "unit": "working_days"}
    return WorkOrder(
        order_id="P-1",
        role="lead",
        status="signed",
        info_only=False,
        designated=False,
        clock_started_at=start,
        policy={"sign": limit, "contact": limit, "reply": {"amount": reply_days, "unit": "working_days"}},
        adjustments=adjustments or [],
    )


@PROPS
@given(start=moments, n=st.integers(1, 20), m=st.integers(1, 10))
def test_an_extension_of_m_days_on_n_days_equals_n_plus_m(start: datetime, n: int, m: int) -> None:
    # Policies are at least one working day (0 has its own receipt-day rule and is refused by the API).
    extended = order(start, n, [{"kind": "extension", "working_days": m, "extension_id": 1}])
    assert (
        deadlines.compute(CALENDAR, extended, "reply").due_at
        == deadlines.compute(CALENDAR, order(start, n + m), "reply").due_at
    )


@PROPS
@given(
    start=moments, n=st.integers(1, 15), pause_from=st.integers(0, 72 * 60), pause_minutes=st.integers(0, 14 * 24 * 60)
)
def test_a_pause_moves_the_deadline_by_exactly_the_paused_working_time(
    start: datetime, n: int, pause_from: int, pause_minutes: int
) -> None:
    begin = start + timedelta(minutes=pause_from)
    end = begin + timedelta(minutes=pause_minutes)
    plain = deadlines.compute(CALENDAR, order(start, n), "reply").due_at
    paused = deadlines.compute(
        CALENDAR,
        order(start, n, [{"kind": "pause", "from": begin.isoformat(), "to": end.isoformat(), "pause_id": 1}]),
        "reply",
    ).due_at
    assert CALENDAR.working_time_between(plain, paused) == CALENDAR.working_time_between(begin, end)
    assert CALENDAR.is_working_moment(paused)


@PROPS
@given(start=moments, n=st.integers(1, 15), later=st.integers(0, 10 * 24 * 60))
def test_a_later_start_never_gives_an_earlier_deadline(start: datetime, n: int, later: int) -> None:
    first = deadlines.compute(CALENDAR, order(start, n), "reply").due_at
    second = deadlines.compute(CALENDAR, order(start + timedelta(minutes=later), n), "reply").due_at
    assert second >= first
    assert CALENDAR.is_working_moment(first)
