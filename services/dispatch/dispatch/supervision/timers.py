"""The deadline engine: durable timers stored as instants, fired once, by whichever replica gets there.

Each supervised order carries up to five timers (sign-for due, first-contact due, reply due,
yellow at 75 % of the reply window, 挂牌督办 five working days after the reply deadline) and
`next_timer_at`, the earliest unfired one. A sweep is one indexed range scan on `next_timer_at`
(partial index: only orders with a pending timer), so its cost follows the number of due timers,
not the size of the history.

Firing exactly once:
- the rows a sweep works on are locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL: a second engine
  takes other rows or none; on SQLite every write transaction is BEGIN IMMEDIATE, so engines take
  turns and the second sees the timers already fired);
- a timer's `*_fired` flag is set in the same transaction as the events it emits (outbox), and the
  row's version column refuses a write based on a stale read;
- the flag is only cleared when the timer's instant moves into the future (an extension, a new
  handling round), so a restarted or late engine fires what it missed, once.
Paused orders have no `next_timer_at` and fire nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from hotline_shared.db import Database
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..actors import SYSTEM
from ..orders.models import WorkOrder
from ..runtime import Runtime
from . import events, urges
from .lights import Light, UrgeLevel, has_passed
from .models import SupervisedOrder

log = structlog.get_logger("supervision.timers")

DEADLINE_KINDS = ("sign", "contact", "reply")
TIMER_COLUMNS = {
    "sign": "sign_due_at",
    "contact": "contact_due_at",
    "reply": "reply_due_at",
    "warn": "warn_at",
    "listed": "listed_at",
}
# Same-instant timers fire in this order (a deadline before the level-2 urge that follows it).
_KIND_ORDER = {"warn": 0, "sign": 1, "contact": 2, "reply": 3, "listed": 4}


def moment(row: SupervisedOrder, kind: str) -> datetime | None:
    value: datetime | None = getattr(row, TIMER_COLUMNS[kind])
    return value


def fired(row: SupervisedOrder, kind: str) -> bool:
    return bool(getattr(row, f"{kind}_fired"))


def pending(row: SupervisedOrder) -> list[tuple[datetime, str]]:
    """Unfired timers in firing order; none while paused or once nothing is open."""
    if row.paused or not has_open_deadline(row):
        return []
    out = [(m, k) for k in TIMER_COLUMNS if (m := moment(row, k)) is not None and not fired(row, k)]
    return sorted(out, key=lambda pair: (pair[0], _KIND_ORDER[pair[1]]))


def has_open_deadline(row: SupervisedOrder) -> bool:
    return any(moment(row, k) is not None for k in DEADLINE_KINDS)


def next_timer(row: SupervisedOrder) -> datetime | None:
    timers = pending(row)
    return timers[0][0] if timers else None


def current_light(row: SupervisedOrder) -> tuple[Light, str | None]:
    """Red while an open deadline has fired, yellow once the reply warning fired, else green."""
    late = [(m, k) for k in DEADLINE_KINDS if (m := moment(row, k)) is not None and fired(row, k)]
    if late:
        return Light.red, min(late, key=lambda pair: (pair[0], _KIND_ORDER[pair[1]]))[1]
    if row.reply_due_at is not None and row.warn_fired:
        return Light.yellow, "reply"
    return Light.green, None


async def set_light(
    session: AsyncSession, rt: Runtime, *, row: SupervisedOrder, order: WorkOrder, at: datetime
) -> Light | None:
    """Store and announce the light if it changed; returns the previous light when it did."""
    light, kind = current_light(row)
    previous = Light(row.light)
    if light is previous:
        row.light_kind = kind if light is not Light.green else None
        return None
    row.light, row.light_kind = light.value, kind
    extra = {
        "light": light.value,
        "previous": previous.value,
        "deadline_kind": kind,
        "due_at": moment(row, kind) if kind else None,
        "round": row.round,
    }
    await events.emit(session, rt, order=order, type=events.LIGHT_CHANGED, at=at, extra=extra)
    events.on_timeline(session, order=order, type=events.LIGHT_CHANGED, at=at, actor=SYSTEM, extra=extra)
    return previous


async def advance(session: AsyncSession, rt: Runtime, *, row: SupervisedOrder, order: WorkOrder, now: datetime) -> int:
    """Fire every timer of ``row`` whose instant has passed, oldest first; returns how many fired.

    The caller holds the row (locked, or inside SQLite's single writer transaction).
    """
    count = 0
    for at, kind in pending(row):
        if not has_passed(at, now):
            break
        setattr(row, f"{kind}_fired", True)
        count += 1
        previous = await set_light(session, rt, row=row, order=order, at=at)
        light = Light(row.light)
        if previous is not None and light.rank > previous.rank:
            # 催办 when a light turns yellow, 督办 when it turns red.
            level = UrgeLevel.remind if light is Light.yellow else UrgeLevel.supervise
            await urges.issue(
                session,
                rt,
                row=row,
                order=order,
                level=level,
                actor=SYSTEM,
                auto=True,
                deadline_kind=row.light_kind,
                due_at=moment(row, row.light_kind) if row.light_kind else None,
            )
        if kind == "listed":
            await urges.issue(
                session,
                rt,
                row=row,
                order=order,
                level=UrgeLevel.listed,
                actor=SYSTEM,
                auto=True,
                deadline_kind="reply",
                due_at=row.reply_due_at,
            )
    row.next_timer_at = next_timer(row)
    return count


@dataclass(frozen=True)
class SweepResult:
    orders: int
    timers: int
    notices: int


def due_query(*, now: datetime, batch: int) -> Select[SupervisedOrder]:
    """Orders with a timer due before ``now``, the oldest first: a range on the partial index
    `ix_supervision_orders_next_timer` (the comparison implies its `IS NOT NULL`)."""
    s = SupervisedOrder
    return select(s).where(s.next_timer_at < now).order_by(s.next_timer_at).limit(batch)


async def sweep(db: Database, rt: Runtime, *, batch: int = 200, now: datetime | None = None) -> SweepResult:
    """Fire every due timer and deliver due notices; safe to run on any number of replicas."""
    from . import hooks  # the ledger sync lives with the hook; imported late to keep modules acyclic

    now = now or rt.clock.now()
    orders = timers = notices = 0
    while True:
        async with db.transaction() as session:
            rows = (
                await session.scalars(
                    due_query(now=now, batch=batch)
                    .with_for_update(skip_locked=True)
                    .execution_options(populate_existing=True)
                )
            ).all()
            for row in rows:
                order = await session.get(WorkOrder, row.order_id)
                if order is None:
                    row.next_timer_at = None  # the order is gone; nothing left to supervise
                    continue
                fired_now = await advance(session, rt, row=row, order=order, now=now)
                row.updated_at = now
                await hooks.sync_outcomes(session, order=order, row=row)
                orders += 1
                timers += fired_now
        if len(rows) < batch:
            break
    while True:
        async with db.transaction() as session:
            delivered = await urges.deliver_queued(session, rt, now=now, batch=batch)
        notices += delivered
        if delivered < batch:
            break
    if orders or notices:
        log.info("supervision_sweep", orders=orders, timers=timers, notices=notices)
    return SweepResult(orders=orders, timers=timers, notices=notices)
