"""The points ledger: rows from events, from month rules and from supervisors; reversals;
the lines a unit's score crosses; re-scoring a month from its facts.

Rows are only ever added. A replayed event adds nothing: its fact is already stored and its rows'
(unit, source_key, revision) are unique in the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from hotline_shared.events import EventEnvelope
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import Actor
from ..orders.models import WorkOrder
from ..runtime import Runtime
from ..supervision.metrics import month_of
from ..supervision.models import UnitMonth
from ..units.models import Unit
from . import repository
from .config import Action, EvaluationSettings
from .models import Crossing, Fact, Point, Rule
from .periods import booking_month, has_ended, last_instant
from .rules import EVENT_TYPES, PERIOD_TYPES, attributes, matches
from .scoring import Score, reached, score_of

LINE_CROSSED = "unit.evaluation_line_crossed"
SYSTEM = Actor(subject="system", role="system")

log = structlog.get_logger("evaluation.ledger")


def settings_of(rt: Runtime) -> EvaluationSettings:
    return rt.settings.evaluation


def _at(envelope: EventEnvelope) -> datetime:
    # A light's `at` is the timer's own moment (the deadline), which is when the failure happened.
    raw = envelope.payload.get("at")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
    return envelope.occurred_at


async def take_event(session: AsyncSession, rt: Runtime, *, envelope: EventEnvelope) -> int:
    """Score one event from dispatch or feedback; returns the ledger rows added (0 on a replay)."""
    if envelope.type not in EVENT_TYPES or envelope.type in PERIOD_TYPES:
        return 0
    event_id = str(envelope.event_id)
    if await session.get(Fact, event_id) is not None:
        log.info("event_already_scored", event_id=event_id, type=envelope.type)
        return 0
    payload = envelope.payload
    attrs = attributes(payload)
    order_id = str(payload.get("order_id") or "") or None
    unit_id = payload.get("unit_id")
    if envelope.type == "case.rated":
        # Feedback does not know units: the rated order says whose reply it was.
        order = await session.get(WorkOrder, order_id) if order_id else None
        if order is None:
            return 0
        unit_id, attrs["role"] = order.unit_id, order.role
    if not isinstance(unit_id, str) or not unit_id:
        return 0
    at = _at(envelope)
    rules = [
        r for r in await repository.rules_for_type(session, event_type=envelope.type, at=at) if matches(r.match, attrs)
    ]
    if not rules:
        return 0  # nothing scores it now, and rules never change for the past
    month = await booking_month(session, at=at, now=rt.clock.now())
    case_no = envelope.case_no or payload.get("case_no")
    session.add(
        Fact(
            event_id=event_id,
            type=envelope.type,
            unit_id=unit_id,
            order_id=order_id,
            case_no=str(case_no) if case_no else None,
            occurred_at=at,
            month=month,
            attrs=attrs,
        )
    )
    for rule in rules:
        await book(
            session,
            rt,
            point=Point(
                unit_id=unit_id,
                month=month,
                points=rule.points,
                kind="event",
                rule_code=rule.code,
                rule_version=rule.version,
                source_key=f"event:{event_id}:{rule.code}",
                revision=0,
                event_id=event_id,
                event_type=envelope.type,
                order_id=order_id,
                case_no=str(case_no) if case_no else None,
                author_subject=SYSTEM.subject,
                author_role=SYSTEM.role,
                occurred_at=at,
            ),
        )
    return len(rules)


async def unit_score(session: AsyncSession, rt: Runtime, *, unit_id: str, month: str) -> Score:
    by_rule = (await repository.sums(session, month=month, unit_id=unit_id)).get(unit_id, {})
    caps = await repository.caps_at(session, at=min(rt.clock.now(), last_instant(month)))
    return score_of(unit_id, by_rule, caps, settings_of(rt).score_limit)


async def book(session: AsyncSession, rt: Runtime, *, point: Point) -> Point:
    point.booked_at = rt.clock.now()
    session.add(point)
    await session.flush()
    await _cross_lines(session, rt, point=point)
    return point


async def _cross_lines(session: AsyncSession, rt: Runtime, *, point: Point) -> None:
    """Record (once per line and month) and announce every line the unit's score now reaches."""
    settings = settings_of(rt)
    score = await unit_score(session, rt, unit_id=point.unit_id, month=point.month)
    done = {c.line for c in await repository.crossings_of(session, month=point.month, unit_id=point.unit_id)}
    now = rt.clock.now()
    name = await session.scalar(select(Unit.name).where(Unit.unit_id == point.unit_id))
    for line in reached(score.score, settings.lines):
        if line.code in done:
            continue
        crossing = Crossing(
            unit_id=point.unit_id,
            month=point.month,
            line=line.code,
            threshold=line.threshold,
            score=score.score,
            action=line.action.value,
            status="open" if line.action is Action.interview else "notified",
            point_id=point.id,
            crossed_at=now,
        )
        session.add(crossing)
        await session.flush()
        await rt.outbox.emit(
            session,
            type=LINE_CROSSED,
            case_no=None,
            payload={
                "crossing_id": crossing.id,
                "unit_id": point.unit_id,
                "unit_name": name,
                "month": point.month,
                "line": line.code,
                "line_name": line.name,
                "direction": "up" if line.positive else "down",
                "threshold": line.threshold,
                "score": score.score,
                "action": line.action.value,
                "point_id": point.id,
                "at": now.isoformat(),
            },
        )


async def _check_open(session: AsyncSession, month: str) -> None:
    if await repository.is_published(session, month):
        raise Conflict(f"{month} 的考评已审定发布，不能再更改；更正请记入当前月份。")


async def add_manual(
    session: AsyncSession, rt: Runtime, *, unit_id: str, month: str | None, points: int, reason: str, actor: Actor
) -> Point:
    now = rt.clock.now()
    if await session.get(Unit, unit_id) is None:
        raise ValidationFailed(
            f"没有编号为 {unit_id} 的承办单位。", errors=[field_error(["body", "unit_id"], "unknown unit")]
        )
    month = month or month_of(now)
    if month > month_of(now):
        raise ValidationFailed(
            "不能给尚未开始的月份记分。", errors=[field_error(["body", "month"], "month is in the future")]
        )
    await _check_open(session, month)
    return await book(
        session,
        rt,
        point=Point(
            unit_id=unit_id,
            month=month,
            points=points,
            kind="manual",
            source_key=f"manual:{uuid.uuid4()}",
            revision=0,
            reason=reason,
            author_subject=actor.subject,
            author_role=actor.role,
            occurred_at=now,
        ),
    )


async def reverse(session: AsyncSession, rt: Runtime, *, point_id: int, reason: str, actor: Actor) -> Point:
    original = await session.get(Point, point_id)
    if original is None:
        raise NotFound(f"没有编号为 {point_id} 的记分。")
    if original.kind == "reversal":
        raise Conflict("冲正记录不能再冲正；如需更正，请另行记分。")
    await _check_open(session, original.month)
    if await session.scalar(select(Point.id).where(Point.reverses_id == original.id)) is not None:
        raise Conflict(f"记分 {point_id} 已经冲正过。")
    return await _reversal(session, rt, original=original, reason=reason, actor=actor)


async def _reversal(session: AsyncSession, rt: Runtime, *, original: Point, reason: str, actor: Actor) -> Point:
    return await book(
        session,
        rt,
        point=Point(
            unit_id=original.unit_id,
            month=original.month,
            points=-original.points,
            kind="reversal",
            rule_code=original.rule_code,
            rule_version=original.rule_version,
            # One reversal per row, enforced by the unique source key.
            source_key=f"reversal:{original.id}",
            revision=0,
            reverses_id=original.id,
            event_id=original.event_id,
            event_type=original.event_type,
            order_id=original.order_id,
            case_no=original.case_no,
            reason=reason,
            author_subject=actor.subject,
            author_role=actor.role,
            occurred_at=rt.clock.now(),
        ),
    )


# -- re-scoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    unit_id: str
    source_key: str
    rule: Rule
    kind: str
    occurred_at: datetime
    event_id: str | None = None
    event_type: str | None = None
    order_id: str | None = None
    case_no: str | None = None


@dataclass
class Reconciled:
    checked: int = 0
    added: int = 0
    reversed: int = 0


async def _reconcile(
    session: AsyncSession, rt: Runtime, *, month: str, kind: str, expected: list[Expected], reason: str
) -> Reconciled:
    """Bring the month's rows of one kind to the expected ones by appending rows only."""
    rows = [p for p in await repository.points_of(session, month=month) if p.kind == kind]
    reversed_ids = {p.reverses_id for p in await repository.points_of(session, month=month) if p.kind == "reversal"}
    latest: dict[tuple[str, str], Point] = {}
    for p in rows:
        key = (p.unit_id, p.source_key)
        if key not in latest or p.revision > latest[key].revision:
            latest[key] = p
    result = Reconciled(checked=len(expected))
    wanted = {(e.unit_id, e.source_key): e for e in expected}
    for key, row in latest.items():
        e = wanted.get(key)
        stale = e is None or (row.points, row.rule_code, row.rule_version) != (
            e.rule.points,
            e.rule.code,
            e.rule.version,
        )
        if stale and row.id not in reversed_ids:
            await _reversal(session, rt, original=row, reason=reason, actor=SYSTEM)
            result.reversed += 1
    for key, e in wanted.items():
        current = latest.get(key)
        if current is not None and (current.points, current.rule_code, current.rule_version) == (
            e.rule.points,
            e.rule.code,
            e.rule.version,
        ):
            continue  # in place (a supervisor's reversal of it stands)
        await book(
            session,
            rt,
            point=Point(
                unit_id=e.unit_id,
                month=month,
                points=e.rule.points,
                kind=kind,
                rule_code=e.rule.code,
                rule_version=e.rule.version,
                source_key=e.source_key,
                revision=(current.revision + 1) if current is not None else 0,
                event_id=e.event_id,
                event_type=e.event_type,
                order_id=e.order_id,
                case_no=e.case_no,
                reason=reason if current is not None else None,
                author_subject=SYSTEM.subject,
                author_role=SYSTEM.role,
                occurred_at=e.occurred_at,
            ),
        )
        result.added += 1
    return result


async def recompute(session: AsyncSession, rt: Runtime, *, month: str) -> Reconciled:
    """Re-score the month's stored facts with the rules in force at each fact's time; rows that
    differ are corrected by reversing rows. On an intact ledger this adds nothing."""
    await _check_open(session, month)
    facts = list(await session.scalars(select(Fact).where(Fact.month == month).order_by(Fact.occurred_at)))
    expected: list[Expected] = []
    for fact in facts:
        for rule in await repository.rules_for_type(session, event_type=fact.type, at=fact.occurred_at):
            if matches(rule.match, fact.attrs):
                expected.append(
                    Expected(
                        unit_id=fact.unit_id,
                        source_key=f"event:{fact.event_id}:{rule.code}",
                        rule=rule,
                        kind="event",
                        occurred_at=fact.occurred_at,
                        event_id=fact.event_id,
                        event_type=fact.type,
                        order_id=fact.order_id,
                        case_no=fact.case_no,
                    )
                )
    return await _reconcile(session, rt, month=month, kind="event", expected=expected, reason="重新计算更正")


async def apply_period_rules(session: AsyncSession, rt: Runtime, *, month: str) -> Reconciled:
    """Month rules (当月零超期) once the month has ended, from supervision's month figures."""
    if not has_ended(month, rt.clock.now()):
        return Reconciled()
    at = last_instant(month)
    rules = await repository.rules_for_type(session, event_type="period.no_overdue", at=at)
    figures: dict[str, dict[str, tuple[int, int]]] = {}
    for row in await session.scalars(
        select(UnitMonth).where(UnitMonth.month == month, UnitMonth.metric.in_(("sign", "contact", "reply")))
    ):
        figures.setdefault(row.unit_id, {})[row.metric] = (row.total, row.hits)
    clean = sorted(
        unit
        for unit, metrics in figures.items()
        if metrics.get("reply", (0, 0))[0] > 0 and all(total == hits for total, hits in metrics.values())
    )
    expected = [
        Expected(unit_id=unit, source_key=f"period:{month}:{rule.code}", rule=rule, kind="period", occurred_at=at)
        for rule in rules
        for unit in clean
    ]
    return await _reconcile(session, rt, month=month, kind="period", expected=expected, reason="月度规则重新核定")


def point_view(point: Point, rule_names: dict[str, str]) -> dict[str, Any]:
    return {
        "point_id": point.id,
        "unit_id": point.unit_id,
        "month": point.month,
        "points": point.points,
        "kind": point.kind,
        "rule_code": point.rule_code,
        "rule_name": rule_names.get(point.rule_code or ""),
        "rule_version": point.rule_version,
        "event_id": point.event_id,
        "event_type": point.event_type,
        "order_id": point.order_id,
        "case_no": point.case_no,
        "reverses_id": point.reverses_id,
        "reason": point.reason,
        "author": point.author_subject,
        "occurred_at": point.occurred_at,
        "booked_at": point.booked_at,
    }
