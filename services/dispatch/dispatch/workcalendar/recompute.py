"""Recompute open orders' deadlines after a calendar change, in batches, in the worker."""

from __future__ import annotations

from datetime import datetime

import structlog
from hotline_shared.db import Database
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import SYSTEM
from ..orders import deadlines
from ..orders import service as orders
from ..orders.models import WorkOrder
from ..orders.workflow import OPEN
from ..runtime import Runtime
from ..timeline import service as timeline
from .models import CalendarRecompute

log = structlog.get_logger("calendar_recompute")

BATCH = 200


async def schedule(
    session: AsyncSession, rt: Runtime, *, span_start: datetime, span_end: datetime, reason: str, by: str
) -> CalendarRecompute:
    job = CalendarRecompute(
        reason=reason,
        span_start=span_start,
        span_end=span_end,
        requested_at=rt.clock.now(),
        requested_by=by,
        orders_checked=0,
        orders_changed=0,
    )
    session.add(job)
    await session.flush()
    return job


def _affected(job: CalendarRecompute) -> list[object]:
    """Open orders whose clock ran, or still runs, through the changed days."""
    return [
        WorkOrder.status.in_(list(OPEN)),
        WorkOrder.info_only.is_(False),
        WorkOrder.clock_started_at < job.span_end,
        or_(
            WorkOrder.reply_due_at >= job.span_start,
            WorkOrder.contact_due_at >= job.span_start,
            WorkOrder.sign_due_at >= job.span_start,
            WorkOrder.return_due_at >= job.span_start,
        ),
    ]


async def run_batch(session: AsyncSession, rt: Runtime) -> int:
    """One batch of the oldest unfinished job; returns how many orders it looked at (0: idle)."""
    job = await session.scalar(
        select(CalendarRecompute)
        .where(CalendarRecompute.done_at.is_(None))
        .order_by(CalendarRecompute.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if job is None:
        return 0
    query = select(WorkOrder.order_id).where(*_affected(job)).order_by(WorkOrder.order_id).limit(BATCH)  # type: ignore[arg-type]
    if job.cursor is not None:
        query = query.where(WorkOrder.order_id > job.cursor)
    order_ids = list(await session.scalars(query))
    calendar = await rt.calendars.get(session)
    changed = 0
    for order_id in order_ids:
        # Case first, then order: the same lock order as every other writer, so no deadlocks.
        _, order = await orders.locked(session, order_id=order_id, identity=None)
        if order.status not in OPEN or not deadlines.refresh(calendar, order):
            continue
        changed += 1
        order.updated_at = rt.clock.now()
        await timeline.order_event(
            session,
            rt,
            order=order,
            type="order.deadlines_changed",
            actor=SYSTEM,
            from_status=order.status,
            extra={
                "reason": job.reason,
                **deadlines.deadline_fields(order),
                "return_due_at": order.return_due_at,
            },
        )
    job.orders_checked += len(order_ids)
    job.orders_changed += changed
    if order_ids:
        job.cursor = order_ids[-1]
    if len(order_ids) < BATCH:
        job.done_at = rt.clock.now()
        log.info("calendar_recompute_done", job_id=job.id, checked=job.orders_checked, changed=job.orders_changed)
    return max(len(order_ids), 1)


async def run_pending(db: Database, rt: Runtime, *, max_batches: int = 1000) -> int:
    """Work through every pending job (each batch its own transaction); returns orders looked at."""
    total = 0
    for _ in range(max_batches):
        async with db.transaction() as session:
            done = await run_batch(session, rt)
        if done == 0:
            break
        total += done
    return total
