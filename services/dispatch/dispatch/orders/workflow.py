"""The unit's workflow as an explicit state machine.

    dispatched ──sign──▶ signed ──contact──▶ contacted ──reply──▶ awaiting_callback ──close──▶ closed
        │                  │  ▲                 │  ▲                    │
      return            pause│resume         pause│resume            reopen (重办) ──▶ reopened ──contact──▶ …
        ▼                  ▼  │                 ▼  │                    │
     returned             paused              paused              escalate ──▶ escalated

Co-units (协办) reply from signed/contacted/reopened straight to ``replied``; an info-only order
(表扬 forwarded for information) is closed when the unit signs for it. Any open order may be
withdrawn (re-dispatch, or the lead's reply ends the co-units' part) or closed with the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hotline_shared.errors import Conflict

from .models import WorkOrder


class Status(StrEnum):
    dispatched = "dispatched"
    signed = "signed"
    contacted = "contacted"
    reopened = "reopened"
    paused = "paused"
    awaiting_callback = "awaiting_callback"
    replied = "replied"
    returned = "returned"
    withdrawn = "withdrawn"
    escalated = "escalated"
    closed = "closed"


class Action(StrEnum):
    # the unit's own actions
    sign = "sign"
    return_ = "return"
    contact = "contact"
    request_extension = "request_extension"
    request_pause = "request_pause"
    resume = "resume"
    reply = "reply"
    # supervisor / system actions
    pause = "pause"
    reopen = "reopen"
    escalate = "escalate"
    withdraw = "withdraw"
    close = "close"


class Role(StrEnum):
    lead = "lead"
    co = "co"


OPEN = frozenset({Status.dispatched, Status.signed, Status.contacted, Status.reopened, Status.paused})
HANDLING = frozenset({Status.signed, Status.contacted, Status.reopened})
TERMINAL = frozenset({Status.returned, Status.withdrawn, Status.escalated, Status.closed})
UNIT_ACTIONS = (
    Action.sign,
    Action.return_,
    Action.contact,
    Action.request_extension,
    Action.request_pause,
    Action.resume,
    Action.reply,
)


@dataclass(frozen=True)
class OrderState:
    """The facts a transition depends on."""

    status: Status
    role: Role
    info_only: bool
    designated: bool
    paused_from: Status | None
    return_due_at: datetime | None

    @classmethod
    def of(cls, order: WorkOrder) -> OrderState:
        return cls(
            status=Status(order.status),
            role=Role(order.role),
            info_only=order.info_only,
            designated=order.designated,
            paused_from=Status(order.paused_from) if order.paused_from else None,
            return_due_at=order.return_due_at,
        )


class IllegalTransition(Conflict):
    """409 that tells the client where the order stands and what it may do instead."""

    def __init__(self, state: OrderState, action: Action, *, now: datetime, why: str | None = None) -> None:
        allowed = [a.value for a in allowed_actions(state, now=now)]
        detail = why or f"An order in state '{state.status.value}' cannot take the action '{action.value}'."
        if allowed:
            detail += " Allowed now: " + ", ".join(allowed) + "."
        else:
            detail += " No action is open to the unit in this state."
        super().__init__(detail, extra={"current_state": state.status.value, "allowed_actions": allowed})


def _target(state: OrderState, action: Action, now: datetime) -> Status | str:
    """The next status, or a reason (str) why the action is not allowed."""
    s = state.status
    if state.info_only:
        if action is Action.sign and s is Status.dispatched:
            return Status.closed
        if action in (Action.withdraw, Action.close) and s in OPEN:
            return Status.closed if action is Action.close else Status.withdrawn
        return "This order was forwarded for information only; it can only be signed for (read)."
    match action:
        case Action.sign:
            return Status.signed if s is Status.dispatched else "Only a newly dispatched order can be signed for."
        case Action.return_:
            if s is not Status.dispatched:
                return "An order can only be returned instead of being signed for."
            if state.designated:
                return "This order was designated (指定) by the centre and can no longer be returned."
            if state.return_due_at is not None and now > state.return_due_at:
                return f"The return window closed at {state.return_due_at.isoformat()}."
            return Status.returned
        case Action.contact:
            return (
                Status.contacted if s in (Status.signed, Status.reopened) else "Contact follows signing for the order."
            )
        case Action.request_extension | Action.request_pause:
            # A request leaves the status as it is; the supervisor's decision acts on the order.
            return s if s in HANDLING else "Only an order being handled (signed, contacted, reopened) qualifies."
        case Action.pause:
            return Status.paused if s in HANDLING else "Only an order being handled can be paused."
        case Action.resume:
            if s is not Status.paused or state.paused_from is None:
                return "Only a paused order can be resumed."
            return state.paused_from
        case Action.reply:
            if state.role is Role.co:
                return Status.replied if s in HANDLING else "A co-unit replies after signing for its order."
            if s is Status.contacted:
                return Status.awaiting_callback
            return "The lead unit replies after first contact with the citizen (先行联系)."
        case Action.reopen | Action.escalate:
            if s is Status.awaiting_callback and state.role is Role.lead:
                return Status.reopened if action is Action.reopen else Status.escalated
            return "Only a lead order awaiting callback can be re-handled."
        case Action.withdraw:
            return Status.withdrawn if s in OPEN else "Only an open order can be withdrawn."
        case Action.close:
            if s in OPEN or s in (Status.awaiting_callback, Status.replied):
                return Status.closed
            return "The order is already finished."
    return f"Unknown action {action.value}."


def allowed_actions(state: OrderState, *, now: datetime) -> list[Action]:
    """The unit's actions that the state machine allows right now (for UIs and 409 answers)."""
    return [a for a in UNIT_ACTIONS if isinstance(_target(state, a, now), Status)]


def next_status(state: OrderState, action: Action, *, now: datetime) -> Status:
    target = _target(state, action, now)
    if isinstance(target, Status):
        return target
    raise IllegalTransition(state, action, now=now, why=f"Cannot {action.value}: {target}")


def effective_status(order: WorkOrder) -> Status:
    """The status the order had before a pause (deadline bookkeeping ignores the pause itself)."""
    if order.status == Status.paused and order.paused_from:
        return Status(order.paused_from)
    return Status(order.status)
