"""Callbacks (回访) and ratings: the citizen's verdict on a reply, and what follows from it.

Satisfied or basically satisfied closes the case; unsatisfied because of the unit sends
`case.rated` to dispatch, which reopens the order (重办); three unanswered callbacks close the case
as unreachable, outside the satisfaction rate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline_shared.clock import Clock
from hotline_shared.errors import Conflict, NotFound, ValidationFailed, field_error
from hotline_shared.events import Outbox
from hotline_shared.pagination import decode_cursor, encode_cursor
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import service as cases
from ..cases.models import CaseRecord
from ..cases.projection import CaseState
from ..idempotency import service as idempotency
from ..policy import FeedbackPolicy
from . import repository
from .schemas import (
    CallbackCreate,
    CallbackItem,
    CallbackOutcome,
    CallbackPage,
    CallbackResult,
    Satisfaction,
)

CLOSING = {Satisfaction.satisfied: "satisfied", Satisfaction.basically_satisfied: "basically_satisfied"}


def _not_awaiting(state: CaseState) -> Conflict:
    if state.closed:
        return Conflict("该工单已办结，无需再评价或回访。 The case is already closed.")
    if state.reply_seq > 0 and state.rated_seq >= state.reply_seq:
        return Conflict("本次答复已评价过，每次答复只能评价一次。 This reply has already been rated.")
    return Conflict("承办单位尚未答复，暂不能评价或回访。 The unit has not replied yet; nothing to rate.")


async def _close(
    session: AsyncSession,
    *,
    record: CaseRecord,
    outcome: str,
    actor: str,
    outbox: Outbox,
    policy: FeedbackPolicy,
    clock: Clock,
) -> CaseState:
    payload = {"case_no": record.case_no, "outcome": outcome, "closed_at": clock.now().isoformat()}
    envelope = await outbox.emit(session, type="case.closed", case_no=record.case_no, payload=payload)
    return await cases.record_own(
        session,
        record=record,
        type="case.closed",
        payload=payload,
        actor=actor,
        policy=policy,
        clock=clock,
        event_id=str(envelope.event_id),
    )


async def _rate(
    session: AsyncSession,
    *,
    record: CaseRecord,
    state: CaseState,
    satisfaction: Satisfaction,
    solved: bool | None,
    comment: str | None,
    unit_at_fault: bool | None,
    source: str,
    actor: str,
    outbox: Outbox,
    policy: FeedbackPolicy,
    clock: Clock,
) -> CaseState:
    if not state.awaiting_callback:
        raise _not_awaiting(state)
    unsatisfied = satisfaction is Satisfaction.unsatisfied
    at_fault = unsatisfied and (True if unit_at_fault is None else unit_at_fault)
    payload = {
        "case_no": record.case_no,
        "order_id": record.order_id,
        "reply_seq": state.reply_seq,
        "satisfaction": satisfaction.value,
        "solved": solved if solved is not None else state.reply_solved,
        "comment": comment,
        "source": source,
        "unit_at_fault": at_fault,
    }
    envelope = await outbox.emit(session, type="case.rated", case_no=record.case_no, payload=payload)
    state = await cases.record_own(
        session,
        record=record,
        type="case.rated",
        payload=payload,
        actor=actor,
        policy=policy,
        clock=clock,
        event_id=str(envelope.event_id),
    )
    if not at_fault:
        # Unsatisfied but not the unit's doing (e.g. the demand has no legal basis): the case ends
        # here, counted as unsatisfied, instead of going back to a unit that cannot change it.
        outcome = CLOSING.get(satisfaction, "unsatisfied")
        state = await _close(
            session, record=record, outcome=outcome, actor=actor, outbox=outbox, policy=policy, clock=clock
        )
    return state


async def _locked(session: AsyncSession, case_no: str) -> tuple[CaseRecord, CaseState]:
    loaded = await cases.load_for_update(session, case_no)
    if loaded is None:
        raise NotFound(f"No case {case_no} is known to the feedback service.")
    return loaded


async def rate_by_citizen(
    session: AsyncSession,
    *,
    case_no: str,
    satisfaction: Satisfaction,
    solved: bool | None,
    comment: str | None,
    idempotency_key: str | None,
    outbox: Outbox,
    policy: FeedbackPolicy,
    clock: Clock,
) -> tuple[CaseState, bool]:
    """The citizen's rating through the public lookup. Returns the state and whether it replayed."""
    record, state = await _locked(session, case_no)
    body = {"satisfaction": satisfaction.value, "solved": solved, "comment": comment}
    scope = f"rating:{case_no}"
    body_hash = idempotency.request_hash(body)
    if await idempotency.replay(session, scope=scope, key=idempotency_key, body_hash=body_hash) is not None:
        return state, True
    state = await _rate(
        session,
        record=record,
        state=state,
        satisfaction=satisfaction,
        solved=solved,
        comment=comment,
        unit_at_fault=None,
        source="citizen",
        actor="citizen",
        outbox=outbox,
        policy=policy,
        clock=clock,
    )
    await idempotency.remember(
        session,
        scope=scope,
        key=idempotency_key,
        body_hash=body_hash,
        status_code=201,
        response={"reply_seq": state.rated_seq},
        clock=clock,
    )
    return state, False


async def record_callback(
    session: AsyncSession,
    *,
    case_no: str,
    data: CallbackCreate,
    operator: str,
    idempotency_key: str | None,
    outbox: Outbox,
    policy: FeedbackPolicy,
    clock: Clock,
) -> CallbackResult:
    record, state = await _locked(session, case_no)
    scope = f"callback:{case_no}"
    body_hash = idempotency.request_hash(data.model_dump(mode="json"))
    previous = await idempotency.replay(session, scope=scope, key=idempotency_key, body_hash=body_hash)
    if previous is not None:
        return CallbackResult.model_validate(previous)
    if not state.awaiting_callback:
        raise _not_awaiting(state)
    if data.outcome is CallbackOutcome.rated:
        assert data.satisfaction is not None
        state = await _rate(
            session,
            record=record,
            state=state,
            satisfaction=data.satisfaction,
            solved=data.solved,
            comment=data.comment,
            unit_at_fault=data.unit_at_fault,
            source="callback",
            actor=operator,
            outbox=outbox,
            policy=policy,
            clock=clock,
        )
    else:
        payload: dict[str, Any] = {
            "reply_seq": state.reply_seq,
            "attempt": state.callback_attempts + 1,
            "comment": data.comment,
        }
        state = await cases.record_own(
            session,
            record=record,
            type="callback.unreachable",
            payload=payload,
            actor=operator,
            policy=policy,
            clock=clock,
        )
        if state.callback_attempts >= policy.callback_max_attempts:
            state = await _close(
                session, record=record, outcome="unreachable", actor=operator, outbox=outbox, policy=policy, clock=clock
            )
    result = CallbackResult(
        case_no=case_no,
        outcome=data.outcome,
        status=state.status,
        reply_seq=state.reply_seq,
        attempts=state.callback_attempts,
        satisfaction=data.satisfaction if data.outcome is CallbackOutcome.rated else None,
        closed=state.closed,
        close_outcome=state.outcome if state.closed else None,
    )
    await idempotency.remember(
        session,
        scope=scope,
        key=idempotency_key,
        body_hash=body_hash,
        status_code=201,
        response=result.model_dump(mode="json"),
        clock=clock,
    )
    return result


async def list_callbacks(
    session: AsyncSession,
    *,
    now: datetime,
    overdue_only: bool,
    unit_id: str | None,
    limit: int,
    cursor: str | None,
) -> CallbackPage:
    after = None
    if cursor:
        values = decode_cursor(cursor, ("due", "case_no"))
        try:
            after = (datetime.fromisoformat(str(values["due"])), str(values["case_no"]))
        except ValueError as exc:
            raise ValidationFailed(
                "The cursor is not valid; use the next_cursor from the previous page or omit it.",
                errors=[field_error(["query", "cursor"], "not a cursor issued by this list")],
            ) from exc
    rows = await repository.pending(
        session, overdue_before=now if overdue_only else None, unit_id=unit_id, after=after, limit=limit + 1
    )
    items = [
        CallbackItem(
            case_no=r.case_no,
            order_id=r.order_id,
            unit_id=r.unit_id,
            unit_name=r.unit_name,
            category=r.category,
            topic_code=r.topic_code,
            topic_name=r.topic_name,
            reply_seq=r.reply_seq,
            reply_result=r.reply_result,
            reply_solved=r.reply_solved,
            replied_at=r.replied_at,
            due_at=r.callback_due_at,
            overdue=r.callback_due_at is not None and r.callback_due_at < now,
            attempts=r.callback_attempts,
            caller_name=r.caller_name,
            caller_phone=r.caller_phone,
            confidential=r.confidential,
        )
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit and items:
        last = items[-1]
        next_cursor = encode_cursor({"due": last.due_at.isoformat() if last.due_at else "", "case_no": last.case_no})
    return CallbackPage(items=items, next_cursor=next_cursor)
