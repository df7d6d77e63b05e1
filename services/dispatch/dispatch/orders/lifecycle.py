"""Transitions shared by the unit's actions, dispatching and the consumers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..extensions.models import Extension
from ..extensions.schemas import ExtensionStatus
from ..pauses.models import Pause
from ..pauses.schemas import PauseStatus
from ..runtime import Runtime
from ..timeline import service as timeline
from .models import WorkOrder
from .workflow import Action, OrderState, next_status


def transition(order: WorkOrder, action: Action, now: datetime) -> str:
    """Apply ``action`` or raise IllegalTransition (409); returns the previous status."""
    previous = order.status
    order.status = next_status(OrderState.of(order), action, now=now).value
    order.updated_at = now
    return previous


async def settle_requests(session: AsyncSession, rt: Runtime, *, order: WorkOrder, now: datetime, why: str) -> None:
    """An order leaving handling takes its open requests with it: pending ones are withdrawn and a
    running pause ends (its time no longer matters, the order is finished)."""
    for ext in await session.scalars(
        select(Extension).where(Extension.order_id == order.order_id, Extension.status == ExtensionStatus.pending)
    ):
        ext.status = ExtensionStatus.withdrawn
        ext.decided_at = now
        ext.note = why
    for pause in await session.scalars(
        select(Pause).where(
            Pause.order_id == order.order_id, Pause.status.in_([PauseStatus.pending, PauseStatus.active])
        )
    ):
        if pause.status == PauseStatus.active:
            calendar = await rt.calendars.get(session)
            pause.status = PauseStatus.ended
            pause.ended_at = now
            pause.ended_by = why
            if pause.started_at is not None:
                pause.paused_working_seconds = int(calendar.working_time_between(pause.started_at, now).total_seconds())
        else:
            pause.status = PauseStatus.withdrawn
            pause.decided_at = now
            pause.note = why
    order.paused_from = None
    order.paused_at = None


async def withdraw(session: AsyncSession, rt: Runtime, *, order: WorkOrder, reason: str, actor: Actor) -> None:
    """Take an open order back from its unit (re-dispatch, or the lead's reply or return ended it)."""
    now = rt.clock.now()
    previous = transition(order, Action.withdraw, now)
    await settle_requests(session, rt, order=order, now=now, why=reason)
    order.closed_at = now
    order.close_reason = reason
    await timeline.order_event(
        session, rt, order=order, type="order.withdrawn", actor=actor, from_status=previous, extra={"reason": reason}
    )
