"""Evaluation use cases behind the routes: rule versions, a unit's month, the 约谈 list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..runtime import Runtime
from ..supervision.metrics import month_of
from . import bulletin, ledger, repository
from .models import Crossing, Rule
from .schemas import RuleIn


def rule_view(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "version": rule.version,
        "name": rule.name,
        "event_type": rule.event_type,
        "match": rule.match,
        "points": rule.points,
        "cap_per_period": rule.cap_per_period,
        "active": rule.active,
        "effective_from": rule.effective_from,
        "created_by": rule.created_by,
        "created_at": rule.created_at,
    }


async def put_rule(
    session: AsyncSession, rt: Runtime, *, code: str, data: RuleIn, effective_from: datetime | None, actor: Actor
) -> Rule:
    """A new version of a rule (or its first). Rules never change for the past: a version takes
    effect now or later, and never inside a month whose record is published."""
    now = rt.clock.now()
    start = effective_from or now
    if start < now:
        raise ValidationFailed(
            "规则不能追溯生效：生效时间不能早于现在。",
            errors=[field_error(["body", "effective_from"], "must not be in the past")],
        )
    if await repository.is_published(session, month_of(start)):
        raise Conflict(f"{month_of(start)} 的考评已发布，规则不能在该月生效。")
    latest = await session.scalar(select(Rule).where(Rule.code == code).order_by(Rule.version.desc()).limit(1))
    if latest is not None and latest.effective_from >= start:
        raise ValidationFailed(
            f"规则 {code} 第 {latest.version} 版自 {latest.effective_from.isoformat()} 起生效，新版本须晚于此时间。",
            errors=[field_error(["body", "effective_from"], "must be after the latest version's")],
        )
    rule = Rule(
        code=code,
        version=(latest.version + 1) if latest else 1,
        name=data.name,
        event_type=data.event_type,
        match=data.match,
        points=data.points,
        cap_per_period=data.cap_per_period,
        active=data.active,
        effective_from=start,
        created_by=actor.subject,
        created_at=now,
    )
    session.add(rule)
    await session.flush()
    return rule


async def crossing_views(session: AsyncSession, rt: Runtime, rows: list[Crossing]) -> list[dict[str, Any]]:
    names = await repository.unit_names(session)
    line_names = {line.code: line.name for line in ledger.settings_of(rt).lines}
    return [
        {
            "crossing_id": c.id,
            "unit_id": c.unit_id,
            "unit_name": names.get(c.unit_id),
            "month": c.month,
            "line": c.line,
            "line_name": line_names.get(c.line),
            "threshold": c.threshold,
            "score": c.score,
            "action": c.action,
            "status": c.status,
            "crossed_at": c.crossed_at,
            "done_by": c.done_by,
            "done_at": c.done_at,
            "note": c.note,
        }
        for c in rows
    ]


async def actions(
    session: AsyncSession, rt: Runtime, *, status: str | None, month: str | None, limit: int
) -> list[dict[str, Any]]:
    """The supervisors' list: crossings whose line asks for an interview (约谈), open first."""
    query = select(Crossing).where(Crossing.action == "interview")
    if status is not None:
        query = query.where(Crossing.status == status)
    if month is not None:
        query = query.where(Crossing.month == month)
    rows = list(await session.scalars(query.order_by(Crossing.crossed_at, Crossing.id).limit(limit)))
    return await crossing_views(session, rt, rows)


async def action_done(
    session: AsyncSession, rt: Runtime, *, crossing_id: int, note: str, actor: Actor
) -> dict[str, Any]:
    row = await session.get(Crossing, crossing_id)
    if row is None or row.action != "interview":
        raise NotFound(f"督办清单中没有事项 {crossing_id}。")
    if row.status == "done":
        raise Conflict(f"事项 {crossing_id} 已于 {row.done_at.isoformat() if row.done_at else ''} 办结。")
    row.status, row.done_by, row.done_at, row.note = "done", actor.subject, rt.clock.now(), note
    await session.flush()
    return (await crossing_views(session, rt, [row]))[0]


async def unit_evaluation(session: AsyncSession, rt: Runtime, *, unit_id: str, month: str) -> dict[str, Any]:
    state = await bulletin.view(session, rt, month=month)
    mine = next((u for u in state["units"] if u["unit_id"] == unit_id), None)
    names = await repository.unit_names(session)
    if mine is None and unit_id not in names:
        raise NotFound(f"没有编号为 {unit_id} 的承办单位。")
    rule_names = {r.code: r.name for r in await repository.all_rules(session)}
    points = await repository.points_of(session, month=month, unit_id=unit_id)
    crossings = await repository.crossings_of(session, month=month, unit_id=unit_id)
    return {
        "month": month,
        "status": state["status"],
        "unit_id": unit_id,
        "unit_name": names.get(unit_id),
        "score": mine["score"] if mine else 0,
        "raw": mine["raw"] if mine else 0,
        "tier": mine["tier"] if mine else None,
        "breakdown": mine["breakdown"] if mine else [],
        "crossings": await crossing_views(session, rt, crossings),
        "points": [ledger.point_view(p, rule_names) for p in points],
    }
