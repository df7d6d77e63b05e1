from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..sql import insert_if_absent
from .models import Case, CaseSequence, TimelineEntry


async def _bump(session: AsyncSession, day: date) -> int | None:
    result = await session.execute(
        update(CaseSequence)
        .where(CaseSequence.day == day)
        .values(last_value=CaseSequence.last_value + 1)
        .returning(CaseSequence.last_value)
    )
    value = result.scalar_one_or_none()
    return None if value is None else int(value)


async def next_sequence(session: AsyncSession, *, day: date) -> int:
    """Take the next number for `day`, atomically across every replica sharing the database.

    The UPDATE holds the day's row lock (PostgreSQL) or the write lock (SQLite) until the case's
    transaction ends, so no two transactions can see the same value. The first case of a day
    creates the row with INSERT ... ON CONFLICT DO NOTHING: a replica losing that race waits for
    the winner and then simply increments the winner's row, instead of failing.
    """
    value = await _bump(session, day)
    if value is not None:
        return value
    await insert_if_absent(session, CaseSequence, {"day": day, "last_value": 0})
    value = await _bump(session, day)
    if value is None:  # pragma: no cover - the row exists now, whoever inserted it
        raise RuntimeError(f"case sequence row for {day} vanished")
    return value


async def add(session: AsyncSession, case: Case) -> None:
    session.add(case)
    await session.flush()


async def get(session: AsyncSession, case_no: str) -> Case | None:
    return await session.get(Case, case_no)


async def find_open_original(
    session: AsyncSession, *, phone: str, topic_code: str, community_code: str, since: datetime
) -> Case | None:
    """The most recent open, non-praise, non-duplicate case of this caller on this topic and community."""
    return await session.scalar(
        select(Case)
        .where(
            Case.caller_phone == phone,
            Case.topic_code == topic_code,
            Case.community_code == community_code,
            Case.received_at >= since,
            Case.status == "received",
            Case.category != "praise",
        )
        .order_by(Case.received_at.desc(), Case.case_no.desc())
        .limit(1)
    )


async def add_demand(session: AsyncSession, *, case_no: str) -> int:
    result = await session.execute(
        update(Case)
        .where(Case.case_no == case_no)
        .values(demand_count=Case.demand_count + 1)
        .returning(Case.demand_count)
        .execution_options(synchronize_session=False)
    )
    return int(result.scalar_one())


async def add_timeline(session: AsyncSession, entry: TimelineEntry) -> None:
    session.add(entry)
    await session.flush()


async def timeline(session: AsyncSession, case_no: str) -> Sequence[TimelineEntry]:
    return (
        await session.scalars(
            select(TimelineEntry).where(TimelineEntry.case_no == case_no).order_by(TimelineEntry.at, TimelineEntry.id)
        )
    ).all()


async def duplicates_of(session: AsyncSession, case_no: str) -> list[str]:
    return list(
        (await session.scalars(select(Case.case_no).where(Case.duplicate_of == case_no).order_by(Case.case_no))).all()
    )


async def page(session: AsyncSession, query: Select[Any], limit: int) -> Sequence[Case]:
    return (await session.scalars(query.order_by(Case.case_no.desc()).limit(limit))).all()
