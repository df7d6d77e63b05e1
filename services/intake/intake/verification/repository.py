from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .models import PhoneCode


async def add(session: AsyncSession, code: PhoneCode) -> None:
    session.add(code)
    await session.flush()


async def latest(session: AsyncSession, *, phone: str) -> PhoneCode | None:
    return await session.scalar(
        select(PhoneCode).where(PhoneCode.phone == phone).order_by(PhoneCode.created_at.desc(), PhoneCode.id.desc())
    )


async def use(session: AsyncSession, *, code_id: int, now: datetime) -> bool:
    """Mark it used unless someone already did: of two racing submissions only one wins."""
    result = await session.execute(
        update(PhoneCode).where(PhoneCode.id == code_id, PhoneCode.used_at.is_(None)).values(used_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def retire_unused(session: AsyncSession, *, phone: str, now: datetime) -> None:
    """A new code replaces the earlier ones: only the latest text message works."""
    await session.execute(
        update(PhoneCode).where(PhoneCode.phone == phone, PhoneCode.used_at.is_(None)).values(used_at=now)
    )
