"""Supervision use cases behind the routes: lists, manual urges, figures, rankings, exports."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from hotline_shared.errors import Conflict, NotFound
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders.models import WorkOrder
from ..runtime import Runtime
from . import hooks, repository, timers, urges
from .config import SupervisionSettings
from .exports import Table, overdue_table, ranking_table
from .lights import Light, UrgeLevel, hours_between, light_at
from .metrics import RankedUnit, Ranking, UnitFigures, figures_from_rows, rank, score
from .models import SupervisedOrder, Urge
from .repository import Filters, Position
from .schemas import (
    NearDuePage,
    NearDueRow,
    OverduePage,
    OverdueRow,
    RankedUnitOut,
    Rankings,
    SupervisionView,
    TallyOut,
    UnitMetrics,
    UrgeIn,
    UrgeOut,
)
from .scope import Scope, check


def settings_of(rt: Runtime) -> SupervisionSettings:
    return rt.settings.supervision


def level_name(level: int) -> str | None:
    return UrgeLevel(level).name if level else None


# -- lists ---------------------------------------------------------------------------------------


async def overdue_rows(
    session: AsyncSession,
    *,
    as_of: datetime,
    filters: Filters,
    min_hours_late: float,
    limit: int,
    after: Position | None,
) -> list[OverdueRow]:
    rows = await repository.overdue(
        session, as_of=as_of, filters=filters, min_hours_late=min_hours_late, limit=limit, after=after
    )
    names = await repository.unit_names(session, {r.unit_id for r in rows})
    return [_overdue_row(r, names, as_of) for r in rows]


def _overdue_row(r: SupervisedOrder, names: dict[str, str], as_of: datetime) -> OverdueRow:
    assert r.due_at is not None
    assert r.due_kind is not None
    return OverdueRow(
        order_id=r.order_id,
        case_no=r.case_no,
        unit_id=r.unit_id,
        unit_name=names.get(r.unit_id),
        role=r.role,
        status=r.status,
        category=r.category,
        urgency=r.urgency,
        topic_code=r.topic_code,
        district_code=r.district_code,
        deadline_kind=r.due_kind,
        due_at=r.due_at,
        hours_late=hours_between(r.due_at, as_of),
        urge_level=level_name(r.urge_level),
        light=Light.red.value,
    )


async def near_due_rows(
    session: AsyncSession,
    *,
    as_of: datetime,
    within_hours: float | None,
    filters: Filters,
    limit: int,
    after: Position | None,
) -> list[NearDueRow]:
    rows = await repository.near_due(
        session, as_of=as_of, within_hours=within_hours, filters=filters, limit=limit, after=after
    )
    names = await repository.unit_names(session, {r.unit_id for r in rows})
    out = []
    for r in rows:
        assert r.due_at is not None
        assert r.due_kind is not None
        out.append(
            NearDueRow(
                order_id=r.order_id,
                case_no=r.case_no,
                unit_id=r.unit_id,
                unit_name=names.get(r.unit_id),
                role=r.role,
                status=r.status,
                category=r.category,
                urgency=r.urgency,
                topic_code=r.topic_code,
                district_code=r.district_code,
                deadline_kind=r.due_kind,
                due_at=r.due_at,
                hours_left=hours_between(as_of, r.due_at),
                warn_at=r.warn_at,
                urge_level=level_name(r.urge_level),
                light=light_at(due_at=r.due_at, warn_at=r.warn_at, at=as_of).value,
            )
        )
    return out


def overdue_page(as_of: datetime, rows: list[OverdueRow], next_cursor: str | None) -> OverduePage:
    return OverduePage(as_of=as_of, items=rows, next_cursor=next_cursor)


def near_due_page(
    as_of: datetime, within_hours: float | None, rows: list[NearDueRow], next_cursor: str | None
) -> NearDuePage:
    return NearDuePage(as_of=as_of, within_hours=within_hours, items=rows, next_cursor=next_cursor)


# -- urges ---------------------------------------------------------------------------------------


def urge_out(urge: Urge) -> UrgeOut:
    return UrgeOut(
        urge_id=urge.id,
        order_id=urge.order_id,
        case_no=urge.case_no,
        unit_id=urge.unit_id,
        level=urge.level,
        note=urge.note,
        by="auto" if urge.auto else urge.by_subject,
        auto=urge.auto,
        deadline_kind=urge.deadline_kind,
        due_at=urge.due_at,
        round=urge.round,
        issued_at=urge.issued_at,
        notify_at=urge.notify_at,
        notified_at=urge.notified_at,
        queued=urge.notified_at is None,
    )


def _request_hash(data: UrgeIn) -> str:
    body = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(existing: Urge, digest: str) -> UrgeOut:
    if existing.request_hash != digest:
        raise Conflict(
            "This Idempotency-Key was already used for a different urge; use a new key for a new urge.",
            extra={"urge_id": existing.id},
        )
    return urge_out(existing)


async def manual_urge(
    session: AsyncSession, rt: Runtime, *, data: UrgeIn, actor: Actor, scope: Scope, idempotency_key: str | None
) -> tuple[UrgeOut, bool]:
    """A supervisor's urge; returns (urge, created). A retried request answers the first urge."""
    digest = _request_hash(data)
    order = await session.get(WorkOrder, data.order_id)
    if order is None:
        raise NotFound(f"No work order {data.order_id}.")
    # Locking the order's supervision row first serialises retries of the same request, so the
    # idempotency check below sees a concurrent twin's committed urge.
    row = await hooks.lock_row(session, order.order_id)
    if row is not None:
        check(scope, row)
    if idempotency_key:
        existing = await repository.urge_by_key(session, subject=actor.subject, key=idempotency_key)
        if existing is not None:
            return _replay(existing, digest), False
    if order.info_only:
        raise Conflict("This order was forwarded for information only; there is nothing to urge.")
    if row is None or not timers.has_open_deadline(row):
        raise Conflict(
            f"Order {order.order_id} is {order.status}: it has no open deadline left, so there is nothing to urge.",
            extra={"status": order.status},
        )
    try:
        async with session.begin_nested():
            urge = await urges.issue(
                session,
                rt,
                row=row,
                order=order,
                level=UrgeLevel[data.level.value],
                actor=actor,
                auto=False,
                note=data.note,
                deadline_kind=row.due_kind,
                due_at=row.due_at,
                idempotency_key=idempotency_key,
                request_hash=digest if idempotency_key else None,
            )
    except IntegrityError:
        # A twin request with the same key on another order won the race for the key.
        existing = await repository.urge_by_key(session, subject=actor.subject, key=idempotency_key or "")
        if existing is None:
            raise
        return _replay(existing, digest), False
    return urge_out(urge), True


async def order_view(session: AsyncSession, *, order_id: str, scope: Scope) -> SupervisionView:
    row = await repository.get_row(session, order_id)
    if row is None:
        raise NotFound(f"No supervised order {order_id} (unknown, or forwarded for information only).")
    check(scope, row)
    return SupervisionView(
        order_id=row.order_id,
        case_no=row.case_no,
        unit_id=row.unit_id,
        role=row.role,
        status=row.status,
        paused=row.paused,
        round=row.round,
        light=row.light,
        light_kind=row.light_kind,
        urge_level=level_name(row.urge_level),
        due_at=row.due_at,
        due_kind=row.due_kind,
        sign_due_at=row.sign_due_at,
        contact_due_at=row.contact_due_at,
        reply_due_at=row.reply_due_at,
        warn_at=row.warn_at,
        listed_at=row.listed_at,
        next_timer_at=row.next_timer_at,
        urges=[urge_out(u) for u in await repository.urges_of(session, order_id)],
    )


# -- figures -------------------------------------------------------------------------------------


def _metrics_out(figures: UnitFigures, name: str | None, value: float | None) -> dict[str, object]:
    return {
        "unit_id": figures.unit_id,
        "unit_name": name,
        "month": figures.month,
        "volume": figures.volume,
        "co_volume": figures.co_volume,
        **figures.rates(),
        "score": value,
        "counts": {m.value: TallyOut(total=t.total, hits=t.hits) for m, t in sorted(figures.tallies.items())},
    }


async def unit_metrics(
    session: AsyncSession, *, unit_id: str, month: str, settings: SupervisionSettings
) -> UnitMetrics:
    if not await repository.unit_exists(session, unit_id):
        raise NotFound(f"No unit {unit_id}.")
    rows = await repository.month_figures(session, month=month, unit_id=unit_id)
    found = figures_from_rows(month, rows)
    figures = found[0] if found else UnitFigures(unit_id, month, {})
    names = await repository.unit_names(session, {unit_id})
    return UnitMetrics.model_validate(_metrics_out(figures, names.get(unit_id), score(figures, settings.score_weights)))


async def ranking(
    session: AsyncSession, *, month: str, settings: SupervisionSettings
) -> tuple[Ranking, dict[str, str]]:
    figures = figures_from_rows(month, await repository.month_figures(session, month=month))
    result = rank(
        month,
        figures,
        weights=settings.score_weights,
        min_volume=settings.ranking_min_volume,
        size=settings.ranking_size,
    )
    names = await repository.unit_names(session, {f.unit_id for f in figures})
    return result, names


def _ranked_out(r: RankedUnit, names: dict[str, str]) -> RankedUnitOut:
    body = _metrics_out(r.figures, names.get(r.figures.unit_id), r.score)
    return RankedUnitOut.model_validate({**body, "rank": r.rank, "ranked": r.rank is not None})


async def rankings(session: AsyncSession, *, month: str, settings: SupervisionSettings) -> Rankings:
    result, names = await ranking(session, month=month, settings=settings)
    return Rankings(
        month=month,
        weights=dict(settings.score_weights),
        min_volume=settings.ranking_min_volume,
        units=[_ranked_out(r, names) for r in result.units],
        top=[_ranked_out(r, names) for r in result.top],
        bottom=[_ranked_out(r, names) for r in result.bottom],
    )


# -- exports -------------------------------------------------------------------------------------


async def ranking_export(session: AsyncSession, *, month: str, settings: SupervisionSettings) -> Table:
    result, names = await ranking(session, month=month, settings=settings)
    top = {r.figures.unit_id for r in result.top}
    bottom = {r.figures.unit_id for r in result.bottom}
    rows = []
    for r in result.units:
        body = _metrics_out(r.figures, names.get(r.figures.unit_id), r.score)
        body.pop("counts")
        board = "红榜" if r.figures.unit_id in top else "黑榜" if r.figures.unit_id in bottom else ""
        rows.append({**body, "rank": r.rank, "board": board})
    return ranking_table(month, rows)


async def overdue_export(
    session: AsyncSession, *, as_of: datetime, filters: Filters, min_hours_late: float, max_rows: int
) -> Table:
    rows: list[dict[str, object]] = []
    after: Position | None = None
    while len(rows) < max_rows:
        page = await overdue_rows(
            session,
            as_of=as_of,
            filters=filters,
            min_hours_late=min_hours_late,
            limit=min(1000, max_rows - len(rows)),
            after=after,
        )
        rows.extend(r.model_dump() for r in page)
        if len(page) < 1000:
            break
        after = (page[-1].due_at, page[-1].order_id)
    return overdue_table(as_of, rows)
