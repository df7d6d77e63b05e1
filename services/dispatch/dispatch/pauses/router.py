from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from hotline_shared.app import SessionDep
from hotline_shared.errors import NotFound
from hotline_shared.identity import Role

from ..orders import views
from ..orders.schemas import OrderDetail
from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import OrderReader, Supervisor, UnitOrSupervisor, UnitUser
from ..runtime import RuntimeDep
from ..validation import ID_PATTERN, ORDER_ID_PATTERN, IntIdPath, OrderIdPath
from . import service
from .schemas import PauseDecision, PauseOut, PauseRequest, PauseStatus

router = APIRouter(tags=["pauses"])


@router.post(
    "/api/v1/orders/{order_id}/pauses", status_code=201, response_model=PauseOut, summary="挂起: ask to stop the clock"
)
async def request_pause(
    order_id: OrderIdPath, body: PauseRequest, session: SessionDep, rt: RuntimeDep, identity: UnitUser
) -> PauseOut:
    return PauseOut.model_validate(await service.request(session, rt, order_id=order_id, identity=identity, data=body))


@router.post("/api/v1/pauses/{pause_id}/decision", response_model=PauseOut, summary="Approve or reject a pause")
async def decide_pause(
    pause_id: IntIdPath, body: PauseDecision, session: SessionDep, rt: RuntimeDep, identity: Supervisor
) -> PauseOut:
    return PauseOut.model_validate(await service.decide(session, rt, pause_id=pause_id, identity=identity, data=body))


@router.post(
    "/api/v1/orders/{order_id}/resume", response_model=OrderDetail, summary="End a pause: the clock runs again"
)
async def resume_order(
    order_id: OrderIdPath, session: SessionDep, rt: RuntimeDep, identity: UnitOrSupervisor
) -> OrderDetail:
    order, _ = await service.resume(session, rt, order_id=order_id, identity=identity)
    return await views.detail(session, rt, order=order)


@router.get("/api/v1/pauses", response_model=Page[PauseOut], summary="Pause requests (a unit sees its own)")
async def list_pauses(
    session: SessionDep,
    identity: OrderReader,
    status: PauseStatus | None = None,
    unit_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    order_id: Annotated[str | None, Query(pattern=ORDER_ID_PATTERN)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[PauseOut]:
    if identity.role is Role.unit:
        if identity.unit_id is None or (unit_id is not None and unit_id != identity.unit_id):
            return Page[PauseOut](items=[])
        unit_id = identity.unit_id
    start = after(cursor, {"id": int})
    rows = await service.page(
        session,
        limit=limit,
        after=start["id"] if start else None,
        status=status.value if status else None,
        unit_id=unit_id,
        order_id=order_id,
    )
    return Page[PauseOut](
        items=[PauseOut.model_validate(p) for p in rows[:limit]],
        next_cursor=next_cursor(rows, limit, lambda p: {"id": p.id}),
    )


@router.get("/api/v1/pauses/{pause_id}", response_model=PauseOut, summary="One pause request")
async def get_pause(pause_id: IntIdPath, session: SessionDep, identity: OrderReader) -> PauseOut:
    pause = await service.get(session, pause_id)
    if identity.role is Role.unit and pause.unit_id != identity.unit_id:
        raise NotFound(f"There is no pause request {pause_id}.")
    return PauseOut.model_validate(pause)
