from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.identity import Identity, Role, require_roles

from ..deps import IdempotencyKeyDep, OutboxDep, PolicyDep
from . import service
from .schemas import CallbackCreate, CallbackPage, CallbackResult

router = APIRouter(prefix="/api/v1/callbacks", tags=["callbacks"])

CallbackStaff = Annotated[Identity, require_roles(Role.operator, Role.supervisor, Role.admin)]
CaseNo = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$")]


@router.get("", response_model=CallbackPage, summary="Callbacks due or overdue (回访工作清单)")
async def list_callbacks(
    session: SessionDep,
    clock: ClockDep,
    identity: CallbackStaff,
    overdue: Annotated[bool, Query(description="Only callbacks already past their due time")] = False,
    unit_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> CallbackPage:
    return await service.list_callbacks(
        session, now=clock.now(), overdue_only=overdue, unit_id=unit_id, limit=limit, cursor=cursor
    )


@router.post(
    "/{case_no}",
    status_code=201,
    response_model=CallbackResult,
    summary="Record a callback: the citizen's rating, or an unanswered try",
    responses={404: {"description": "Unknown case"}, 409: {"description": "Nothing to call back about"}},
)
async def record_callback(
    case_no: CaseNo,
    body: CallbackCreate,
    session: SessionDep,
    clock: ClockDep,
    identity: CallbackStaff,
    outbox: OutboxDep,
    policy: PolicyDep,
    idempotency_key: IdempotencyKeyDep = None,
) -> CallbackResult:
    return await service.record_callback(
        session,
        case_no=case_no,
        data=body,
        operator=identity.subject,
        idempotency_key=idempotency_key,
        outbox=outbox,
        policy=policy,
        clock=clock,
    )
