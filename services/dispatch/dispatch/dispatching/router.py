from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from hotline_shared.app import SessionDep

from ..actors import Actor
from ..orders import views
from ..paging import CursorQuery, LimitQuery, Page, after, next_cursor
from ..roles import Dispatcher
from ..runtime import RuntimeDep
from ..validation import CODE_PATTERN, CaseNoPath
from . import service
from .schemas import DispatchIn, DispatchOut, QueueItem

router = APIRouter(tags=["dispatching"])


@router.post("/api/v1/cases/{case_no}/dispatch", response_model=DispatchOut, summary="Manual dispatch or re-dispatch")
async def dispatch_case(
    case_no: CaseNoPath, body: DispatchIn, session: SessionDep, rt: RuntimeDep, identity: Dispatcher
) -> DispatchOut:
    case, orders, created = await service.manual_dispatch(
        session, rt, case_no=case_no, data=body, actor=Actor.of(identity)
    )
    lead = orders[0]
    return DispatchOut(
        case_no=case.case_no,
        dispatch_no=lead.dispatch_no,
        designated=lead.designated,
        created=created,
        orders=await views.summaries(session, [(o, case) for o in orders]),
    )


@router.get("/api/v1/dispatch-queue", response_model=Page[QueueItem], summary="Cases waiting for a manual dispatch")
async def dispatch_queue(
    session: SessionDep,
    rt: RuntimeDep,
    identity: Dispatcher,
    reason: Literal["no_rule", "returned", "rehandle_limit"] | None = None,
    district_code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    topic_code: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[QueueItem]:
    start = after(cursor, {"at": datetime, "case_no": str})
    rows = await service.queue_page(
        session,
        limit=limit,
        after=(start["at"], start["case_no"]) if start else None,
        reason=reason,
        district_code=district_code,
        topic_code=topic_code,
    )
    items = [
        QueueItem(
            case_no=c.case_no,
            category=c.category,
            topic_code=c.topic_code,
            topic_name=c.topic_name,
            urgency=c.urgency,
            title=c.title,
            district_code=c.district_code,
            street_code=c.street_code,
            community_code=c.community_code,
            received_at=c.received_at,
            queued_at=c.queued_at,  # the query only returns queued cases
            reason=c.queue_reason or "no_rule",
            suggested_unit_id=c.suggested_unit_id,
            dispatch_count=c.dispatch_count,
            rehandle_count=c.rehandle_count,
            designation_required=service.designation_required(rt, c),
            previous_order_id=c.lead_order_id,
        )
        for c in rows[:limit]
    ]
    return Page[QueueItem](
        items=items,
        next_cursor=next_cursor(rows, limit, lambda c: {"at": c.queued_at.isoformat(), "case_no": c.case_no}),
    )
