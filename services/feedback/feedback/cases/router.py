from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from hotline_shared.app import SessionDep
from hotline_shared.errors import NotFound
from hotline_shared.identity import Identity, Role, require_roles

from . import repository
from .models import CaseRecord
from .projection import sort_key
from .schemas import StaffCaseTimeline, TimelineEntry

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

Staff = Annotated[Identity, require_roles(Role.operator, Role.station, Role.unit, Role.supervisor, Role.admin)]
CaseNo = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$")]


def _may_see(identity: Identity, record: CaseRecord) -> bool:
    if identity.role in (Role.operator, Role.supervisor, Role.admin):
        return True
    if identity.role is Role.unit:
        return bool(identity.unit_id) and identity.unit_id in record.units_involved.split(",")
    if identity.role is Role.station:
        return bool(identity.station_id) and identity.station_id == record.station_id
    return False


@router.get("/{case_no}/timeline", response_model=StaffCaseTimeline, summary="A case's whole timeline (staff)")
async def case_timeline(case_no: CaseNo, session: SessionDep, identity: Staff) -> StaffCaseTimeline:
    record = await repository.get(session, case_no)
    # Someone else's case answers exactly like an unknown one: a station or unit must not learn
    # which case numbers exist (intake's case record does the same).
    if record is None or not _may_see(identity, record):
        raise NotFound(f"No case {case_no} is known to the feedback service.")
    events = sorted(await repository.timeline(session, case_no), key=sort_key)
    return StaffCaseTimeline(
        case_no=record.case_no,
        status=record.status,
        category=record.category,
        topic_code=record.topic_code,
        topic_name=record.topic_name,
        caller_name=record.caller_name,
        caller_phone=record.caller_phone,
        address=record.address,
        confidential=record.confidential,
        order_id=record.order_id,
        unit_id=record.unit_id,
        unit_name=record.unit_name,
        reply_due_at=record.reply_due_at,
        light=record.light,
        reply_seq=record.reply_seq,
        rehandle_count=record.rehandle_count,
        callback_due_at=record.callback_due_at,
        callback_attempts=record.callback_attempts,
        satisfaction=record.satisfaction,
        outcome=record.outcome,
        closed_at=record.closed_at,
        timeline=[
            TimelineEntry(
                event_id=e.event_id,
                type=e.type,
                source=e.source,
                at=e.at,
                order_id=e.order_id,
                unit_id=e.unit_id,
                actor=e.actor,
                payload=e.payload,
            )
            for e in events
        ],
    )
