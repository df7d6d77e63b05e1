from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from hotline_shared.app import ClockDep, SessionDep

from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import Admin, Staff
from ..validation import UnitIdPath
from . import repository, service
from .schemas import UnitCreate, UnitKind, UnitOut, UnitUpdate

router = APIRouter(prefix="/api/v1/units", tags=["units"])


@router.get("", response_model=Page[UnitOut], summary="List handling units")
async def list_units(
    session: SessionDep,
    identity: Staff,
    active: bool | None = None,
    kind: Annotated[UnitKind | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[UnitOut]:
    start = after(cursor, {"unit_id": str})
    rows = await repository.page(
        session,
        after=start["unit_id"] if start else None,
        limit=limit,
        active=active,
        kind=kind.value if kind else None,
    )
    return Page[UnitOut](
        items=[UnitOut.model_validate(u) for u in rows[:limit]],
        next_cursor=next_cursor(rows, limit, lambda u: {"unit_id": u.unit_id}),
    )


@router.post("", status_code=201, response_model=UnitOut, summary="Create a unit")
async def create_unit(body: UnitCreate, session: SessionDep, clock: ClockDep, identity: Admin) -> UnitOut:
    return UnitOut.model_validate(await service.create(session, data=body, clock=clock))


@router.get("/{unit_id}", response_model=UnitOut, summary="One unit")
async def get_unit(unit_id: UnitIdPath, session: SessionDep, identity: Staff) -> UnitOut:
    return UnitOut.model_validate(await service.require(session, unit_id))


@router.patch("/{unit_id}", response_model=UnitOut, summary="Change a unit (deactivate with active=false)")
async def update_unit(
    unit_id: UnitIdPath, body: UnitUpdate, session: SessionDep, clock: ClockDep, identity: Admin
) -> UnitOut:
    return UnitOut.model_validate(await service.update(session, unit_id=unit_id, data=body, clock=clock))


@router.delete("/{unit_id}", status_code=204, response_class=Response, summary="Delete an unused unit")
async def delete_unit(unit_id: UnitIdPath, session: SessionDep, identity: Admin) -> Response:
    await service.remove(session, unit_id=unit_id)
    return Response(status_code=204)
