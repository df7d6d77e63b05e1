"""The unit's actions on its orders (sign, return, contact, reply) and the system's (reopen, close)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from hotline_shared.errors import NotFound, ServiceUnavailable, ValidationFailed, field_error
from hotline_shared.identity import Identity, Role
from hotline_shared.photos import CleanPhoto, clean_photos, decode_base64_photos, photo_event, store_photo
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import SYSTEM, Actor
from ..cases import repository as cases_repo
from ..cases.models import DispatchCase
from ..cases.service import CaseStatus
from ..dispatching import service as dispatching
from ..runtime import Runtime
from ..supervision import scope as supervision_scope
from ..timeline import service as timeline
from ..units import service as units
from . import deadlines, repository
from .lifecycle import settle_requests, transition, withdraw
from .models import WorkOrder
from .schemas import ContactIn, ReplyIn, ReturnIn
from .workflow import OPEN, TERMINAL, Action, Status
from .workflow import Role as OrderRole

log = structlog.get_logger("orders")


def visible_to(order: WorkOrder, identity: Identity) -> bool:
    """Units see only their own orders; to anyone else's they get 404, so ids do not leak."""
    if identity.role is Role.unit:
        return identity.unit_id is not None and identity.unit_id == order.unit_id
    return True


async def readable(session: AsyncSession, *, order_id: str, identity: Identity) -> WorkOrder:
    order = await repository.get(session, order_id)
    if order is None or not visible_to(order, identity) or not await _in_callers_area(session, order, identity):
        raise NotFound(f"There is no work order {order_id} for you.")
    return order


async def _in_callers_area(session: AsyncSession, order: WorkOrder, identity: Identity) -> bool:
    """A supervisor whose key is limited to an area reads only that area's orders (the same limit as
    supervision's lists)."""
    scope = await supervision_scope.scope_of(session, identity)
    if scope.area_field is None:
        return True
    case = await cases_repo.get(session, order.case_no)
    return case is not None and getattr(case, scope.area_field) == scope.area_code


async def locked(session: AsyncSession, *, order_id: str, identity: Identity | None) -> tuple[DispatchCase, WorkOrder]:
    """The order and its case, row-locked in that order (case first, as everywhere), re-read fresh."""
    order = await repository.get(session, order_id)
    if order is None or (identity is not None and not visible_to(order, identity)):
        raise NotFound(f"There is no work order {order_id} for you.")
    case = await cases_repo.get(session, order.case_no, lock=True)
    fresh = await repository.get(session, order_id, lock=True)
    # Orders and cases are never deleted, so both are still there.
    assert case is not None
    assert fresh is not None
    return case, fresh


def _on_time(now: datetime, due: datetime | None) -> bool:
    return due is None or now <= due


async def sign(session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity) -> WorkOrder:
    _, order = await locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    previous = transition(order, Action.sign, now)
    order.signed_at = now
    if order.info_only:
        order.closed_at = now
        order.close_reason = "read"
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.signed",
        actor=Actor.of(identity),
        from_status=previous,
        extra={"on_time": _on_time(now, order.sign_due_at)},
    )
    return order


async def contact(
    session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity, data: ContactIn
) -> WorkOrder:
    _, order = await locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    previous = transition(order, Action.contact, now)
    order.contacted_at = now
    order.contact_note = data.note
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.contacted",
        actor=Actor.of(identity),
        from_status=previous,
        extra={"note": data.note, "on_time": _on_time(now, order.contact_due_at)},
    )
    return order


async def _store_photos(
    rt: Runtime, *, order: WorkOrder, photos: list[CleanPhoto], publishable: bool
) -> list[dict[str, object]]:
    # Stored before the commit: a rolled-back reply leaves unreferenced objects, never a lost photo.
    if not photos:
        return []
    if rt.store is None:
        raise ServiceUnavailable("照片存储不可用，请稍后再试。")
    announced = []
    for photo in photos:
        stored = await store_photo(rt.store, prefix=f"orders/{order.order_id}/{order.reply_seq}", photo=photo)
        announced.append(
            photo_event(stored.photo_id, stored.key, stored.thumb_key, photo, source="unit", publishable=publishable)
        )
    return announced


async def reply(session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity, data: ReplyIn) -> WorkOrder:
    cleaned = clean_photos(
        decode_base64_photos(data.photos, field=["body", "photos"]),
        max_bytes=rt.settings.photo_max_bytes,
        max_count=rt.settings.photo_max_count,
        field=["body", "photos"],
    )
    case, order = await locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    actor = Actor.of(identity)
    previous = transition(order, Action.reply, now)
    order.reply_seq += 1
    order.replied_at = now
    order.reply_result = data.result
    order.reply_solved = data.solved
    order.reply_attachments = list(data.attachments)
    await settle_requests(session, rt, order=order, now=now, why="replied")
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.replied",
        actor=actor,
        from_status=previous,
        extra={
            "result": data.result,
            "solved": data.solved,
            "on_time": _on_time(now, order.reply_due_at),
            "reply_seq": order.reply_seq,
            "attachments": list(data.attachments),
            "photos": await _store_photos(rt, order=order, photos=cleaned, publishable=data.photos_publishable),
        },
    )
    if order.role == OrderRole.lead:
        # The lead's reply closes the handling: co-units still working are relieved of it.
        for other in await repository.open_of_case(session, case.case_no):
            if other.order_id != order.order_id:
                await withdraw(session, rt, order=other, reason="lead_replied", actor=actor)
        case.status = CaseStatus.awaiting_callback
        case.updated_at = now
    return order


async def return_order(
    session: AsyncSession, rt: Runtime, *, order_id: str, identity: Identity, data: ReturnIn
) -> WorkOrder:
    case, order = await locked(session, order_id=order_id, identity=identity)
    now = rt.clock.now()
    actor = Actor.of(identity)
    if data.suggested_unit_id is not None:
        if data.suggested_unit_id == order.unit_id:
            raise ValidationFailed(
                "A unit cannot suggest itself for an order it returns.",
                errors=[field_error(["body", "suggested_unit_id"], "this is your own unit", "self_suggested")],
            )
        await units.require_active(session, wanted=[(data.suggested_unit_id, ["body", "suggested_unit_id"])])
    previous = transition(order, Action.return_, now)
    order.returned_at = now
    order.closed_at = now
    order.return_reason = data.reason
    order.suggested_unit_id = data.suggested_unit_id
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.returned",
        actor=actor,
        from_status=previous,
        extra={"reason": data.reason, "suggested_unit_id": data.suggested_unit_id},
    )
    if order.role == OrderRole.lead:
        co_unit_ids = []
        for other in await repository.open_of_case(session, case.case_no):
            co_unit_ids.append(other.unit_id)
            await withdraw(session, rt, order=other, reason="lead_returned", actor=actor)
        await dispatching.after_return(session, rt, case=case, order=order, co_unit_ids=co_unit_ids)
    return order


async def rehandle(
    session: AsyncSession, rt: Runtime, *, order_id: str, reply_seq: int | None, rating: dict[str, Any]
) -> None:
    """An unsatisfied callback blamed on the unit: reopen (重办) with fresh deadlines, or, past the
    re-handling limit, send the case to a supervisor's manual dispatch."""
    order = await repository.get(session, order_id)
    if order is None:
        log.warning("rating_for_unknown_order", order_id=order_id)
        return
    case, order = await locked(session, order_id=order_id, identity=None)
    if reply_seq is not None and reply_seq != order.reply_seq:
        log.info("rating_for_older_reply_ignored", order_id=order_id, reply_seq=reply_seq, current=order.reply_seq)
        return
    if order.status != Status.awaiting_callback:
        log.info("rating_ignored_in_state", order_id=order_id, status=order.status)
        return
    now = rt.clock.now()
    if order.rehandle_count >= rt.settings.rehandle_limit:
        previous = transition(order, Action.escalate, now)
        order.closed_at = now
        order.close_reason = "rehandle_limit"
        await dispatching.enqueue(
            session, rt, case=case, reason="rehandle_limit", actor=SYSTEM, order=order, from_status=previous
        )
        return
    previous = transition(order, Action.reopen, now)
    order.rehandle_count += 1
    order.clock_started_at = now
    order.adjustments = []
    order.contacted_at = None
    order.replied_at = None
    deadlines.refresh(await rt.calendars.get(session), order)
    case.rehandle_count = order.rehandle_count
    case.status = CaseStatus.in_handling
    case.updated_at = now
    await timeline.order_event(
        session,
        rt,
        order=order,
        type="order.reopened",
        actor=SYSTEM,
        from_status=previous,
        extra={
            "rehandle_count": order.rehandle_count,
            "reply_due_at": order.reply_due_at,
            "contact_due_at": order.contact_due_at,
            "provisional": order.provisional,
            "reply_seq": order.reply_seq,
            "satisfaction": rating.get("satisfaction"),
            "source": rating.get("source"),
        },
    )


async def close_case(session: AsyncSession, rt: Runtime, *, case_no: str, outcome: str | None) -> None:
    """Feedback closed the case: every order still on record as unfinished is closed with it."""
    case = await cases_repo.get(session, case_no, lock=True)
    if case is None:
        log.info("close_for_unknown_case", case_no=case_no)
        return
    now = rt.clock.now()
    for order in await repository.of_case(session, case_no, lock=True):
        if order.status in TERMINAL:
            continue
        previous = transition(order, Action.close, now)
        if previous in OPEN:
            await settle_requests(session, rt, order=order, now=now, why="case_closed")
        order.closed_at = now
        order.close_reason = "case_closed"
        await timeline.order_event(
            session,
            rt,
            order=order,
            type="order.closed",
            actor=SYSTEM,
            from_status=previous,
            extra={"outcome": outcome},
        )
    case.status = CaseStatus.closed
    case.queued_at = None
    case.queue_reason = None
    case.updated_at = now
