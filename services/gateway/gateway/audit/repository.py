from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditEntry


@dataclass(frozen=True)
class AuditFilter:
    subject: str | None = None
    key_id: str | None = None
    role: str | None = None
    method: str | None = None
    service: str | None = None
    status: int | None = None
    path_prefix: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def add(session: AsyncSession, entry: AuditEntry) -> None:
    session.add(entry)
    await session.flush()


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def page(session: AsyncSession, *, where: AuditFilter, before_id: int | None, limit: int) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    for column, value in (
        (AuditEntry.subject, where.subject),
        (AuditEntry.key_id, where.key_id),
        (AuditEntry.role, where.role),
        (AuditEntry.method, where.method),
        (AuditEntry.service, where.service),
        (AuditEntry.status, where.status),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.path_prefix:
        query = query.where(AuditEntry.path.like(_escape_like(where.path_prefix) + "%", escape="\\"))
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list((await session.scalars(query)).all())
