from __future__ import annotations

from collections.abc import Sequence

from hotline_shared.clock import Clock
from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..catalog import service as catalog
from ..orders.models import WorkOrder
from ..routing.models import RoutingRule
from . import repository
from .models import Unit
from .schemas import UnitCreate, UnitUpdate


async def require(session: AsyncSession, unit_id: str) -> Unit:
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise NotFound(f"There is no unit {unit_id}.")
    return unit


async def require_active(session: AsyncSession, *, wanted: Sequence[tuple[str, list[str | int]]]) -> dict[str, Unit]:
    """The units (``(unit_id, field path)`` pairs), all existing and active, or a 422 naming the others."""
    found = await repository.get_many(session, [unit_id for unit_id, _ in wanted])
    errors = []
    for unit_id, loc in wanted:
        unit = found.get(unit_id)
        if unit is None:
            errors.append(field_error(loc, f"unit {unit_id} does not exist", "unknown_unit"))
        elif not unit.active:
            errors.append(field_error(loc, f"unit {unit_id} is deactivated", "inactive_unit"))
    if errors:
        detail = "Some units cannot receive orders: " + "; ".join(e["message"] for e in errors) + "."
        raise ValidationFailed(detail, errors=errors)
    return found


async def rules_using(session: AsyncSession, unit_id: str) -> list[int]:
    rules = await session.scalars(select(RoutingRule))
    return sorted(r.id for r in rules if r.lead_unit_id == unit_id or unit_id in (r.co_unit_ids or []))


async def _check_district(session: AsyncSession, code: str | None) -> None:
    """A unit's district must be a district of intake's area tree, once dispatch has received it
    (before that, as for routing rules, it cannot be checked and is taken as given)."""
    if code is None or not await catalog.is_known(session):
        return
    area = await catalog.area(session, code)
    if area is None or area.level != "district":
        what = "is not in the area tree" if area is None else f"is a {area.level}, not a district"
        raise ValidationFailed(
            f"District {code} {what}.",
            errors=[field_error(["body", "district_code"], f"{code} {what}", "unknown_district")],
        )


async def create(session: AsyncSession, *, data: UnitCreate, clock: Clock) -> Unit:
    if await repository.get(session, data.unit_id) is not None:
        raise Conflict(f"A unit with id {data.unit_id} already exists.")
    await _check_district(session, data.district_code)
    now = clock.now()
    unit = Unit(**data.model_dump(mode="json"), created_at=now, updated_at=now)
    session.add(unit)
    await session.flush()
    return unit


async def update(session: AsyncSession, *, unit_id: str, data: UnitUpdate, clock: Clock) -> Unit:
    unit = await require(session, unit_id)
    changes = data.model_dump(mode="json", exclude_unset=True)
    cleared = [k for k in ("name", "kind", "active") if k in changes and changes[k] is None]
    if cleared:
        raise ValidationFailed(
            "name, kind and active cannot be cleared; leave them out to keep them.",
            errors=[field_error(["body", k], "must not be null") for k in cleared],
        )
    if changes.get("district_code") is not None:
        await _check_district(session, changes["district_code"])
    if changes.get("active") is False and unit.active:
        used = await rules_using(session, unit_id)
        if used:
            raise Conflict(
                f"Unit {unit_id} is used by routing rules {used}; change those rules before deactivating it.",
                extra={"routing_rule_ids": used},
            )
    for key, value in changes.items():
        setattr(unit, key, value)
    unit.updated_at = clock.now()
    await session.flush()
    return unit


async def remove(session: AsyncSession, *, unit_id: str) -> None:
    await require(session, unit_id)
    used = await rules_using(session, unit_id)
    if used:
        raise Conflict(
            f"Unit {unit_id} is used by routing rules {used}; change those rules first.",
            extra={"routing_rule_ids": used},
        )
    if await session.scalar(select(exists().where(WorkOrder.unit_id == unit_id))):
        raise Conflict(f"Unit {unit_id} has work orders on record; deactivate it instead of deleting it.")
    await session.execute(delete(Unit).where(Unit.unit_id == unit_id))
