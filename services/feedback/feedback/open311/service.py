"""The read side of Open311 GeoReport v2: the case read model turned into public service requests.

Only what may be public is listed: a case the caller asked to keep confidential (保密) never is,
and from the other channels only closed cases (what the public board already shows); cases that
came in through Open311 are public from the start, as their apps expect. Text passes through the
same masking as every public page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import repository as cases_repo
from ..cases.models import CaseRecord
from ..public.service import public_place, public_status_text, public_text
from .schemas import Open311Request

OPEN311_CHANNEL = "open311"
# The unit still owes a reply: the reply deadline is what the client may expect.
_AWAITING_REPLY = frozenset({"dispatched", "signed", "in_progress", "paused", "rehandling", "awaiting_rehandle"})


def _disclosed() -> tuple[ColumnElement[bool], ...]:
    return (
        CaseRecord.known.is_(True),
        CaseRecord.confidential.is_(False),
        or_(CaseRecord.channel == OPEN311_CHANNEL, CaseRecord.status == "closed"),
    )


def _status_notes(record: CaseRecord) -> str | None:
    if record.reply_result:
        return public_text(record, record.reply_result)
    return public_status_text(record)


def as_request(record: CaseRecord) -> Open311Request:
    return Open311Request(
        service_request_id=record.case_no,
        status="closed" if record.status == "closed" else "open",
        status_notes=_status_notes(record),
        service_name=record.topic_name,
        service_code=record.topic_code,
        description=public_text(record, record.description),
        agency_responsible=record.unit_name,
        service_notice=None,
        requested_datetime=record.received_at,
        updated_datetime=record.updated_at,
        expected_datetime=record.reply_due_at if record.status in _AWAITING_REPLY else None,
        address=public_place(record),
        address_id=record.community_code or record.street_code or record.district_code,
    )


async def get_request(session: AsyncSession, *, case_no: str) -> Open311Request | None:
    record = await cases_repo.get(session, case_no)
    if record is None or not record.known or record.confidential:
        return None
    if record.channel != OPEN311_CHANNEL and record.status != "closed":
        return None
    return as_request(record)


async def list_requests(
    session: AsyncSession,
    *,
    case_nos: Sequence[str],
    service_codes: Sequence[str],
    statuses: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[Open311Request]:
    query = select(CaseRecord).where(*_disclosed())
    if case_nos:
        query = query.where(CaseRecord.case_no.in_(case_nos))
    if service_codes:
        query = query.where(CaseRecord.topic_code.in_(service_codes))
    wanted = set(statuses)
    if wanted == {"open"}:
        query = query.where(CaseRecord.status != "closed")
    elif wanted == {"closed"}:
        query = query.where(CaseRecord.status == "closed")
    if start is not None:
        query = query.where(CaseRecord.received_at >= start)
    if end is not None:
        query = query.where(CaseRecord.received_at <= end)
    query = query.order_by(CaseRecord.received_at.desc(), CaseRecord.case_no.desc()).limit(limit)
    return [as_request(r) for r in (await session.scalars(query)).all()]
