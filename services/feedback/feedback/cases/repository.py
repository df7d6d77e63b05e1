from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import CaseEvent, CaseRecord


async def lock_case(session: AsyncSession, case_no: str) -> CaseRecord:
    """The case row, created if new, locked for this transaction.

    Two consumers may handle events of one case at once; without the lock each would fold a
    timeline missing the other's event and the later commit would drop it from the state.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(CaseRecord)
        .values(case_no=case_no, known=False, status="pending", units_involved="")
        .on_conflict_do_nothing(index_elements=["case_no"])
    )
    record = await session.scalar(
        select(CaseRecord)
        .where(CaseRecord.case_no == case_no)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert record is not None
    return record


async def event_exists(session: AsyncSession, event_id: str) -> bool:
    return await session.scalar(select(CaseEvent.id).where(CaseEvent.event_id == event_id)) is not None


async def add_event(session: AsyncSession, event: CaseEvent) -> None:
    session.add(event)
    await session.flush()


async def latest_order_at(session: AsyncSession, case_no: str) -> datetime | None:
    return await session.scalar(select(func.max(CaseEvent.order_at)).where(CaseEvent.case_no == case_no))


async def timeline(session: AsyncSession, case_no: str) -> Sequence[CaseEvent]:
    rows = await session.scalars(select(CaseEvent).where(CaseEvent.case_no == case_no))
    return rows.all()


async def get(session: AsyncSession, case_no: str) -> CaseRecord | None:
    return await session.scalar(select(CaseRecord).where(CaseRecord.case_no == case_no))
