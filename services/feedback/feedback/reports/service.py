"""Figures for the hotline's bulletin (通报), over the cases received in a period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from hotline_shared.clock import SHANGHAI
from hotline_shared.errors import ValidationFailed, field_error
from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases.models import CaseRecord
from ..dates import checked_day
from ..labels import CATEGORY, CHANNEL, STATUS, label
from .schemas import CountRow, Figures, Rates, Summary

MAX_DAYS = 3660


def period(from_date: date | None, to_date: date | None, *, today: date) -> tuple[date, date]:
    """Defaults to the current month so far."""
    from_date, to_date = checked_day(from_date, "from"), checked_day(to_date, "to")
    end = to_date or today
    start = from_date or end.replace(day=1)
    if start > end:
        raise ValidationFailed(
            "`from` must not be after `to`.",
            errors=[field_error(["query", "from"], "must be on or before `to`")],
        )
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(
            "The period is too long; ask for at most ten years at a time.",
            errors=[field_error(["query", "to"], "at most ten years after `from`")],
        )
    return start, end


def _in_period(start: date, end: date) -> list[ColumnElement[bool]]:
    low = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    return [CaseRecord.known.is_(True), CaseRecord.received_at >= low, CaseRecord.received_at < high]


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _figures(session: AsyncSession, where: list[ColumnElement[bool]]) -> Figures:
    c = CaseRecord
    rated = c.satisfaction.is_not(None)
    row = (
        await session.execute(
            select(
                func.count(),
                _count(c.direct_resolution.is_(True)),
                _count(c.reply_seq > 0),
                _count((c.reply_seq > 0) & c.reply_on_time.is_(True)),
                _count(rated),
                _count(c.satisfaction == "satisfied"),
                _count(c.satisfaction == "basically_satisfied"),
                _count(c.satisfaction == "unsatisfied"),
                _count(c.outcome == "unreachable"),
                _count(rated & c.rating_solved.is_(True)),
                _count(c.status == "closed"),
                _count(c.rehandle_count > 0),
            ).where(*where)
        )
    ).one()
    values = [int(v or 0) for v in row]
    names = list(Figures.model_fields)
    return Figures(**dict(zip(names, values, strict=True)))


async def _group(
    session: AsyncSession, where: list[ColumnElement[bool]], key: Any, name: Any | None, labels: dict[str, str] | None
) -> list[CountRow]:
    columns = [key, func.max(name) if name is not None else key, func.count()]
    rows = (
        await session.execute(select(*columns).where(*where).group_by(key).order_by(func.count().desc(), key))
    ).all()
    out = []
    for k, n, count in rows:
        display = label(labels, k) if labels is not None else n
        out.append(CountRow(key=k, name=display, count=int(count)))
    return out


async def summary(session: AsyncSession, *, start: date, end: date) -> Summary:
    where = _in_period(start, end)
    figures = await _figures(session, where)
    rates = Rates(
        direct_resolution=_pct(figures.direct_resolved, figures.total),
        on_time_reply=_pct(figures.replied_on_time, figures.replied),
        solved=_pct(figures.solved, figures.rated),
        satisfaction=_pct(figures.satisfied + figures.basically_satisfied, figures.rated),
    )
    c = CaseRecord
    return Summary(
        from_date=start,
        to_date=end,
        figures=figures,
        rates=rates,
        by_category=await _group(session, where, c.category, None, CATEGORY),
        by_channel=await _group(session, where, c.channel, None, CHANNEL),
        by_topic=await _group(session, where, c.topic_code, c.topic_name, None),
        by_area=await _group(session, where, c.district_code, c.district_name, None),
        by_status=await _group(session, where, c.status, None, STATUS),
    )
