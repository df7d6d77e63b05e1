"""挂起: the unit asks, a supervisor approves, the unit (or a supervisor) resumes.

Paused time does not count against the unit: on resume every open deadline moves later by the
paused working time (clock time for calendar-hour limits).
"""

from __future__ import annotations

from hotline_shared.errors import Conflict, NotFound
from hotline_shared.identity import Identity
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders import deadlines
from ..orders import service as orders
from ..orders.lifecycle import transition
from ..orders.models import WorkOrder
from ..orders.workflow import Action
from ..paging import id_page
from ..runtime import Runtime
from ..timeline import service as timeline
from .models import Pause
from .schemas import PauseDecision, PauseRequest, PauseStatus


async def request(
    session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity, data: PauseRequest
) -> Pause:
    _, order = await orders.locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    transition(order, Action.request_pause, now)  # checks the state; the status stays
    open_requests = await session.scalar(
        select(func.count()).where(Pause.order_id == order_id, Pause.status == PauseStatus.pending)
    )
    if open_requests:
        raise Conflict("A pause request for this order is already waiting for a supervisor's decision.")
    pause = Pause(
        order_id=order_id,
        case_no=order.case_no,
        unit_id=order.unit_id,
        status=PauseStatus.pending,
        kind=data.kind.value,
        reason=data.reason,
        requested_at=now,
        requested_by=identity.subject,
    )
    session.add(pause)
    await session.flush()
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.pause_requested",
        actor=Actor.of(identity),
        from_status=order.status,
        extra={"pause_id": pause.id, "reason": pause.reason, "kind": pause.kind},
    )
    return pause


async def get(session: AsyncSession, pause_id: int) -> Pause:
    pause = await session.get(Pause, pause_id)
    if pause is None:
        raise NotFound(f"There is no pause request {pause_id}.")
    return pause


async def decide(
    session: AsyncSession, rt: Runtime, *, pause_id: int, identity: Identity, data: PauseDecision
) -> Pause:
    pause = await get(session, pause_id)
    _, order = await orders.locked(session, order_id=pause.order_id, identity=None)
    await session.refresh(pause)
    if pause.status != PauseStatus.pending:
        raise Conflict(f"Pause request {pause_id} is already {pause.status}.", extra={"current_state": pause.status})
    now = rt.clock.now()
    pause.decided_at = now
    pause.decided_by = identity.subject
    pause.note = data.note
    actor = Actor.of(identity)
    if not data.approve:
        pause.status = PauseStatus.rejected
        await timeline.order_event(
            session,
            rt,
            order=order,
            type="order.pause_rejected",
            actor=actor,
            from_status=order.status,
            extra={"pause_id": pause.id, "note": data.note},
        )
        return pause
    paused_from = transition(order, Action.pause, now)
    order.paused_from = paused_from
    order.paused_at = now
    pause.status = PauseStatus.active
    pause.started_at = now
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.paused",
        actor=actor,
        from_status=paused_from,
        extra={"pause_id": pause.id, "reason": pause.reason, "kind": pause.kind, "note": data.note},
    )
    return pause


async def resume(session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity) -> tuple[WorkOrder, Pause]:
    _, order = await orders.locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    previous = transition(order, Action.resume, now)
    pause = await session.scalar(
        select(Pause).where(Pause.order_id == order_id, Pause.status == PauseStatus.active).order_by(Pause.id.desc())
    )
    # A paused order always has its active, started pause.
    assert pause is not None
    assert pause.started_at is not None
    calendar = await rt.calendars.get(session)
    paused_seconds = int(calendar.working_time_between(pause.started_at, now).total_seconds())
    order.paused_from = None
    order.paused_at = None
    order.paused_working_seconds += paused_seconds
    order.adjustments = [
        *order.adjustments,
        {"kind": "pause", "from": pause.started_at.isoformat(), "to": now.isoformat(), "pause_id": pause.id},
    ]
    deadlines.refresh(calendar, order)
    pause.status = PauseStatus.ended
    pause.ended_at = now
    pause.ended_by = identity.subject
    pause.paused_working_seconds = paused_seconds
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.resumed",
        actor=Actor.of(identity),
        from_status=previous,
        extra={"pause_id": pause.id, "paused_working_seconds": paused_seconds, **deadlines.deadline_fields(order)},
    )
    return order, pause


async def page(
    session: AsyncSession,
    *,
    limit: int,
    after: int | None,
    status: str | None,
    unit_id: str | None,
    order_id: str | None,
) -> list[Pause]:
    return await id_page(session, Pause, after=after, limit=limit, status=status, unit_id=unit_id, order_id=order_id)
