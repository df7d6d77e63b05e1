from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from hotline_shared.app import SessionDep
from hotline_shared.client_times import client_time
from pydantic import AwareDatetime

from ..access.context import AccessDep
from . import service
from .repository import AuditFilter
from .schemas import AuditPage

# Admin only, enforced by the gateway's route table.
router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage, summary="Search the audit log, newest first")
async def search_audit(
    session: SessionDep,
    access: AccessDep,
    subject: Annotated[str | None, Query(max_length=80, description="The key name (or `public`).")] = None,
    key_id: Annotated[str | None, Query(max_length=36)] = None,
    role: Annotated[str | None, Query(max_length=20)] = None,
    method: Annotated[str | None, Query(pattern="^(GET|POST|PUT|PATCH|DELETE)$")] = None,
    service_name: Annotated[str | None, Query(alias="service", max_length=20)] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    path: Annotated[str | None, Query(max_length=300, description="Path prefix, e.g. /api/v1/cases/2026")] = None,
    since: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    until: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> AuditPage:
    where = AuditFilter(
        subject=subject,
        key_id=key_id,
        role=role,
        method=method,
        service=service_name,
        status=status,
        path_prefix=path,
        since=None if since is None else client_time(since, loc=["query", "from"]),
        until=None if until is None else client_time(until, loc=["query", "to"]),
    )
    return await service.search(session, where=where, limit=limit, cursor=cursor)
