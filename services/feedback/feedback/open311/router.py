"""Public service requests in Open311 terms, for the gateway's GeoReport v2 adapter (and anyone)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from hotline_shared.app import SessionDep
from hotline_shared.client_times import client_time
from hotline_shared.errors import NotFound, ValidationFailed, field_error
from hotline_shared.identity import IdentityDep

from . import service
from .schemas import Open311Request, Open311RequestList

router = APIRouter(prefix="/api/v1/public/open311", tags=["open311"])

CaseNo = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z-]+$")]
_ITEM = re.compile(r"^[0-9A-Za-z-]{1,40}$")
MAX_ITEMS = 100
STATUSES = ("open", "closed")


def _items(value: str | None, name: str) -> list[str]:
    """A comma-separated list, as GeoReport v2 sends several ids or codes in one parameter."""
    if not value:
        return []
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if not _ITEM.match(v)]
    if bad or len(items) > MAX_ITEMS:
        raise ValidationFailed(
            f"{name} takes up to {MAX_ITEMS} codes separated by commas (letters, digits, '-').",
            errors=[field_error(["query", name], "not a list of codes", "invalid")],
        )
    return items


@router.get("/requests", response_model=Open311RequestList, summary="Public service requests (Open311 view)")
async def list_requests(
    session: SessionDep,
    identity: IdentityDep,
    service_request_id: Annotated[str | None, Query(max_length=4100, description="case numbers, comma list")] = None,
    service_code: Annotated[str | None, Query(max_length=4100, description="topic codes, comma list")] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed or open,closed")] = None,
    start_date: Annotated[datetime | None, Query(description="received at or after")] = None,
    end_date: Annotated[datetime | None, Query(description="received at or before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> Open311RequestList:
    statuses = _items(status, "status")
    if any(s not in STATUSES for s in statuses):
        raise ValidationFailed(
            "status is open, closed, or both separated by a comma.",
            errors=[field_error(["query", "status"], "open or closed", "invalid")],
        )
    start = client_time(start_date, loc=["query", "start_date"]) if start_date else None
    end = client_time(end_date, loc=["query", "end_date"]) if end_date else None
    items = await service.list_requests(
        session,
        case_nos=_items(service_request_id, "service_request_id"),
        service_codes=_items(service_code, "service_code"),
        statuses=statuses,
        start=start,
        end=end,
        limit=limit,
    )
    return Open311RequestList(items=items)


@router.get(
    "/requests/{case_no}",
    response_model=Open311Request,
    summary="One public service request (Open311 view)",
    responses={404: {"description": "No such case, or one that is not public"}},
)
async def get_request(case_no: CaseNo, session: SessionDep, identity: IdentityDep) -> Open311Request:
    found = await service.get_request(session, case_no=case_no)
    if found is None:
        raise NotFound(f"没有公开的工单 {case_no} / no public service request {case_no}.")
    return found
