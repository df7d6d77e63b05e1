from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from hotline_shared.app import ClockDep, SessionDep
from hotline_shared.errors import NotFound
from hotline_shared.events import Outbox
from hotline_shared.identity import Identity, Role, require_roles

from ..catalog.dependencies import CatalogDep
from ..outbox import get_outbox
from . import record, search, service
from .dependencies import SettingsDep, duplicate_window
from .schemas import CaseAccepted, CaseCreate, CasePage, CaseRecord, CaseStatus, Category, Channel, Urgency

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

# Role open311: the gateway's Open311 adapter (POST /open311/v2/requests) registers through here.
Registrar = Annotated[Identity, require_roles(Role.operator, Role.station, Role.admin, Role.open311)]
Staff = Annotated[Identity, require_roles(Role.operator, Role.station, Role.supervisor, Role.admin)]
OutboxDep = Annotated[Outbox, Depends(get_outbox)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Retry-safe posting: same key + same body → the first answer; different body → 409",
    ),
]
Code = Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
CASE_NO_RE = re.compile(r"\d{8}-\d{6,7}")

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid gateway identity"},
    403: {"description": "Your role may not do this"},
    409: {"description": "Idempotency-Key reused with a different body"},
    422: {"description": "Invalid fields, each named in errors[]"},
}


@router.post(
    "",
    status_code=201,
    response_model=CaseAccepted,
    summary="Register a case (民情受理)",
    responses=PROBLEMS,
)
async def create_case(
    body: CaseCreate,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    identity: Registrar,
    outbox: OutboxDep,
    catalog: CatalogDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> CaseAccepted:
    result = await service.register_case(
        session,
        data=body,
        identity=identity,
        outbox=outbox,
        clock=clock,
        catalog=catalog,
        duplicate_window=duplicate_window(settings),
        idempotency_key=idempotency_key,
    )
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result.accepted


@router.get(
    "",
    response_model=CasePage,
    summary="Search the register (staff); newest first",
    responses={k: PROBLEMS[k] for k in (401, 403, 422)},
)
async def search_cases(
    session: SessionDep,
    identity: Staff,
    catalog: CatalogDep,
    status: CaseStatus | None = None,
    category: Category | None = None,
    topic_code: Code = None,
    district_code: Code = None,
    channel: Channel | None = None,
    urgency: Urgency | None = None,
    received_from: Annotated[datetime | None, Query(alias="from", description="received at or after")] = None,
    received_to: Annotated[datetime | None, Query(alias="to", description="received before")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[^\x00-\x1f\x7f]*$",
            description="words that must all appear in title or description",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> CasePage:
    snapshot = await catalog.get(session)
    return await search.search_cases(
        session,
        filters=search.CaseFilters(
            status=status.value if status else None,
            category=category.value if category else None,
            topic_code=topic_code,
            district_code=district_code,
            channel=channel.value if channel else None,
            urgency=urgency.value if urgency else None,
            received_from=received_from,
            received_to=received_to,
            q=q,
        ),
        identity=identity,
        catalog=snapshot,
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/{case_no}",
    response_model=CaseRecord,
    summary="One case's intake record (caller unmasked for operators, supervisors, admins)",
    responses={401: PROBLEMS[401], 403: PROBLEMS[403], 404: {"description": "No such case (or not yours)"}},
)
async def get_case(
    case_no: Annotated[str, Path(max_length=20)],
    session: SessionDep,
    identity: Staff,
    catalog: CatalogDep,
) -> CaseRecord:
    if not CASE_NO_RE.fullmatch(case_no):
        raise NotFound(f"No case {case_no}: case numbers look like 20261123-000123.")
    snapshot = await catalog.get(session)
    return await record.get_record(session, case_no=case_no, identity=identity, catalog=snapshot)
