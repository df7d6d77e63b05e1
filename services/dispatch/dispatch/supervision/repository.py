"""Queries on the supervision tables, shaped for their indexes.

Overdue and near-due lists are keyset-paginated on (due_at, order_id) over the partial indexes
`ix_supervision_orders_{due,yellow,unit_due,district_due,street_due,community_due,topic_due,
category_due,urgency_due}` (only orders with an open deadline): a page is an index range scan that
stops after `limit` rows, however many closed orders the table holds.

The queries deliberately do not spell out the indexes' `due_at IS NOT NULL` / `warn_at IS NOT
NULL`: a range comparison on the column already implies it, and both planners use the partial
index on that proof. Written out, PostgreSQL counted those conditions twice, estimated 2 yellow
orders where there were 5,536, and read and sorted all of them instead of stopping after a page
(22 ms instead of 0.8 ms at a million orders; see bench/README.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..units.models import Unit
from .models import SupervisedOrder, UnitMonth, Urge


@dataclass(frozen=True)
class Filters:
    unit_id: str | None = None
    district_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    topic_code: str | None = None
    category: str | None = None
    urgency: str | None = None


Position = tuple[datetime, str]  # (due_at, order_id) of the last row of the previous page


def _base(filters: Filters, after: Position | None) -> Select[Any]:
    s = SupervisedOrder
    query = select(s)
    for column, value in (
        (s.unit_id, filters.unit_id),
        (s.district_code, filters.district_code),
        (s.street_code, filters.street_code),
        (s.community_code, filters.community_code),
        (s.category, filters.category),
        (s.urgency, filters.urgency),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.topic_code is not None:
        # A topic includes its sub-topics (codes extend their parent's: CG › CG-SRHJ › CG-SRHJ-ZDJY).
        # substr, not LIKE: no wildcards to escape, and case-sensitive on SQLite as on PostgreSQL.
        code = filters.topic_code
        query = query.where(or_(s.topic_code == code, func.substr(s.topic_code, 1, len(code) + 1) == f"{code}-"))
    if after is not None:
        due, order_id = after
        # The plain `due_at >= due` is implied by the OR; it is there to start the index range at
        # the cursor, so page 100 costs what page 1 does.
        query = query.where(s.due_at >= due, or_(s.due_at > due, and_(s.due_at == due, s.order_id > order_id)))
    return query.order_by(s.due_at, s.order_id)


def overdue_query(
    *, as_of: datetime, filters: Filters, min_hours_late: float, limit: int, after: Position | None = None
) -> Select[Any]:
    query = _base(filters, after)
    if min_hours_late > 0:
        query = query.where(SupervisedOrder.due_at <= as_of - timedelta(hours=min_hours_late))
    else:
        query = query.where(SupervisedOrder.due_at < as_of)
    return query.limit(limit)


def near_due_query(
    *, as_of: datetime, within_hours: float | None, filters: Filters, limit: int, after: Position | None = None
) -> Select[Any]:
    s = SupervisedOrder
    query = _base(filters, after).where(s.due_at >= as_of)
    if within_hours is not None:
        query = query.where(s.due_at < as_of + timedelta(hours=within_hours))
    else:
        query = query.where(s.warn_at < as_of)
    return query.limit(limit)


async def overdue(
    session: AsyncSession,
    *,
    as_of: datetime,
    filters: Filters,
    min_hours_late: float,
    limit: int,
    after: Position | None = None,
) -> Sequence[SupervisedOrder]:
    """Orders late at ``as_of`` (by at least ``min_hours_late``), the latest first."""
    query = overdue_query(as_of=as_of, filters=filters, min_hours_late=min_hours_late, limit=limit, after=after)
    return (await session.scalars(query)).all()


async def near_due(
    session: AsyncSession,
    *,
    as_of: datetime,
    within_hours: float | None,
    filters: Filters,
    limit: int,
    after: Position | None = None,
) -> Sequence[SupervisedOrder]:
    """Not yet late at ``as_of``: due within the window, or (no window) yellow; soonest due first."""
    query = near_due_query(as_of=as_of, within_hours=within_hours, filters=filters, limit=limit, after=after)
    return (await session.scalars(query)).all()


async def unit_names(session: AsyncSession, unit_ids: set[str]) -> dict[str, str]:
    if not unit_ids:
        return {}
    rows = await session.execute(select(Unit.unit_id, Unit.name).where(Unit.unit_id.in_(sorted(unit_ids))))
    return {str(unit_id): str(name) for unit_id, name in rows}


async def unit_exists(session: AsyncSession, unit_id: str) -> bool:
    return await session.scalar(select(Unit.unit_id).where(Unit.unit_id == unit_id)) is not None


async def month_figures(
    session: AsyncSession, *, month: str, unit_id: str | None = None
) -> list[tuple[str, str, int, int]]:
    query = select(UnitMonth.unit_id, UnitMonth.metric, UnitMonth.total, UnitMonth.hits).where(UnitMonth.month == month)
    if unit_id is not None:
        query = query.where(UnitMonth.unit_id == unit_id)
    return [(u, m, int(t), int(h)) for u, m, t, h in await session.execute(query)]


async def lights(session: AsyncSession, order_ids: list[str]) -> dict[str, tuple[str, int]]:
    """order_id → (light, urge level) for the orders supervision knows (info-only ones it does not)."""
    if not order_ids:
        return {}
    s = SupervisedOrder
    rows = await session.execute(select(s.order_id, s.light, s.urge_level).where(s.order_id.in_(order_ids)))
    return {order_id: (light, int(level)) for order_id, light, level in rows}


async def get_row(session: AsyncSession, order_id: str) -> SupervisedOrder | None:
    return await session.get(SupervisedOrder, order_id)


async def urges_of(session: AsyncSession, order_id: str, *, limit: int = 200) -> Sequence[Urge]:
    return (await session.scalars(select(Urge).where(Urge.order_id == order_id).order_by(Urge.id).limit(limit))).all()


async def urge_by_key(session: AsyncSession, *, subject: str, key: str) -> Urge | None:
    urge: Urge | None = await session.scalar(
        select(Urge).where(Urge.by_subject == subject, Urge.idempotency_key == key)
    )
    return urge
