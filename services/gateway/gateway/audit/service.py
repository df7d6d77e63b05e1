from __future__ import annotations

from datetime import datetime

from hotline_shared.errors import ValidationFailed, field_error
from hotline_shared.pagination import decode_cursor, encode_cursor
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .models import AuditEntry
from .repository import AuditFilter
from .schemas import AuditEntryView, AuditPage


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    key_id: str | None,
    subject: str,
    role: str,
    unit_id: str | None,
    station_id: str | None,
    method: str,
    path: str,
    query: str | None,
    route: str,
    service: str,
    status: int,
    client_ip: str | None,
    request_id: str | None,
) -> None:
    await repository.add(
        session,
        AuditEntry(
            at=at,
            key_id=key_id,
            subject=subject,
            role=role,
            unit_id=unit_id,
            station_id=station_id,
            method=method,
            path=path[:500],
            query=query,
            route=route,
            service=service,
            status=status,
            client_ip=client_ip,
            request_id=request_id,
        ),
    )


async def search(session: AsyncSession, *, where: AuditFilter, limit: int, cursor: str | None) -> AuditPage:
    if where.since is not None and where.until is not None and where.since >= where.until:
        raise ValidationFailed(
            "The time range is empty.", errors=[field_error(["query", "from"], "must be earlier than `to`", "range")]
        )
    before = None
    if cursor:
        raw = decode_cursor(cursor, ("id",))["id"]
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValidationFailed(
                "The cursor is not valid; use the next_cursor from the previous page or omit it.",
                errors=[field_error(["query", "cursor"], "not a cursor issued by this list")],
            )
        before = raw
    rows = await repository.page(session, where=where, before_id=before, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        items=[AuditEntryView.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor({"id": rows[-1].id}) if more and rows else None,
    )
