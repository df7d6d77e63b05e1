"""Every handling change is both an event (for other services) and a timeline entry (全程留痕).

Writing both through one function keeps them from drifting apart, and gives the runtime's order
observers (supervision) one place to hear about every change.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders.models import WorkOrder
from ..runtime import Runtime
from .models import TimelineEntry


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def order_common(order: WorkOrder, at: datetime) -> dict[str, Any]:
    return {
        "order_id": order.order_id,
        "case_no": order.case_no,
        "unit_id": order.unit_id,
        "unit_name": order.unit_name,
        "role": order.role,
        "at": at.isoformat(),
    }


async def order_event(
    session: AsyncSession,
    rt: Runtime,
    *,
    order: WorkOrder,
    type: str,
    actor: Actor,
    from_status: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    now = rt.clock.now()
    detail = jsonable(extra or {})
    # `by` travels with the event because feedback's staff timeline is built from events alone.
    payload = {**order_common(order, now), "by": actor.subject, **detail}
    await rt.outbox.emit(session, type=type, case_no=order.case_no, payload=payload)
    session.add(
        TimelineEntry(
            case_no=order.case_no,
            order_id=order.order_id,
            at=now,
            type=type,
            actor_subject=actor.subject,
            actor_role=actor.role,
            from_status=from_status,
            to_status=order.status,
            detail=detail,
        )
    )
    for observe in rt.order_observers:
        await observe(session, rt, order=order)


async def case_event(
    session: AsyncSession,
    rt: Runtime,
    *,
    case_no: str,
    type: str,
    actor: Actor,
    payload: dict[str, Any],
) -> None:
    """An event about the case as a whole (e.g. waiting for manual dispatch)."""
    now = rt.clock.now()
    body = jsonable({"case_no": case_no, "at": now.isoformat(), "by": actor.subject, **payload})
    await rt.outbox.emit(session, type=type, case_no=case_no, payload=body)
    session.add(
        TimelineEntry(
            case_no=case_no,
            order_id=body.get("order_id"),
            at=now,
            type=type,
            actor_subject=actor.subject,
            actor_role=actor.role,
            detail=body,
        )
    )


async def for_order(session: AsyncSession, order_id: str, *, limit: int = 500) -> list[TimelineEntry]:
    rows = await session.scalars(
        select(TimelineEntry).where(TimelineEntry.order_id == order_id).order_by(TimelineEntry.id).limit(limit)
    )
    return list(rows)
