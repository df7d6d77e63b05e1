"""The one entry point the dispatch workflow calls: `order_changed`, after any change to an order.

It runs in the caller's transaction, so an order's timers, light and monthly outcomes can never
disagree with the order itself: a pause stops its timers, an extension or a resume moves them, a
re-handling starts a fresh round, a reply or return settles its outcomes, all atomically with the
change. It is idempotent: calling it twice for the same order state changes nothing the second time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline_shared.calendar import WorkingCalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases.models import DispatchCase
from ..orders.deadlines import open_kinds
from ..orders.models import WorkOrder
from ..orders.workflow import Status
from ..runtime import Runtime
from . import ledger, timers
from .lights import Deadlines, Measure, has_passed, listed_moment, measure_of, warn_moment
from .models import SupervisedOrder
from .outcomes import derive


async def lock_row(session: AsyncSession, order_id: str) -> SupervisedOrder | None:
    row: SupervisedOrder | None = await session.scalar(
        select(SupervisedOrder)
        .where(SupervisedOrder.order_id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return row


def _paused_time(order: WorkOrder, measure: Measure, calendar: WorkingCalendar) -> timedelta:
    """Paused time inside the current handling round, measured like the reply limit."""
    total = timedelta(0)
    for adj in order.adjustments or []:
        if adj.get("kind") != "pause":
            continue
        start, end = datetime.fromisoformat(adj["from"]), datetime.fromisoformat(adj["to"])
        if start < order.clock_started_at or end <= start:
            continue
        if measure is Measure.calendar:
            total += end - start
        else:
            total += calendar.working_time_between(start, end)
    return total


def _new_row(order: WorkOrder, case: DispatchCase | None, now: datetime) -> SupervisedOrder:
    return SupervisedOrder(
        order_id=order.order_id,
        case_no=order.case_no,
        unit_id=order.unit_id,
        role=order.role,
        category=case.category if case else "other",
        urgency=case.urgency if case else "normal",
        topic_code=case.topic_code if case else "",
        district_code=case.district_code if case else None,
        street_code=case.street_code if case else None,
        community_code=case.community_code if case else None,
        status=order.status,
        paused=False,
        dispatched_at=order.dispatched_at,
        round=order.rehandle_count,
        sign_fired=False,
        contact_fired=False,
        reply_fired=False,
        warn_fired=False,
        listed_fired=False,
        light="green",
        urge_level=0,
        updated_at=now,
    )


async def order_changed(session: AsyncSession, rt: Runtime, *, order: WorkOrder) -> None:
    """Bring the order's supervision state in line with the order (call after every change)."""
    if order.info_only:
        return  # forwarded for information (表扬): no deadline, nothing to supervise or count
    now = rt.clock.now()
    row = await lock_row(session, order.order_id)
    if row is None:
        row = _new_row(order, await session.get(DispatchCase, order.case_no), now)
        session.add(row)
    rehandled_seq: int | None = None
    if order.rehandle_count != row.round:
        # 重办: a fresh handling round with fresh deadlines and a fresh urge ladder; the reply that
        # was sent back counts as re-handled in the month it was given.
        rehandled_seq = order.reply_seq if order.rehandle_count > row.round else None
        row.round = order.rehandle_count
        for kind in ("contact", "reply", "warn", "listed"):
            setattr(row, f"{kind}_fired", False)
        row.urge_level = 0
    row.status = order.status
    row.paused = order.status == Status.paused
    calendar = await rt.calendars.get(session)

    kinds = set(open_kinds(order))
    deadlines = Deadlines(
        sign=order.sign_due_at if "sign" in kinds else None,
        contact=order.contact_due_at if "contact" in kinds else None,
        reply=order.reply_due_at if "reply" in kinds else None,
    )
    warn = listed = None
    if deadlines.reply is not None:
        measure = measure_of(((order.policy or {}).get("reply") or {}).get("unit"))
        warn = warn_moment(
            calendar,
            start=order.clock_started_at,
            due=deadlines.reply,
            measure=measure,
            paused=_paused_time(order, measure, calendar),
        )
        listed = listed_moment(calendar, deadlines.reply)
    new = {
        "sign": deadlines.sign,
        "contact": deadlines.contact,
        "reply": deadlines.reply,
        "warn": warn,
        "listed": listed,
    }
    for kind, instant in new.items():
        if instant != timers.moment(row, kind):
            # A timer whose instant moved into the future may fire again; one whose new instant
            # is still past stays fired (a pause or a late extension must not fire it twice).
            if instant is None or not has_passed(instant, now):
                setattr(row, f"{kind}_fired", False)
            setattr(row, timers.TIMER_COLUMNS[kind], instant)

    earliest = deadlines.earliest()
    if earliest is None or row.paused:
        row.due_at, row.due_kind = None, None
    else:
        row.due_kind, row.due_at = earliest
    await timers.advance(session, rt, row=row, order=order, now=now)
    if timers.has_open_deadline(row) and not row.paused:
        # Lights only move down here (met deadline, extension); a finished order keeps the light
        # it ended with, which is what a supervisor reading its history wants to see.
        await timers.set_light(session, rt, row=row, order=order, at=now)
    row.next_timer_at = timers.next_timer(row)
    row.updated_at = now
    await session.flush()
    await sync_outcomes(session, order=order, row=row)
    if rehandled_seq:
        await ledger.mark_rehandled(session, order_id=order.order_id, reply_seq=rehandled_seq)


async def sync_outcomes(session: AsyncSession, *, order: WorkOrder, row: SupervisedOrder) -> None:
    derived = derive(order, row)
    await ledger.apply(
        session,
        order_id=order.order_id,
        unit_id=order.unit_id,
        changes={key: derived.settled.get(key) for key in derived.scope},
    )
