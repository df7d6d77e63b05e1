"""Supervision's own order events, written like every other order change: outbox + timeline.

Not routed through timeline.order_event on purpose: that function feeds `hooks.order_changed`,
and supervision's events must not re-enter supervision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders.models import WorkOrder
from ..runtime import Runtime
from ..timeline.models import TimelineEntry
from ..timeline.service import jsonable, order_common

LIGHT_CHANGED = "order.light_changed"
URGED = "order.urged"


async def emit(
    session: AsyncSession,
    rt: Runtime,
    *,
    order: WorkOrder,
    type: str,
    at: datetime,
    extra: dict[str, Any],
) -> None:
    detail = jsonable(extra)
    await rt.outbox.emit(session, type=type, case_no=order.case_no, payload={**order_common(order, at), **detail})


def on_timeline(
    session: AsyncSession, *, order: WorkOrder, type: str, at: datetime, actor: Actor, extra: dict[str, Any]
) -> None:
    session.add(
        TimelineEntry(
            case_no=order.case_no,
            order_id=order.order_id,
            at=at,
            type=type,
            actor_subject=actor.subject,
            actor_role=actor.role,
            from_status=order.status,
            to_status=order.status,
            detail=jsonable(extra),
        )
    )
