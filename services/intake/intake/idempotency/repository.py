from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .models import IdempotencyRecord


async def find(session: AsyncSession, *, subject: str, key: str) -> IdempotencyRecord | None:
    return await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.subject == subject, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )


async def try_insert(session: AsyncSession, record: IdempotencyRecord) -> bool:
    """Insert inside a savepoint; False when another transaction already holds (subject, key).

    On PostgreSQL the insert waits for a concurrent holder to finish, so after a False the
    winner's answer is committed and readable.
    """
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def purge_before(session: AsyncSession, *, cutoff: datetime) -> int:
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
