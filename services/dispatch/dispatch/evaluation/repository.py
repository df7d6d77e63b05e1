"""Queries behind the evaluation: rules in force, ledger sums, crossings, the units graded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..supervision.models import UnitMonth
from ..units.models import Unit
from .models import Bulletin, Crossing, Point, Rule

MANUAL = "manual"  # the bucket of manual points (and their reversals) in a score breakdown


async def rules_for_type(session: AsyncSession, *, event_type: str, at: datetime) -> list[Rule]:
    """The version of each rule scoring ``event_type`` that is in force at ``at`` (and active)."""
    rows = await session.scalars(
        select(Rule)
        .where(Rule.event_type == event_type, Rule.effective_from <= at)
        .order_by(Rule.code, Rule.version.desc())
    )
    seen: set[str] = set()
    out = []
    for rule in rows:
        if rule.code in seen:
            continue
        seen.add(rule.code)
        out.append(rule)
    # A newer version of a code may have moved it to another event type: only the latest counts.
    latest = await latest_versions(session, codes=[r.code for r in out], at=at)
    return [r for r in out if latest.get(r.code) == r.version and r.active]


async def latest_versions(session: AsyncSession, *, codes: Iterable[str], at: datetime) -> dict[str, int]:
    codes = list(codes)
    if not codes:
        return {}
    rows = await session.execute(
        select(Rule.code, func.max(Rule.version))
        .where(Rule.code.in_(codes), Rule.effective_from <= at)
        .group_by(Rule.code)
    )
    return {code: int(version) for code, version in rows}


async def all_rules(session: AsyncSession) -> list[Rule]:
    return list(await session.scalars(select(Rule).order_by(Rule.code, Rule.version)))


async def caps_at(session: AsyncSession, *, at: datetime) -> dict[str, int]:
    """Each rule's cap per period, from its version in force at ``at``."""
    caps: dict[str, int] = {}
    for rule in await session.scalars(select(Rule).where(Rule.effective_from <= at).order_by(Rule.code, Rule.version)):
        caps[rule.code] = rule.cap_per_period
    return caps


async def sums(session: AsyncSession, *, month: str, unit_id: str | None = None) -> dict[str, dict[str, int]]:
    """unit → rule code (or MANUAL) → net points of the month."""
    query = select(Point.unit_id, Point.rule_code, func.sum(Point.points)).where(Point.month == month)
    if unit_id is not None:
        query = query.where(Point.unit_id == unit_id)
    out: defaultdict[str, dict[str, int]] = defaultdict(dict)
    for unit, code, total in await session.execute(query.group_by(Point.unit_id, Point.rule_code)):
        out[unit][code or MANUAL] = int(total or 0)
    return dict(out)


async def points_of(session: AsyncSession, *, month: str, unit_id: str | None = None) -> list[Point]:
    query = select(Point).where(Point.month == month)
    if unit_id is not None:
        query = query.where(Point.unit_id == unit_id)
    return list(await session.scalars(query.order_by(Point.id)))


async def crossings_of(session: AsyncSession, *, month: str, unit_id: str | None = None) -> list[Crossing]:
    query = select(Crossing).where(Crossing.month == month)
    if unit_id is not None:
        query = query.where(Crossing.unit_id == unit_id)
    return list(await session.scalars(query.order_by(Crossing.crossed_at, Crossing.id)))


async def unit_names(session: AsyncSession) -> dict[str, str]:
    return {str(u): str(n) for u, n in (await session.execute(select(Unit.unit_id, Unit.name))).all()}


async def active_units(session: AsyncSession, *, month: str) -> set[str]:
    """Units graded in a month: those that received orders, or have points, in it."""
    worked = await session.scalars(
        select(UnitMonth.unit_id)
        .where(UnitMonth.month == month, UnitMonth.metric.in_(("volume", "co_volume")), UnitMonth.total > 0)
        .distinct()
    )
    scored = await session.scalars(select(Point.unit_id).where(Point.month == month).distinct())
    return set(worked) | set(scored)


async def is_published(session: AsyncSession, month: str) -> bool:
    status = await session.scalar(select(Bulletin.status).where(Bulletin.month == month))
    return status == "published"
