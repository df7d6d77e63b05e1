"""Public disclosure: case lookup by number and code, the citizen's rating, the public board."""

from __future__ import annotations

import hmac
from datetime import date, datetime, time, timedelta

from hotline_shared.clock import SHANGHAI
from hotline_shared.errors import NotFound, ValidationFailed, field_error
from hotline_shared.pagination import decode_cursor, encode_cursor
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import repository as cases_repo
from ..cases.models import CaseRecord
from ..dates import checked_day
from ..labels import CATEGORY, CHANNEL, OUTCOME, SATISFACTION, STATUS, label
from ..photos import service as photos
from . import masking
from .schemas import (
    BoardItem,
    BoardPage,
    PublicCaller,
    PublicCase,
    PublicLocation,
    PublicPhotoLink,
    PublicRating,
    PublicReply,
)
from .throttle import LookupThrottle
from .timeline import public_timeline

# One answer for "no such case" and "wrong code", so the response never confirms a case number.
NOT_FOUND = "未找到该工单，请核对工单号和查询码。 No case matches this number and lookup code."


def _code_matches(record: CaseRecord, code: str) -> bool:
    expected = (record.lookup_code or "").strip().upper()
    given = code.strip().upper()
    # compare_digest on both paths so timing does not tell a wrong code from an unknown case.
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


async def find_by_code(
    session: AsyncSession, *, case_no: str, code: str, client_ip: str | None, throttle: LookupThrottle
) -> CaseRecord:
    await throttle.check(ip=client_ip, case_no=case_no)
    record = await cases_repo.get(session, case_no)
    if record is None or not record.known or not _code_matches(record, code):
        if record is None:
            hmac.compare_digest(b"XXXXXX", code.strip().upper().encode())
        await throttle.failed(ip=client_ip, case_no=case_no)
        raise NotFound(NOT_FOUND)
    return record


def _person(record: CaseRecord) -> masking.PersonalData:
    return masking.PersonalData(name=record.caller_name, phone=record.caller_phone, address=record.address)


def public_place(record: CaseRecord) -> str | None:
    return masking.public_place(
        address=record.address, community_name=record.community_name, street_name=record.street_name
    )


def public_text(record: CaseRecord, value: str | None) -> str | None:
    return masking.redact_text(value, _person(record), place=public_place(record))


def public_status_text(record: CaseRecord) -> str:
    text = STATUS.get(record.status, record.status)
    if record.status == "dispatched" and record.unit_name:
        return f"已派发至{record.unit_name}，等待签收"
    if record.status == "duplicate" and record.duplicate_of:
        return f"{text}（原工单 {record.duplicate_of}）"
    return text


async def public_view(session: AsyncSession, record: CaseRecord) -> PublicCase:
    events = await cases_repo.timeline(session, record.case_no)
    reply = None
    if record.reply_result is not None:
        reply = PublicReply(
            unit_name=record.unit_name,
            result=public_text(record, record.reply_result),
            solved=record.reply_solved,
            replied_at=record.replied_at,
        )
    rating = None
    if record.satisfaction:
        rating = PublicRating(
            satisfaction=record.satisfaction,
            satisfaction_text=label(SATISFACTION, record.satisfaction) or record.satisfaction,
            source=record.rating_source,
        )
    # The reply deadline matters while the unit still owes a reply.
    open_deadline = record.status in ("dispatched", "signed", "in_progress", "paused", "rehandling")
    return PublicCase(
        case_no=record.case_no,
        status=record.status,
        status_text=public_status_text(record),
        category=record.category,
        category_text=label(CATEGORY, record.category),
        channel_text=label(CHANNEL, record.channel),
        topic_code=record.topic_code,
        topic_name=record.topic_name,
        urgency=record.urgency,
        title=public_text(record, record.title),
        description=public_text(record, record.description),
        received_at=record.received_at,
        location=PublicLocation(
            district_code=record.district_code,
            district_name=record.district_name,
            street_name=record.street_name,
            community_name=record.community_name,
            place=public_place(record),
        ),
        caller=PublicCaller(
            name=masking.masked_name(record.caller_name), phone=masking.masked_phone(record.caller_phone)
        ),
        unit_name=record.unit_name,
        deadline=record.reply_due_at if open_deadline else None,
        reply=reply,
        rating=rating,
        can_rate=record.status == "replied" and record.reply_seq > record.rated_seq,
        duplicate_of=record.duplicate_of,
        rehandle_count=record.rehandle_count,
        closed_at=record.closed_at,
        outcome=record.outcome,
        outcome_text=label(OUTCOME, record.outcome),
        timeline=public_timeline(events),
        photos=[
            PublicPhotoLink(photo_id=p.photo_id, source=p.source, width=p.width, height=p.height)
            for p in await photos.public_photos(session, case_no=record.case_no)
        ],
    )


def board_item(record: CaseRecord) -> BoardItem:
    return BoardItem(
        case_no=record.case_no,
        title=public_text(record, record.title),
        category=record.category,
        category_text=label(CATEGORY, record.category),
        topic_code=record.topic_code,
        topic_name=record.topic_name,
        district_code=record.district_code,
        district_name=record.district_name,
        street_name=record.street_name,
        community_name=record.community_name,
        caller_name=masking.masked_name(record.caller_name),
        description=public_text(record, record.description),
        unit_name=record.unit_name,
        reply=public_text(record, record.reply_result),
        received_at=record.received_at,
        closed_at=record.closed_at,
        outcome=record.outcome,
        outcome_text=label(OUTCOME, record.outcome),
        satisfaction_text=label(SATISFACTION, record.satisfaction),
    )


def _cursor_after(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    values = decode_cursor(cursor, ("closed_at", "case_no"))
    try:
        return datetime.fromisoformat(str(values["closed_at"])), str(values["case_no"])
    except ValueError as exc:
        raise ValidationFailed(
            "The cursor is not valid; use the next_cursor from the previous page or omit it.",
            errors=[field_error(["query", "cursor"], "not a cursor issued by this list")],
        ) from exc


async def board(
    session: AsyncSession,
    *,
    on_date: date | None,
    topic_code: str | None,
    district_code: str | None,
    limit: int,
    cursor: str | None,
) -> BoardPage:
    query = select(CaseRecord).where(
        CaseRecord.known.is_(True),
        CaseRecord.status == "closed",
        CaseRecord.confidential.is_(False),
        CaseRecord.closed_at.is_not(None),
    )
    on_date = checked_day(on_date, "date")
    if on_date is not None:
        start = datetime.combine(on_date, time.min, tzinfo=SHANGHAI)
        query = query.where(CaseRecord.closed_at >= start, CaseRecord.closed_at < start + timedelta(days=1))
    if topic_code:
        # A level-1 or level-2 code also shows the topics under it.
        query = query.where(
            or_(
                CaseRecord.topic_code == topic_code, CaseRecord.topic_code.startswith(f"{topic_code}-", autoescape=True)
            )
        )
    if district_code:
        query = query.where(CaseRecord.district_code == district_code)
    after = _cursor_after(cursor)
    if after is not None:
        closed_at, case_no = after
        query = query.where(
            or_(
                CaseRecord.closed_at < closed_at,
                and_(CaseRecord.closed_at == closed_at, CaseRecord.case_no < case_no),
            )
        )
    query = query.order_by(CaseRecord.closed_at.desc(), CaseRecord.case_no.desc()).limit(limit + 1)
    rows = (await session.scalars(query)).all()
    items = [board_item(r) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        assert last.closed_at is not None
        next_cursor = encode_cursor({"closed_at": last.closed_at.isoformat(), "case_no": last.case_no})
    return BoardPage(items=items, next_cursor=next_cursor)
