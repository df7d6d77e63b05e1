from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from hotline_shared.app import SessionDep
from hotline_shared.client_times import client_time
from hotline_shared.identity import Role

from ..enums import Category, Urgency
from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import OrderReader, UnitUser
from ..runtime import RuntimeDep
from ..supervision import scope as supervision_scope
from ..supervision.lights import Light
from ..validation import CASE_NO_PATTERN, ID_PATTERN, OrderIdPath
from . import repository, service, views
from .schemas import ContactIn, OrderDetail, OrderSummary, ReplyIn, ReturnIn
from .workflow import Role as OrderRole
from .workflow import Status

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])


def _aware(value: datetime | None, field: str) -> datetime | None:
    return None if value is None else client_time(value, loc=["query", field])


@router.get("", response_model=Page[OrderSummary], summary="Work orders (a unit sees its own)")
async def list_orders(
    session: SessionDep,
    identity: OrderReader,
    unit_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    status: Status | None = None,
    role: OrderRole | None = None,
    case_no: Annotated[str | None, Query(pattern=CASE_NO_PATTERN)] = None,
    category: Category | None = None,
    urgency: Urgency | None = None,
    due_before: Annotated[datetime | None, Query(description="open orders whose reply deadline is before this")] = None,
    light: Annotated[Light | None, Query(description="open orders whose warning light is this")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[OrderSummary]:
    if identity.role is Role.unit:
        # A unit's list is its own, whatever it asks for.
        if identity.unit_id is None or (unit_id is not None and unit_id != identity.unit_id):
            return Page[OrderSummary](items=[])
        unit_id = identity.unit_id
    scope = await supervision_scope.scope_of(session, identity)
    start = after(cursor, {"at": datetime, "id": str})
    rows = await repository.page(
        session,
        limit=limit,
        after=(start["at"], start["id"]) if start else None,
        unit_id=unit_id,
        status=status.value if status else None,
        role=role.value if role else None,
        case_no=case_no,
        category=category.value if category else None,
        urgency=urgency.value if urgency else None,
        reply_due_before=_aware(due_before, "due_before"),
        light=light.value if light else None,
        area=(scope.area_field, scope.area_code) if scope.area_field and scope.area_code else None,
    )
    return Page[OrderSummary](
        items=await views.summaries(session, rows[:limit]),
        next_cursor=next_cursor(rows, limit, lambda r: {"at": r[0].dispatched_at.isoformat(), "id": r[0].order_id}),
    )


@router.get("/{order_id}", response_model=OrderDetail, summary="One order: deadlines, case, co-units, history")
async def get_order(order_id: OrderIdPath, session: SessionDep, rt: RuntimeDep, identity: OrderReader) -> OrderDetail:
    order = await service.readable(session, order_id=order_id, identity=identity)
    return await views.detail(session, rt, order=order)


@router.post("/{order_id}/sign", response_model=OrderDetail, summary="签收: sign for the order")
async def sign_order(order_id: OrderIdPath, session: SessionDep, rt: RuntimeDep, identity: UnitUser) -> OrderDetail:
    order = await service.sign(session, rt, order_id=order_id, identity=identity)
    return await views.detail(session, rt, order=order)


@router.post("/{order_id}/return", response_model=OrderDetail, summary="退单: return a wrongly routed order")
async def return_order(
    order_id: OrderIdPath, body: ReturnIn, session: SessionDep, rt: RuntimeDep, identity: UnitUser
) -> OrderDetail:
    order = await service.return_order(session, rt, order_id=order_id, identity=identity, data=body)
    return await views.detail(session, rt, order=order)


@router.post("/{order_id}/contact", response_model=OrderDetail, summary="先行联系: first contact made")
async def contact_citizen(
    order_id: OrderIdPath, body: ContactIn, session: SessionDep, rt: RuntimeDep, identity: UnitUser
) -> OrderDetail:
    order = await service.contact(session, rt, order_id=order_id, identity=identity, data=body)
    return await views.detail(session, rt, order=order)


@router.post("/{order_id}/reply", response_model=OrderDetail, summary="办结: reply with the result")
async def reply_order(
    order_id: OrderIdPath, body: ReplyIn, session: SessionDep, rt: RuntimeDep, identity: UnitUser
) -> OrderDetail:
    order = await service.reply(session, rt, order_id=order_id, identity=identity, data=body)
    return await views.detail(session, rt, order=order)
