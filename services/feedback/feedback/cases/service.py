"""Write side of the read model: append to a case's timeline, then refold its state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from hotline_shared.clock import Clock, to_shanghai
from hotline_shared.events import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from ..policy import FeedbackPolicy
from . import repository
from .models import CaseEvent, CaseRecord
from .projection import CaseState, fold


def _event_time(envelope: EventEnvelope) -> datetime:
    raw = envelope.payload.get("at")
    if isinstance(raw, str) and raw:
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            parsed = envelope.occurred_at
        if parsed.tzinfo is not None:
            return to_shanghai(parsed)
    return to_shanghai(envelope.occurred_at)


async def _rebuild(session: AsyncSession, record: CaseRecord, *, policy: FeedbackPolicy, clock: Clock) -> CaseState:
    entries = await repository.timeline(session, record.case_no)
    state = fold(record.case_no, entries, callback_due=policy.callback_due)
    for name, value in state.columns().items():
        setattr(record, name, value)
    record.updated_at = clock.now()
    await session.flush()
    return state


async def record_event(
    session: AsyncSession, *, envelope: EventEnvelope, policy: FeedbackPolicy, clock: Clock
) -> CaseState | None:
    """Apply an event from another service. None when it has no case or was already recorded."""
    case_no = envelope.case_no or envelope.payload.get("case_no")
    if not case_no or len(str(case_no)) > 40:
        return None
    record = await repository.lock_case(session, str(case_no))
    if await repository.event_exists(session, str(envelope.event_id)):
        return None
    at = _event_time(envelope)
    payload = envelope.payload
    await repository.add_event(
        session,
        CaseEvent(
            event_id=str(envelope.event_id),
            case_no=record.case_no,
            type=envelope.type,
            source=envelope.producer,
            at=at,
            order_at=at,
            recorded_at=clock.now(),
            order_id=_short(payload.get("order_id")),
            unit_id=_short(payload.get("unit_id")),
            actor=_short(payload.get("by") or (payload.get("registered_by") or {}).get("subject")),
            payload=payload,
        ),
    )
    return await _rebuild(session, record, policy=policy, clock=clock)


def _short(value: Any) -> str | None:
    return None if value is None else str(value)[:40]


async def load_for_update(session: AsyncSession, case_no: str) -> tuple[CaseRecord, CaseState] | None:
    """The case locked for a decision by this service (rating, callback), with its folded state."""
    existing = await repository.get(session, case_no)
    if existing is None or not existing.known:
        return None
    record = await repository.lock_case(session, case_no)
    return record, state_of(record)


def state_of(record: CaseRecord) -> CaseState:
    state = CaseState(case_no=record.case_no)
    for name in state.columns():
        setattr(state, name, getattr(record, name))
    return state


async def record_own(
    session: AsyncSession,
    *,
    record: CaseRecord,
    type: str,
    payload: dict[str, Any],
    actor: str | None,
    policy: FeedbackPolicy,
    clock: Clock,
    event_id: str | None = None,
) -> CaseState:
    """Append one of this service's own entries (a rating, a callback attempt, the closure)."""
    now = clock.now()
    latest = await repository.latest_order_at(session, record.case_no)
    order_at = max(now, to_shanghai(latest)) if latest is not None else now
    await repository.add_event(
        session,
        CaseEvent(
            event_id=event_id or str(uuid.uuid4()),
            case_no=record.case_no,
            type=type,
            source="feedback",
            at=now,
            order_at=order_at,
            recorded_at=now,
            order_id=_short(record.order_id),
            unit_id=_short(record.unit_id),
            actor=_short(actor),
            payload=payload,
        ),
    )
    return await _rebuild(session, record, policy=policy, clock=clock)
