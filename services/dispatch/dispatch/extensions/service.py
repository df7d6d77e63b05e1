"""延期: asked by the unit before its reply deadline, decided by a supervisor."""

from __future__ import annotations

from datetime import timedelta

from hotline_shared.calendar import DeadlineUnit
from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from hotline_shared.identity import Identity
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders import deadlines
from ..orders import service as orders
from ..orders.lifecycle import transition
from ..orders.workflow import OPEN, Action, Status
from ..paging import id_page
from ..runtime import Runtime
from ..timeline import service as timeline
from .models import Extension
from .schemas import ExtensionDecision, ExtensionRequest, ExtensionStatus


async def request(
    session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity, data: ExtensionRequest
) -> Extension:
    _, order = await orders.locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    transition(order, Action.request_extension, now)  # checks the state; the status stays
    if data.working_days > rt.settings.max_extension_working_days:
        limit = rt.settings.max_extension_working_days
        raise ValidationFailed(
            f"At most {limit} working days can be asked for at once.",
            errors=[field_error(["body", "working_days"], f"at most {limit}", "too_many_days")],
        )
    pending = await session.scalar(
        select(func.count()).where(Extension.order_id == order_id, Extension.status == ExtensionStatus.pending)
    )
    if pending:
        raise Conflict("An extension request for this order is already waiting for a supervisor's decision.")
    allowed = int(order.policy.get("max_extensions", 1))
    if order.extension_count >= allowed:
        raise Conflict(
            f"This order has had its {allowed} extension(s) already; the policy allows no more.",
            extra={"max_extensions": allowed},
        )
    due = order.reply_due_at
    assert due is not None  # every handled (non info-only) order has a reply deadline
    notice = timedelta(hours=rt.settings.extension_min_notice_hours)
    if DeadlineUnit(order.policy["reply"]["unit"]) is DeadlineUnit.CALENDAR_HOURS:
        left = due - now
    else:
        left = (await rt.calendars.get(session)).working_time_between(now, due)
    if left < notice:
        raise Conflict(
            "An extension must be asked for at least "
            f"{rt.settings.extension_min_notice_hours:g} working hour(s) before the reply deadline "
            f"({due.isoformat()}).",
            extra={"reply_due_at": due.isoformat()},
        )
    ext = Extension(
        order_id=order_id,
        case_no=order.case_no,
        unit_id=order.unit_id,
        status=ExtensionStatus.pending,
        working_days=data.working_days,
        reason=data.reason,
        requested_at=now,
        requested_by=identity.subject,
        reply_due_at_before=due,
    )
    session.add(ext)
    await session.flush()
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.extension_requested",
        actor=Actor.of(identity),
        from_status=order.status,
        extra={"extension_id": ext.id, "working_days": ext.working_days, "reason": ext.reason},
    )
    return ext


async def get(session: AsyncSession, extension_id: int) -> Extension:
    ext = await session.get(Extension, extension_id)
    if ext is None:
        raise NotFound(f"There is no extension request {extension_id}.")
    return ext


async def decide(
    session: AsyncSession, rt: Runtime, *, extension_id: int, identity: Identity, data: ExtensionDecision
) -> Extension:
    ext = await get(session, extension_id)
    _, order = await orders.locked(session, order_id=ext.order_id, identity=None)
    await session.refresh(ext)
    if ext.status != ExtensionStatus.pending:
        raise Conflict(
            f"Extension request {extension_id} is already {ext.status}.", extra={"current_state": ext.status}
        )
    now = rt.clock.now()
    if order.status not in OPEN or order.status == Status.dispatched:
        raise Conflict(f"Order {order.order_id} is {order.status}; there is no deadline left to extend.")
    ext.decided_at = now
    ext.decided_by = identity.subject
    ext.note = data.note
    if data.approve:
        order.adjustments = [
            *order.adjustments,
            {"kind": "extension", "working_days": ext.working_days, "extension_id": ext.id},
        ]
        order.extension_count += 1
        deadlines.refresh(await rt.calendars.get(session), order)
        order.updated_at = now
        ext.status = ExtensionStatus.approved
        ext.reply_due_at_after = order.reply_due_at
    else:
        ext.status = ExtensionStatus.rejected
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.extension_decided",
        actor=Actor.of(identity),
        from_status=order.status,
        extra={
            "extension_id": ext.id,
            "approved": data.approve,
            "note": data.note,
            "reply_due_at": order.reply_due_at,
            "provisional": order.provisional,
        },
    )
    return ext


async def page(
    session: AsyncSession,
    *,
    limit: int,
    after: int | None,
    status: str | None,
    unit_id: str | None,
    order_id: str | None,
) -> list[Extension]:
    return await id_page(
        session, Extension, after=after, limit=limit, status=status, unit_id=unit_id, order_id=order_id
    )
