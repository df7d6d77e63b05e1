from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases.models import DispatchCase
from ..supervision.models import SupervisedOrder
from .models import WorkOrder
from .workflow import OPEN


async def get(session: AsyncSession, order_id: str, *, lock: bool = False) -> WorkOrder | None:
    query = select(WorkOrder).where(WorkOrder.order_id == order_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def of_case(session: AsyncSession, case_no: str, *, lock: bool = False) -> list[WorkOrder]:
    query = select(WorkOrder).where(WorkOrder.case_no == case_no).order_by(WorkOrder.order_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(await session.scalars(query))


async def open_of_case(session: AsyncSession, case_no: str) -> list[WorkOrder]:
    return [o for o in await of_case(session, case_no, lock=True) if o.status in OPEN]


def _conditions(
    *,
    unit_id: str | None,
    status: str | None,
    role: str | None,
    case_no: str | None,
    category: str | None,
    urgency: str | None,
    reply_due_before: datetime | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if unit_id is not None:
        conditions.append(WorkOrder.unit_id == unit_id)
    if status is not None:
        conditions.append(WorkOrder.status == status)
    if role is not None:
        conditions.append(WorkOrder.role == role)
    if case_no is not None:
        conditions.append(WorkOrder.case_no == case_no)
    if category is not None:
        conditions.append(DispatchCase.category == category)
    if urgency is not None:
        conditions.append(DispatchCase.urgency == urgency)
    if reply_due_before is not None:
        # A range on the indexed deadline, restricted to orders still running against it.
        conditions += [WorkOrder.reply_due_at < reply_due_before, WorkOrder.status.in_(list(OPEN))]
    return conditions


async def page(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[datetime, str] | None,
    unit_id: str | None = None,
    status: str | None = None,
    role: str | None = None,
    case_no: str | None = None,
    category: str | None = None,
    urgency: str | None = None,
    reply_due_before: datetime | None = None,
    light: str | None = None,
    area: tuple[str, str] | None = None,
) -> list[tuple[WorkOrder, DispatchCase]]:
    """Newest dispatch first; keyset on (dispatched_at, order_id)."""
    query = (
        select(WorkOrder, DispatchCase)
        .join(DispatchCase, DispatchCase.case_no == WorkOrder.case_no)
        .order_by(WorkOrder.dispatched_at.desc(), WorkOrder.order_id.desc())
        .limit(limit + 1)
    )
    query = query.where(
        *_conditions(
            unit_id=unit_id,
            status=status,
            role=role,
            case_no=case_no,
            category=category,
            urgency=urgency,
            reply_due_before=reply_due_before,
        )
    )
    if area is not None:
        # (district_code | street_code | community_code, code): an area-limited supervisor's list.
        field, code = area
        query = query.where(getattr(DispatchCase, field) == code)
    if light is not None:
        # The light lives with supervision's copy of the order; a finished order keeps its last
        # light there, but "my red orders" means the ones still running.
        query = query.join(SupervisedOrder, SupervisedOrder.order_id == WorkOrder.order_id).where(
            SupervisedOrder.light == light, WorkOrder.status.in_(list(OPEN))
        )
    if after is not None:
        at, order_id = after
        query = query.where(
            or_(WorkOrder.dispatched_at < at, and_(WorkOrder.dispatched_at == at, WorkOrder.order_id < order_id))
        )
    return [(o, c) for o, c in (await session.execute(query)).all()]
