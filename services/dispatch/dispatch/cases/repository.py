from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import DispatchCase


async def get(session: AsyncSession, case_no: str, *, lock: bool = False) -> DispatchCase | None:
    """The case; ``lock`` takes its row lock (PostgreSQL) so that every change to a case's
    handling is serialised: the case row is always locked before any of its orders."""
    query = select(DispatchCase).where(DispatchCase.case_no == case_no)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def add(session: AsyncSession, case: DispatchCase) -> None:
    session.add(case)
    await session.flush()
