from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases.models import CaseRecord


async def pending(
    session: AsyncSession,
    *,
    overdue_before: datetime | None,
    unit_id: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[CaseRecord]:
    """Replied cases whose current reply has no rating yet, the most urgent first."""
    query = select(CaseRecord).where(
        CaseRecord.status == "replied",
        CaseRecord.rated_seq < CaseRecord.reply_seq,
        CaseRecord.callback_due_at.is_not(None),
    )
    if overdue_before is not None:
        query = query.where(CaseRecord.callback_due_at < overdue_before)
    if unit_id:
        query = query.where(CaseRecord.unit_id == unit_id)
    if after is not None:
        due, case_no = after
        query = query.where(
            or_(
                CaseRecord.callback_due_at > due,
                and_(CaseRecord.callback_due_at == due, CaseRecord.case_no > case_no),
            )
        )
    query = query.order_by(CaseRecord.callback_due_at, CaseRecord.case_no).limit(limit)
    return (await session.scalars(query)).all()
