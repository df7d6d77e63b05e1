from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Area, CatalogState, Topic

STATE_ID = 1


async def state(session: AsyncSession) -> CatalogState | None:
    return await session.get(CatalogState, STATE_ID)


async def version(session: AsyncSession) -> int:
    value = await session.scalar(select(CatalogState.version).where(CatalogState.id == STATE_ID))
    return int(value or 0)


async def all_topics(session: AsyncSession) -> Sequence[Topic]:
    return (await session.scalars(select(Topic).order_by(Topic.position, Topic.code))).all()


async def all_areas(session: AsyncSession) -> Sequence[Area]:
    return (await session.scalars(select(Area).order_by(Area.position, Area.code))).all()
