from __future__ import annotations

from dataclasses import dataclass

from hotline_shared.clock import Clock
from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog import service as catalog
from ..units import service as units
from . import repository
from .models import ANY, RoutingRule
from .schemas import AREA_RANK, AreaLevel, RuleIn, RuleOut


def to_out(rule: RoutingRule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        topic_code=None if rule.topic_key == ANY else rule.topic_key,
        area_code=None if rule.area_key == ANY else rule.area_key,
        area_level=AreaLevel(rule.area_level),
        lead_unit_id=rule.lead_unit_id,
        co_unit_ids=list(rule.co_unit_ids or []),
        note=rule.note,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
        updated_by=rule.updated_by,
    )


async def require(session: AsyncSession, rule_id: int) -> RoutingRule:
    rule = await repository.get(session, rule_id)
    if rule is None:
        raise NotFound(f"There is no routing rule {rule_id}.")
    return rule


async def _checked_level(session: AsyncSession, data: RuleIn) -> AreaLevel:
    """The rule's area level, checked against intake's area tree when dispatch has received it."""
    if data.area_code is None:
        return AreaLevel.any
    known = await catalog.is_known(session)
    area = await catalog.area(session, data.area_code)
    if area is None:
        if known:
            raise ValidationFailed(
                f"Area {data.area_code} is not in the area tree.",
                errors=[field_error(["body", "area_code"], "unknown area code", "unknown_area")],
            )
        if data.area_level is None:
            raise ValidationFailed(
                "The area tree has not been received from intake yet; give area_level explicitly.",
                errors=[field_error(["body", "area_level"], "required while the area tree is unknown", "missing")],
            )
        return data.area_level
    try:
        level = AreaLevel(area.level)
    except ValueError:
        raise ValidationFailed(
            f"Area {data.area_code} is a {area.level}; rules apply to a district, street or community.",
            errors=[field_error(["body", "area_code"], f"a {area.level} cannot carry a rule", "bad_area_level")],
        ) from None
    if data.area_level is not None and data.area_level is not level:
        raise ValidationFailed(
            f"Area {data.area_code} is a {level.value}, not a {data.area_level.value}.",
            errors=[field_error(["body", "area_level"], f"the area tree says {level.value}", "bad_area_level")],
        )
    return level


async def _validate(session: AsyncSession, data: RuleIn, *, rule_id: int | None) -> AreaLevel:
    if (
        data.topic_code is not None
        and await catalog.is_known(session)
        and await catalog.topic(session, data.topic_code) is None
    ):
        raise ValidationFailed(
            f"Topic {data.topic_code} is not in the topic catalogue.",
            errors=[field_error(["body", "topic_code"], "unknown topic code", "unknown_topic")],
        )
    level = await _checked_level(session, data)
    wanted: list[tuple[str, list[str | int]]] = [(data.lead_unit_id, ["body", "lead_unit_id"])]
    wanted += [(u, ["body", "co_unit_ids", i]) for i, u in enumerate(data.co_unit_ids)]
    await units.require_active(session, wanted=wanted)
    clash = await repository.by_key(session, topic_key=data.topic_code or ANY, area_key=data.area_code or ANY)
    if clash is not None and clash.id != rule_id:
        raise Conflict(
            f"Routing rule {clash.id} already covers this topic and area at the same specificity; "
            "edit that rule instead of adding an overlapping one.",
            extra={"conflicting_rule_id": clash.id},
        )
    return level


def _apply(rule: RoutingRule, data: RuleIn, level: AreaLevel) -> None:
    rule.topic_key = data.topic_code or ANY
    rule.area_key = data.area_code or ANY
    rule.area_level = level.value
    rule.lead_unit_id = data.lead_unit_id
    rule.co_unit_ids = list(data.co_unit_ids)
    rule.note = data.note


async def create(session: AsyncSession, *, data: RuleIn, clock: Clock, by: str) -> RoutingRule:
    level = await _validate(session, data, rule_id=None)
    now = clock.now()
    rule = RoutingRule(created_at=now, updated_at=now, updated_by=by)
    _apply(rule, data, level)
    session.add(rule)
    await session.flush()
    return rule


async def replace(session: AsyncSession, *, rule_id: int, data: RuleIn, clock: Clock, by: str) -> RoutingRule:
    rule = await require(session, rule_id)
    level = await _validate(session, data, rule_id=rule_id)
    _apply(rule, data, level)
    rule.updated_at = clock.now()
    rule.updated_by = by
    await session.flush()
    return rule


async def remove(session: AsyncSession, *, rule_id: int) -> None:
    rule = await require(session, rule_id)
    await session.delete(rule)
    await session.flush()


@dataclass(frozen=True)
class CaseArea:
    topic_code: str
    district_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None


async def match(session: AsyncSession, *, where: CaseArea) -> RoutingRule | None:
    """The most specific rule: community > street > district > any area, then the nearest topic
    (the case's own topic before its parent topics before "any topic")."""
    topics = [*await catalog.topic_chain(session, where.topic_code), ANY]
    areas = [c for c in (where.community_code, where.street_code, where.district_code) if c] + [ANY]
    rules = await repository.candidates(session, topic_keys=topics, area_keys=areas)
    if not rules:
        return None
    return min(rules, key=lambda r: (AREA_RANK[AreaLevel(r.area_level)], topics.index(r.topic_key), r.id))
