"""Public routes: the gateway signs unauthenticated callers with role `public`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from hotline_shared.app import ClockDep, ReadSessionDep, SessionDep
from hotline_shared.identity import IdentityDep

from ..callbacks import service as callbacks
from ..callbacks.schemas import RatingCreate, RatingResult
from ..deps import IdempotencyKeyDep, OutboxDep, PolicyDep, ThrottleDep
from ..labels import STATUS
from . import service
from .schemas import BoardPage, PublicCase

router = APIRouter(prefix="/api/v1/public", tags=["public"])

CaseNo = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$")]
Code = Annotated[str, Query(min_length=4, max_length=12, description="The lookup code (查询码) given at intake")]
NOT_FOUND_DOC: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown case or wrong code (indistinguishable)"},
    429: {"description": "Too many failed lookups"},
}


@router.get("/cases/{case_no}", response_model=PublicCase, summary="Track a case (进度查询)", responses=NOT_FOUND_DOC)
async def lookup_case(
    case_no: CaseNo, code: Code, session: SessionDep, identity: IdentityDep, throttle: ThrottleDep
) -> PublicCase:
    record = await service.find_by_code(
        session, case_no=case_no, code=code, client_ip=identity.client_ip, throttle=throttle
    )
    return await service.public_view(session, record)


@router.post(
    "/cases/{case_no}/rating",
    status_code=201,
    response_model=RatingResult,
    summary="Rate the unit's reply (评价), once per reply",
    responses={**NOT_FOUND_DOC, 409: {"description": "Nothing to rate, or already rated"}},
)
async def rate_case(
    case_no: CaseNo,
    code: Code,
    body: RatingCreate,
    session: SessionDep,
    clock: ClockDep,
    identity: IdentityDep,
    throttle: ThrottleDep,
    outbox: OutboxDep,
    policy: PolicyDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> RatingResult:
    await service.find_by_code(session, case_no=case_no, code=code, client_ip=identity.client_ip, throttle=throttle)
    state, _replayed = await callbacks.rate_by_citizen(
        session,
        case_no=case_no,
        satisfaction=body.satisfaction,
        solved=body.solved,
        comment=body.comment,
        idempotency_key=idempotency_key,
        outbox=outbox,
        policy=policy,
        clock=clock,
    )
    return RatingResult(
        case_no=case_no,
        reply_seq=state.rated_seq,
        satisfaction=body.satisfaction,
        status=state.status,
        status_text=STATUS.get(state.status, state.status),
    )


@router.get("/board", response_model=BoardPage, summary="Public board of closed cases (公示)")
async def public_board(
    session: ReadSessionDep,
    identity: IdentityDep,
    on_date: Annotated[date | None, Query(alias="date", description="Cases closed on this day")] = None,
    topic_code: Annotated[str | None, Query(max_length=40)] = None,
    district_code: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> BoardPage:
    return await service.board(
        session, on_date=on_date, topic_code=topic_code, district_code=district_code, limit=limit, cursor=cursor
    )
