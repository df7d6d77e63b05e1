"""The month's scores, tiers and 红黑档案: a live draft, edited by supervisors, approved by an
admin, then frozen as a snapshot that is all any reader sees of that month from then on."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..runtime import Runtime
from ..supervision.metrics import month_of
from ..units.models import Unit
from . import ledger, repository
from .models import Bulletin, BulletinEntry
from .periods import has_ended, last_instant
from .scoring import reached, score_of, tiers

BOARD_NAMES = {"red": "红档", "black": "黑档"}


async def live(session: AsyncSession, rt: Runtime, *, month: str) -> dict[str, Any]:
    """The month as the ledger stands now: every graded unit's score, tier and lines, and the
    draft's entries."""
    settings = ledger.settings_of(rt)
    sums = await repository.sums(session, month=month)
    caps = await repository.caps_at(session, at=min(rt.clock.now(), last_instant(month)))
    names = await repository.unit_names(session)
    rule_names = {r.code: r.name for r in await repository.all_rules(session)}
    graded = sorted(await repository.active_units(session, month=month))
    scores = {u: score_of(u, sums.get(u, {}), caps, settings.score_limit) for u in graded}
    tier_of = tiers([(u, s.score) for u, s in scores.items()], settings.tier_shares)
    crossings = await repository.crossings_of(session, month=month)
    crossed: dict[str, list[str]] = {}
    for c in crossings:
        crossed.setdefault(c.unit_id, []).append(c.line)
    line_names = {line.code: line.name for line in settings.lines}
    units = []
    for u in sorted(graded, key=lambda u: (-scores[u].score, u)):
        s = scores[u]
        units.append(
            {
                "unit_id": u,
                "unit_name": names.get(u),
                "score": s.score,
                "raw": s.raw,
                "tier": tier_of[u],
                "lines": [line.code for line in reached(s.score, settings.lines)],
                "lines_crossed": crossed.get(u, []),
                "breakdown": [
                    {"rule_code": code, "rule_name": rule_names.get(code, "人工记分"), "points": pts}
                    for code, pts in s.capped.items()
                ],
            }
        )
    entries = await _entries(session, month, names)
    bulletin = await session.get(Bulletin, month)
    return {
        "month": month,
        "status": bulletin.status if bulletin else "open",
        "compiled_at": bulletin.compiled_at if bulletin else None,
        "compiled_by": bulletin.compiled_by if bulletin else None,
        "approved_at": None,
        "approved_by": None,
        "score_limit": settings.score_limit,
        "tier_shares": list(settings.tier_shares),
        "lines": [{**line.model_dump(mode="json"), "count": _count(crossings, line.code)} for line in settings.lines],
        "units": units,
        "red": [e for e in entries if e["board"] == "red"],
        "black": [e for e in entries if e["board"] == "black"],
        "line_names": line_names,
    }


def _count(crossings: list[Any], line: str) -> int:
    return sum(1 for c in crossings if c.line == line)


async def _entries(session: AsyncSession, month: str, names: dict[str, str]) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(BulletinEntry).where(BulletinEntry.month == month).order_by(BulletinEntry.board, BulletinEntry.unit_id)
    )
    return [
        {
            "entry_id": e.id,
            "unit_id": e.unit_id,
            "unit_name": names.get(e.unit_id),
            "board": e.board,
            "reason": e.reason,
            "origin": e.origin,
            "added_by": e.added_by,
        }
        for e in rows
    ]


async def view(session: AsyncSession, rt: Runtime, *, month: str) -> dict[str, Any]:
    bulletin = await session.get(Bulletin, month)
    if bulletin is not None and bulletin.status == "published" and bulletin.snapshot is not None:
        return dict(bulletin.snapshot)
    return await live(session, rt, month=month)


async def _draft(session: AsyncSession, month: str) -> Bulletin:
    bulletin = await session.get(Bulletin, month)
    if bulletin is None:
        raise NotFound(f"{month} 的红黑档案还没有生成，请先生成草稿。")
    if bulletin.status == "published":
        raise Conflict(f"{month} 的红黑档案已审定发布，不能再修改。")
    return bulletin


def _auto_reason(unit: dict[str, Any]) -> str:
    parts = [f"{b['rule_name']} {b['points']:+d}" for b in unit["breakdown"] if b["points"]]
    return f"月度得分 {unit['score']:+d}（" + "，".join(parts) + "）"


async def compile_draft(session: AsyncSession, rt: Runtime, *, month: str, actor: Actor) -> dict[str, Any]:
    """(Re)build the draft: month rules, then red entries for units at or above the first positive
    line and black ones at or below the first negative line. Supervisors' own entries stay."""
    now = rt.clock.now()
    if month > month_of(now):
        raise ValidationFailed(
            f"{month} 还没有开始，不能生成红黑档案。", errors=[field_error(["path", "month"], "month is in the future")]
        )
    bulletin = await session.get(Bulletin, month)
    if bulletin is not None and bulletin.status == "published":
        raise Conflict(f"{month} 的红黑档案已审定发布，不能重新生成。")
    await ledger.apply_period_rules(session, rt, month=month)
    if bulletin is None:
        bulletin = Bulletin(
            month=month,
            status="draft",
            compiled_at=now,
            compiled_by=actor.subject,
            updated_at=now,
            updated_by=actor.subject,
        )
        session.add(bulletin)
    else:
        bulletin.compiled_at, bulletin.compiled_by = now, actor.subject
        bulletin.updated_at, bulletin.updated_by = now, actor.subject
    await session.execute(delete(BulletinEntry).where(BulletinEntry.month == month, BulletinEntry.origin == "auto"))
    await session.flush()
    manual = {
        (e.unit_id, e.board) for e in await session.scalars(select(BulletinEntry).where(BulletinEntry.month == month))
    }
    settings = ledger.settings_of(rt)
    red_line = min((line.threshold for line in settings.lines if line.positive), default=None)
    black_line = max((line.threshold for line in settings.lines if not line.positive), default=None)
    state = await live(session, rt, month=month)
    for unit in state["units"]:
        board = None
        if red_line is not None and unit["score"] >= red_line:
            board = "red"
        elif black_line is not None and unit["score"] <= black_line:
            board = "black"
        if board is None or (unit["unit_id"], board) in manual:
            continue
        session.add(
            BulletinEntry(
                month=month,
                unit_id=unit["unit_id"],
                board=board,
                reason=_auto_reason(unit),
                origin="auto",
                added_by=actor.subject,
                created_at=now,
            )
        )
    await session.flush()
    return await live(session, rt, month=month)


async def add_entry(
    session: AsyncSession, rt: Runtime, *, month: str, unit_id: str, board: str, reason: str, actor: Actor
) -> dict[str, Any]:
    bulletin = await _draft(session, month)
    if await session.get(Unit, unit_id) is None:
        raise ValidationFailed(
            f"没有编号为 {unit_id} 的承办单位。", errors=[field_error(["body", "unit_id"], "unknown unit")]
        )
    exists = await session.scalar(
        select(BulletinEntry.id).where(
            BulletinEntry.month == month, BulletinEntry.unit_id == unit_id, BulletinEntry.board == board
        )
    )
    if exists is not None:
        raise Conflict(f"{unit_id} 已在 {month} 的{BOARD_NAMES[board]}中（条目 {exists}），请修改该条目。")
    now = rt.clock.now()
    session.add(
        BulletinEntry(
            month=month,
            unit_id=unit_id,
            board=board,
            reason=reason,
            origin="manual",
            added_by=actor.subject,
            created_at=now,
        )
    )
    bulletin.updated_at, bulletin.updated_by = now, actor.subject
    await session.flush()
    return await live(session, rt, month=month)


async def edit_entry(
    session: AsyncSession, rt: Runtime, *, month: str, entry_id: int, reason: str | None, remove: bool, actor: Actor
) -> dict[str, Any]:
    bulletin = await _draft(session, month)
    entry = await session.get(BulletinEntry, entry_id)
    if entry is None or entry.month != month:
        raise NotFound(f"{month} 的红黑档案中没有条目 {entry_id}。")
    if remove:
        await session.delete(entry)
    elif reason is not None:
        # An edited automatic entry is the supervisors' from now on: a re-compile keeps it.
        entry.reason, entry.origin, entry.added_by = reason, "manual", actor.subject
    now = rt.clock.now()
    bulletin.updated_at, bulletin.updated_by = now, actor.subject
    await session.flush()
    return await live(session, rt, month=month)


async def approve(session: AsyncSession, rt: Runtime, *, month: str, actor: Actor) -> dict[str, Any]:
    """审定: freeze the reviewed draft with the scores and tiers as they stand, and publish it."""
    now = rt.clock.now()
    bulletin = await _draft(session, month)
    if not has_ended(month, now):
        raise Conflict(f"{month} 还没有结束，月底后才能审定发布。")
    state = await live(session, rt, month=month)
    bulletin.status = "published"
    bulletin.approved_by, bulletin.approved_at = actor.subject, now
    bulletin.updated_at, bulletin.updated_by = now, actor.subject
    state.update(status="published", approved_at=now.isoformat(), approved_by=actor.subject)
    if state["compiled_at"] is not None:
        state["compiled_at"] = bulletin.compiled_at.isoformat()
    bulletin.snapshot = state
    await session.flush()
    return state


def public_summary(state: dict[str, Any]) -> dict[str, Any]:
    """What anyone may read: units (organisations), scores, tiers, boards and counts; no reasons,
    no authors, no case or order numbers."""
    tiers_count = Counter(u["tier"] for u in state["units"])
    red = {e["unit_id"] for e in state["red"]}
    black = {e["unit_id"] for e in state["black"]}
    return {
        "month": state["month"],
        "approved_at": state["approved_at"],
        "score_limit": state["score_limit"],
        "units": [
            {
                "unit_id": u["unit_id"],
                "unit_name": u["unit_name"],
                "score": u["score"],
                "tier": u["tier"],
                "board": "red" if u["unit_id"] in red else "black" if u["unit_id"] in black else None,
                "lines": u["lines"],
            }
            for u in state["units"]
        ],
        "tiers": [{"tier": t, "units": tiers_count.get(t, 0)} for t in range(1, len(state["tier_shares"]) + 1)],
        "lines": [
            {"code": x["code"], "name": x["name"], "threshold": x["threshold"], "count": x["count"]}
            for x in state["lines"]
        ],
    }


def quarter_months(quarter: str) -> list[str]:
    year, q = quarter.split("-Q")
    first = (int(q) - 1) * 3 + 1
    return [f"{year}-{m:02d}" for m in range(first, first + 3)]


async def quarter(session: AsyncSession, rt: Runtime, *, quarter: str) -> dict[str, Any]:
    """The quarter's score (季度公布): the sum of the three month scores, within ±score_limit, from
    each month's published record where there is one; tiers on that sum by the same rule."""
    settings = ledger.settings_of(rt)
    months = quarter_months(quarter)
    states = [await view(session, rt, month=m) for m in months]
    names = await repository.unit_names(session)
    per_unit: dict[str, dict[str, int]] = {}
    for state in states:
        for u in state["units"]:
            per_unit.setdefault(u["unit_id"], {})[state["month"]] = u["score"]
    totals = {u: max(-settings.score_limit, min(settings.score_limit, sum(m.values()))) for u, m in per_unit.items()}
    tier_of = tiers(list(totals.items()), settings.tier_shares)
    return {
        "quarter": quarter,
        "published": all(s["status"] == "published" for s in states),
        "months": [{"month": s["month"], "status": s["status"]} for s in states],
        "units": [
            {
                "unit_id": u,
                "unit_name": names.get(u),
                "months": [{"month": m, "score": per_unit[u].get(m, 0)} for m in months],
                "score": totals[u],
                "tier": tier_of[u],
            }
            for u in sorted(totals, key=lambda u: (-totals[u], u))
        ],
    }
