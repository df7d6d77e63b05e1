from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Unit


async def get(session: AsyncSession, unit_id: str) -> Unit | None:
    return await session.get(Unit, unit_id)


async def get_many(session: AsyncSession, unit_ids: Iterable[str]) -> dict[str, Unit]:
    ids = list(set(unit_ids))
    if not ids:
        return {}
    rows = await session.scalars(select(Unit).where(Unit.unit_id.in_(ids)))
    return {u.unit_id: u for u in rows}


async def page(
    session: AsyncSession, *, after: str | None, limit: int, active: bool | None, kind: str | None
) -> list[Unit]:
    query = select(Unit).order_by(Unit.unit_id).limit(limit + 1)
    if after is not None:
        query = query.where(Unit.unit_id > after)
    if active is not None:
        query = query.where(Unit.active.is_(active))
    if kind is not None:
        query = query.where(Unit.kind == kind)
    return list(await session.scalars(query))
