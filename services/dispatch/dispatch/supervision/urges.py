"""Urges (催办 / 督办 / 挂牌督办): recorded at once, on the timeline at once, but the unit is
notified only in office hours unless the case is urgent; otherwise the notice waits in a queue
that the sweep drains at the next opening."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders.models import WorkOrder
from ..runtime import Runtime
from . import events
from .lights import UrgeLevel
from .models import SupervisedOrder, Urge

ANY_TIME_URGENCIES = frozenset({"urgent", "utilities"})


def detail(urge: Urge) -> dict[str, Any]:
    return {
        "urge_id": urge.id,
        "level": urge.level,
        "note": urge.note,
        "by": "auto" if urge.auto else urge.by_subject,
        "auto": urge.auto,
        "deadline_kind": urge.deadline_kind,
        "due_at": urge.due_at,
        "round": urge.round,
        "issued_at": urge.issued_at,
        "notify_at": urge.notify_at,
    }


async def issue(
    session: AsyncSession,
    rt: Runtime,
    *,
    row: SupervisedOrder,
    order: WorkOrder,
    level: UrgeLevel,
    actor: Actor,
    auto: bool,
    note: str | None = None,
    deadline_kind: str | None = None,
    due_at: datetime | None = None,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> Urge:
    now = rt.clock.now()
    calendar = await rt.calendars.get(session)
    deliver_now = row.urgency in ANY_TIME_URGENCIES or calendar.is_working_moment(now)
    urge = Urge(
        order_id=row.order_id,
        case_no=row.case_no,
        unit_id=row.unit_id,
        level=level.name,
        note=note,
        auto=auto,
        by_subject=actor.subject,
        by_role=actor.role,
        deadline_kind=deadline_kind,
        due_at=due_at,
        round=row.round,
        issued_at=now,
        notify_at=now if deliver_now else calendar.next_working_moment(now),
        notified_at=now if deliver_now else None,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    session.add(urge)
    await session.flush()
    row.urge_level = max(row.urge_level, int(level))
    info = detail(urge)
    events.on_timeline(
        session, order=order, type=events.URGED, at=now, actor=actor, extra={**info, "queued": not deliver_now}
    )
    if deliver_now:
        await events.emit(session, rt, order=order, type=events.URGED, at=now, extra={**info, "notified_at": now})
    return urge


async def deliver_queued(session: AsyncSession, rt: Runtime, *, now: datetime, batch: int) -> int:
    """Send the notices whose office-hours moment has come; each goes out once (row lock + flag)."""
    queued = (
        await session.scalars(
            select(Urge)
            .where(Urge.notified_at.is_(None), Urge.notify_at <= now)
            .order_by(Urge.notify_at, Urge.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for urge in queued:
        urge.notified_at = now
        order = await session.get(WorkOrder, urge.order_id)
        if order is None:
            continue
        await events.emit(
            session, rt, order=order, type=events.URGED, at=urge.issued_at, extra={**detail(urge), "notified_at": now}
        )
    return len(queued)
