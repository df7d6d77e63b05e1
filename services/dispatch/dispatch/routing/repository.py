from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import RoutingRule


async def get(session: AsyncSession, rule_id: int) -> RoutingRule | None:
    return await session.get(RoutingRule, rule_id)


async def by_key(session: AsyncSession, *, topic_key: str, area_key: str) -> RoutingRule | None:
    return await session.scalar(
        select(RoutingRule).where(RoutingRule.topic_key == topic_key, RoutingRule.area_key == area_key)
    )


async def candidates(
    session: AsyncSession, *, topic_keys: Sequence[str], area_keys: Sequence[str]
) -> list[RoutingRule]:
    query = select(RoutingRule).where(RoutingRule.topic_key.in_(topic_keys), RoutingRule.area_key.in_(area_keys))
    return list(await session.scalars(query))


async def page(
    session: AsyncSession,
    *,
    after: int | None,
    limit: int,
    topic_key: str | None,
    area_key: str | None,
    unit_id: str | None,
) -> list[RoutingRule]:
    query = select(RoutingRule).order_by(RoutingRule.id)
    if after is not None:
        query = query.where(RoutingRule.id > after)
    if topic_key is not None:
        query = query.where(RoutingRule.topic_key == topic_key)
    if area_key is not None:
        query = query.where(RoutingRule.area_key == area_key)
    if unit_id is None:
        return list(await session.scalars(query.limit(limit + 1)))
    # co_unit_ids is a JSON list with no portable containment operator; the rule table is small
    # (one row per topic × area), so the unit filter runs here.
    rows = []
    for rule in await session.scalars(query):
        if rule.lead_unit_id == unit_id or unit_id in (rule.co_unit_ids or []):
            rows.append(rule)
            if len(rows) > limit:
                break
    return rows
