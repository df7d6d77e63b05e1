"""The outcome ledger and the monthly figures kept from it by deltas.

Every change to the ledger adds its difference to `supervision_unit_months` in the same
transaction, so a ranking reads a few hundred rows however long the history is. `recompute`
rebuilds those figures from the ledger with one GROUP BY; `differences` compares the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, Select, case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .metrics import Settled
from .models import Outcome, UnitMonth
from .outcomes import Key

FigureKey = tuple[str, str, str]  # (month, unit_id, metric)


class Deltas:
    def __init__(self) -> None:
        self.values: defaultdict[FigureKey, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, month: str, unit_id: str, metric: str, hit: bool, sign: int) -> None:
        entry = self.values[(month, unit_id, metric)]
        entry[0] += sign
        entry[1] += sign * int(hit)


async def apply(session: AsyncSession, *, order_id: str, unit_id: str, changes: Mapping[Key, Settled | None]) -> None:
    """Bring the ledger rows for ``changes``' keys to the given values (None removes one)."""
    if not changes:
        return
    rows = await session.scalars(select(Outcome).where(Outcome.order_id == order_id))
    existing = {(o.metric, o.seq): o for o in rows}
    deltas = Deltas()
    for (metric, seq), new in changes.items():
        old = existing.get((metric, seq))
        if old is not None and new is not None and old.month == new.month and old.hit == new.hit:
            continue
        if old is not None:
            deltas.add(old.month, old.unit_id, metric, old.hit, -1)
            if new is None:
                await session.delete(old)
            else:
                old.month, old.hit = new.month, new.hit
        elif new is not None:
            session.add(
                Outcome(order_id=order_id, metric=metric, seq=seq, unit_id=unit_id, month=new.month, hit=new.hit)
            )
        if new is not None:
            deltas.add(new.month, unit_id, metric, new.hit, +1)
    await session.flush()
    await add_to_figures(session, deltas)


async def mark_rehandled(session: AsyncSession, *, order_id: str, reply_seq: int) -> None:
    """The reply ``reply_seq`` was sent back for re-handling: it stays in its month, now as a hit."""
    row = await session.get(Outcome, (order_id, "rehandle", reply_seq))
    if row is None or row.hit:
        return
    await apply(
        session, order_id=order_id, unit_id=row.unit_id, changes={("rehandle", reply_seq): Settled(row.month, True)}
    )


async def add_to_figures(session: AsyncSession, deltas: Deltas) -> None:
    # Sorted, so two transactions touching the same figures lock them in the same order.
    dialect = session.get_bind().dialect.name
    for (month, unit_id, metric), (total, hits) in sorted(deltas.values.items()):
        if total == 0 and hits == 0:
            continue
        values = {"month": month, "unit_id": unit_id, "metric": metric, "total": total, "hits": hits}
        if dialect == "postgresql":
            pg = pg_insert(UnitMonth).values(values)
            await session.execute(
                pg.on_conflict_do_update(
                    index_elements=["month", "unit_id", "metric"],
                    set_={"total": UnitMonth.total + pg.excluded.total, "hits": UnitMonth.hits + pg.excluded.hits},
                )
            )
        else:
            lite = sqlite_insert(UnitMonth).values(values)
            await session.execute(
                lite.on_conflict_do_update(
                    index_elements=["month", "unit_id", "metric"],
                    set_={"total": UnitMonth.total + lite.excluded.total, "hits": UnitMonth.hits + lite.excluded.hits},
                )
            )


def _aggregate(month: str | None) -> Select[Any]:
    query = select(
        Outcome.month,
        Outcome.unit_id,
        Outcome.metric,
        func.count().label("total"),
        func.coalesce(func.sum(case((Outcome.hit, 1), else_=0)), 0).label("hits"),
    ).group_by(Outcome.month, Outcome.unit_id, Outcome.metric)
    if month is not None:
        query = query.where(Outcome.month == month)
    return query


async def recompute(session: AsyncSession, *, month: str | None = None) -> int:
    """Rebuild the figures (of one month, or all) from the ledger; returns the rows written."""
    wipe = delete(UnitMonth)
    if month is not None:
        wipe = wipe.where(UnitMonth.month == month)
    await session.execute(wipe)
    agg = _aggregate(month).subquery()
    result = await session.execute(
        insert(UnitMonth).from_select(
            ["month", "unit_id", "metric", "total", "hits"],
            select(agg.c.month, agg.c.unit_id, agg.c.metric, agg.c.total, agg.c.hits),
        )
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)


async def differences(
    session: AsyncSession, *, month: str | None = None
) -> list[tuple[FigureKey, tuple[int, int], tuple[int, int]]]:
    """(key, stored, recomputed) for every figure where the incremental value is off."""
    fresh = {
        (r.month, r.unit_id, r.metric): (int(r.total), int(r.hits)) for r in await session.execute(_aggregate(month))
    }
    query = select(UnitMonth)
    if month is not None:
        query = query.where(UnitMonth.month == month)
    stored = {(r.month, r.unit_id, r.metric): (r.total, r.hits) for r in await session.scalars(query)}
    out = []
    for key in sorted(set(fresh) | set(stored)):
        a, b = stored.get(key, (0, 0)), fresh.get(key, (0, 0))
        if a != b:
            out.append((key, a, b))
    return out
