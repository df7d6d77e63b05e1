"""Turning a case into work orders: by rule right after intake, by an operator from the queue,
or to the unit a returning unit suggested."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hotline_shared.errors import Conflict, NotFound
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import SYSTEM, Actor
from ..cases import repository as cases_repo
from ..cases.models import DispatchCase
from ..cases.service import CaseStatus
from ..enums import Category
from ..orders import deadlines
from ..orders import repository as orders_repo
from ..orders.lifecycle import withdraw
from ..orders.models import WorkOrder
from ..orders.workflow import OPEN, Role, Status
from ..policies import service as policies
from ..routing import service as routing
from ..runtime import Runtime
from ..timeline import service as timeline
from ..units import repository as units_repo
from ..units import service as units
from ..units.models import Unit
from .schemas import DispatchIn


def designation_required(rt: Runtime, case: DispatchCase) -> bool:
    return case.dispatch_count >= rt.settings.designate_after_dispatches


async def enqueue(
    session: AsyncSession,
    rt: Runtime,
    *,
    case: DispatchCase,
    reason: str,
    actor: Actor,
    order: WorkOrder | None = None,
    from_status: str | None = None,
    suggested_unit_id: str | None = None,
) -> None:
    """Put the case in the operator's manual dispatch queue."""
    now = rt.clock.now()
    case.status = CaseStatus.awaiting_dispatch
    case.queued_at = now
    case.queue_reason = reason
    case.suggested_unit_id = suggested_unit_id
    case.updated_at = now
    extra: dict[str, Any] = {
        "reason": reason,
        "suggested_unit_id": suggested_unit_id,
        "dispatch_count": case.dispatch_count,
        "designation_required": designation_required(rt, case),
    }
    if order is not None:
        await timeline.order_event(
            session,
            rt,
            order=order,
            type="order.needs_manual_dispatch",
            actor=actor,
            from_status=from_status or order.status,
            extra=extra,
        )
    else:
        payload = {"order_id": None, "unit_id": None, "unit_name": None, "role": None, **extra}
        await timeline.case_event(
            session, rt, case_no=case.case_no, type="order.needs_manual_dispatch", actor=actor, payload=payload
        )


async def dispatch(
    session: AsyncSession,
    rt: Runtime,
    *,
    case: DispatchCase,
    lead: Unit,
    co: Sequence[Unit],
    designated: bool,
    actor: Actor,
    via: str,
    rule_id: int | None = None,
) -> list[WorkOrder]:
    """A new dispatch of the case: one lead order and one order per co-unit, with deadlines from the
    policy in force now. Orders of an earlier dispatch still open are withdrawn first."""
    for previous in await orders_repo.open_of_case(session, case.case_no):
        await withdraw(session, rt, order=previous, reason="redispatched", actor=actor)
    now = rt.clock.now()
    case.dispatch_count += 1
    designated = designated or case.dispatch_count > rt.settings.designate_after_dispatches
    info_only = case.category == Category.praise
    snapshot: dict[str, Any] = {}
    if not info_only:
        policy = await policies.resolve(
            session, category=case.category, topic_code=case.topic_code, urgency=case.urgency
        )
        snapshot = policies.snapshot(policy)
    calendar = await rt.calendars.get(session)
    orders: list[WorkOrder] = []
    for unit, role in [(lead, Role.lead), *[(u, Role.co) for u in co]]:
        case.order_seq += 1
        order = WorkOrder(
            order_id=f"{case.case_no}-{case.order_seq:02d}",
            case_no=case.case_no,
            unit_id=unit.unit_id,
            unit_name=unit.name,
            role=role.value,
            lead_order_id=orders[0].order_id if orders else None,
            dispatch_no=case.dispatch_count,
            designated=designated,
            info_only=info_only,
            status=Status.dispatched.value,
            dispatched_at=now,
            dispatched_by=actor.subject,
            clock_started_at=now,
            policy=snapshot,
            adjustments=[],
            extension_count=0,
            paused_working_seconds=0,
            rehandle_count=0,
            reply_seq=0,
            reply_attachments=[],
            provisional=False,
            updated_at=now,
        )
        deadlines.refresh(calendar, order)
        session.add(order)
        orders.append(order)
    await session.flush()
    case.status = CaseStatus.in_handling
    case.queued_at = None
    case.queue_reason = None
    case.suggested_unit_id = None
    case.lead_order_id = orders[0].order_id
    case.updated_at = now
    co_ids = [u.unit_id for u in co]
    for order in orders:
        extra = {
            "dispatch_no": order.dispatch_no,
            "designated": order.designated,
            "info_only": order.info_only,
            "category": case.category,
            "urgency": case.urgency,
            "topic_code": case.topic_code,
            "district_code": case.district_code,
            "policy": snapshot,
            **deadlines.deadline_fields(order),
            "return_due_at": order.return_due_at,
            "lead_order_id": order.lead_order_id,
            "co_unit_ids": co_ids if order.role == Role.lead else [],
            "via": via,
            "rule_id": rule_id,
        }
        await timeline.order_event(
            session, rt, order=order, type="order.dispatched", actor=actor, from_status=None, extra=extra
        )
    return orders


async def auto_dispatch(session: AsyncSession, rt: Runtime, *, case: DispatchCase) -> list[WorkOrder]:
    """Route a newly received case by the most specific rule, or queue it for an operator."""
    where = routing.CaseArea(case.topic_code, case.district_code, case.street_code, case.community_code)
    rule = await routing.match(session, where=where)
    if rule is None:
        await enqueue(session, rt, case=case, reason="no_rule", actor=SYSTEM)
        return []
    found = await units_repo.get_many(session, [rule.lead_unit_id, *rule.co_unit_ids])
    lead = found.get(rule.lead_unit_id)
    if lead is None or not lead.active:
        await enqueue(session, rt, case=case, reason="no_rule", actor=SYSTEM)
        return []
    co = [found[u] for u in rule.co_unit_ids if u in found and found[u].active]
    return await dispatch(
        session, rt, case=case, lead=lead, co=co, designated=False, actor=SYSTEM, via="rule", rule_id=rule.id
    )


async def after_return(
    session: AsyncSession, rt: Runtime, *, case: DispatchCase, order: WorkOrder, co_unit_ids: Sequence[str]
) -> None:
    """A lead unit returned its order: straight to the unit it suggested, or back to the queue.

    Once the case has been dispatched as often as the centre allows, an operator must designate.
    """
    suggested = order.suggested_unit_id
    if suggested and rt.settings.return_to_suggested_unit and not designation_required(rt, case):
        found = await units_repo.get_many(session, [suggested, *co_unit_ids])
        lead = found.get(suggested)
        if lead is not None and lead.active:
            co = [found[u] for u in co_unit_ids if u != suggested and u in found and found[u].active]
            await dispatch(session, rt, case=case, lead=lead, co=co, designated=False, actor=SYSTEM, via="suggested")
            return
    await enqueue(
        session,
        rt,
        case=case,
        reason="returned",
        actor=SYSTEM,
        order=order,
        from_status=Status.dispatched.value,
        suggested_unit_id=suggested,
    )


async def manual_dispatch(
    session: AsyncSession, rt: Runtime, *, case_no: str, data: DispatchIn, actor: Actor
) -> tuple[DispatchCase, list[WorkOrder], bool]:
    """An operator's dispatch or re-dispatch. Returns the case, its current orders and whether a new
    dispatch was made (a retried identical request changes nothing)."""
    case = await cases_repo.get(session, case_no, lock=True)
    if case is None:
        raise NotFound(f"Dispatch has no case {case_no} (it may still be on its way from intake).")
    if case.status == CaseStatus.closed:
        raise Conflict(f"Case {case_no} is closed.", extra={"case_status": case.status})
    if case.status == CaseStatus.awaiting_callback:
        raise Conflict(
            f"Case {case_no} has been replied to and awaits the callback; an unsatisfied callback reopens it.",
            extra={"case_status": case.status},
        )
    wanted: list[tuple[str, list[str | int]]] = [(data.unit_id, ["body", "unit_id"])]
    wanted += [(u, ["body", "co_unit_ids", i]) for i, u in enumerate(data.co_unit_ids)]
    found = await units.require_active(session, wanted=wanted)
    designated = data.designate or designation_required(rt, case)
    current = await _same_dispatch_in_place(session, case, data, designated)
    if current is not None:
        return case, current, False
    orders = await dispatch(
        session,
        rt,
        case=case,
        lead=found[data.unit_id],
        co=[found[u] for u in data.co_unit_ids],
        designated=designated,
        actor=actor,
        via="manual",
    )
    return case, orders, True


async def _same_dispatch_in_place(
    session: AsyncSession, case: DispatchCase, data: DispatchIn, designated: bool
) -> list[WorkOrder] | None:
    if case.status != CaseStatus.in_handling or case.lead_order_id is None:
        return None
    orders = [o for o in await orders_repo.of_case(session, case.case_no) if o.status in OPEN]
    lead = next((o for o in orders if o.order_id == case.lead_order_id), None)
    if (
        lead is None
        or lead.status != Status.dispatched
        or lead.unit_id != data.unit_id
        or lead.designated != designated
    ):
        return None
    co = [o for o in orders if o.role == Role.co and o.dispatch_no == lead.dispatch_no]
    return [lead, *co] if sorted(o.unit_id for o in co) == sorted(data.co_unit_ids) else None


async def queue_page(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[datetime, str] | None,
    reason: str | None,
    district_code: str | None,
    topic_code: str | None,
) -> list[DispatchCase]:
    """Oldest first: the queue is worked in the order cases arrived in it."""
    query = (
        select(DispatchCase)
        .where(DispatchCase.queued_at.is_not(None))
        .order_by(DispatchCase.queued_at, DispatchCase.case_no)
        .limit(limit + 1)
    )
    if reason is not None:
        query = query.where(DispatchCase.queue_reason == reason)
    if district_code is not None:
        query = query.where(DispatchCase.district_code == district_code)
    if topic_code is not None:
        query = query.where(DispatchCase.topic_code == topic_code)
    if after is not None:
        at, case_no = after
        query = query.where(
            or_(DispatchCase.queued_at > at, and_(DispatchCase.queued_at == at, DispatchCase.case_no > case_no))
        )
    return list(await session.scalars(query))
