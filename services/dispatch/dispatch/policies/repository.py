from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..paging import id_page
from .models import TimeLimitPolicy


async def get(session: AsyncSession, policy_id: int) -> TimeLimitPolicy | None:
    return await session.get(TimeLimitPolicy, policy_id)


async def by_key(session: AsyncSession, *, category: str, topic: str, urgency: str) -> TimeLimitPolicy | None:
    return await session.scalar(
        select(TimeLimitPolicy).where(
            TimeLimitPolicy.category_key == category,
            TimeLimitPolicy.topic_key == topic,
            TimeLimitPolicy.urgency_key == urgency,
        )
    )


async def candidates(
    session: AsyncSession, *, categories: Sequence[str], topics: Sequence[str], urgencies: Sequence[str]
) -> list[TimeLimitPolicy]:
    query = select(TimeLimitPolicy).where(
        TimeLimitPolicy.category_key.in_(categories),
        TimeLimitPolicy.topic_key.in_(topics),
        TimeLimitPolicy.urgency_key.in_(urgencies),
    )
    return list(await session.scalars(query))


async def page(
    session: AsyncSession,
    *,
    after: int | None,
    limit: int,
    category: str | None,
    topic: str | None,
    urgency: str | None,
) -> list[TimeLimitPolicy]:
    return await id_page(
        session, TimeLimitPolicy, after=after, limit=limit, category_key=category, topic_key=topic, urgency_key=urgency
    )
