from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from hotline_shared.app import SessionDep
from hotline_shared.errors import NotFound
from hotline_shared.identity import Role

from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import OrderReader, Supervisor, UnitUser
from ..runtime import RuntimeDep
from ..validation import ID_PATTERN, ORDER_ID_PATTERN, IntIdPath, OrderIdPath
from . import service
from .schemas import ExtensionDecision, ExtensionOut, ExtensionRequest, ExtensionStatus

router = APIRouter(tags=["extensions"])


@router.post(
    "/api/v1/orders/{order_id}/extensions",
    status_code=201,
    response_model=ExtensionOut,
    summary="延期: ask for more working days",
)
async def request_extension(
    order_id: OrderIdPath, body: ExtensionRequest, session: SessionDep, rt: RuntimeDep, identity: UnitUser
) -> ExtensionOut:
    ext = await service.request(session, rt, order_id=order_id, identity=identity, data=body)
    return ExtensionOut.model_validate(ext)


@router.post(
    "/api/v1/extensions/{extension_id}/decision", response_model=ExtensionOut, summary="Approve or reject an extension"
)
async def decide_extension(
    extension_id: IntIdPath, body: ExtensionDecision, session: SessionDep, rt: RuntimeDep, identity: Supervisor
) -> ExtensionOut:
    ext = await service.decide(session, rt, extension_id=extension_id, identity=identity, data=body)
    return ExtensionOut.model_validate(ext)


@router.get("/api/v1/extensions", response_model=Page[ExtensionOut], summary="Extension requests (a unit sees its own)")
async def list_extensions(
    session: SessionDep,
    identity: OrderReader,
    status: ExtensionStatus | None = None,
    unit_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    order_id: Annotated[str | None, Query(pattern=ORDER_ID_PATTERN)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ExtensionOut]:
    if identity.role is Role.unit:
        if identity.unit_id is None or (unit_id is not None and unit_id != identity.unit_id):
            return Page[ExtensionOut](items=[])
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
    return Page[ExtensionOut](
        items=[ExtensionOut.model_validate(e) for e in rows[:limit]],
        next_cursor=next_cursor(rows, limit, lambda e: {"id": e.id}),
    )


@router.get("/api/v1/extensions/{extension_id}", response_model=ExtensionOut, summary="One extension request")
async def get_extension(extension_id: IntIdPath, session: SessionDep, identity: OrderReader) -> ExtensionOut:
    ext = await service.get(session, extension_id)
    if identity.role is Role.unit and ext.unit_id != identity.unit_id:
        raise NotFound(f"There is no extension request {extension_id}.")
    return ExtensionOut.model_validate(ext)
