from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import PublicPhoto


async def get(session: AsyncSession, photo_id: str) -> PublicPhoto | None:
    return await session.get(PublicPhoto, photo_id)


async def publishable_for_case(session: AsyncSession, case_no: str) -> list[PublicPhoto]:
    rows = await session.scalars(
        select(PublicPhoto)
        .where(PublicPhoto.case_no == case_no, PublicPhoto.publishable.is_(True))
        .order_by(PublicPhoto.source, PublicPhoto.position)
    )
    return list(rows)
