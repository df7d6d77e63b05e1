from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CasePhoto


async def add_all(session: AsyncSession, photos: list[CasePhoto]) -> None:
    session.add_all(photos)
    await session.flush()


async def for_case(session: AsyncSession, case_no: str) -> list[CasePhoto]:
    rows = await session.scalars(select(CasePhoto).where(CasePhoto.case_no == case_no).order_by(CasePhoto.position))
    return list(rows)


async def get(session: AsyncSession, *, case_no: str, photo_id: str) -> CasePhoto | None:
    return await session.scalar(
        select(CasePhoto).where(CasePhoto.case_no == case_no, CasePhoto.photo_id == photo_id).with_for_update()
    )
