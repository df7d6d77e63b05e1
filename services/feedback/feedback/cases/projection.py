"""Fold a case's timeline into its current state.

The read model is rebuilt from the whole timeline on every change instead of being patched
event by event: events from intake and dispatch arrive on separate streams, may be redelivered
and may overtake each other, and a fold over the entries sorted by business time ends in the same
state whatever order they were stored in. A case has a few dozen entries at most, so this is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

from hotline_shared.clock import to_shanghai

# Tie-break for entries with the same timestamp: the order a case's life normally runs in.
_RANK = {
    "case.received": 0,
    "case.duplicated": 0,
    "case.closed_at_intake": 0,
    "order.needs_manual_dispatch": 1,
    "order.dispatched": 2,
    "order.returned": 3,
    "order.signed": 4,
    "order.contacted": 5,
    "order.extension_requested": 6,
    "order.extension_decided": 7,
    "order.paused": 8,
    "order.resumed": 9,
    "order.light_changed": 10,
    "order.urged": 10,
    "order.replied": 11,
    "callback.unreachable": 12,
    "case.rated": 13,
    "order.reopened": 14,
    "case.closed": 15,
}

INTAKE_TYPES = frozenset({"case.received", "case.duplicated", "case.closed_at_intake"})
OPEN_ORDER_STATUSES = frozenset({"dispatched", "signed", "in_progress", "paused", "rehandling"})

CallbackDue = Callable[[datetime, str | None], datetime]


class Entry(Protocol):
    id: int
    type: str
    at: datetime
    order_at: datetime
    payload: dict[str, Any]


def sort_key(entry: Entry) -> tuple[datetime, int, int]:
    return (to_shanghai(entry.order_at), _RANK.get(entry.type, 10), entry.id or 0)


def _dt(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return to_shanghai(value)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    # A time without offset is ambiguous; the contract says times carry one, so drop it.
    return to_shanghai(parsed) if parsed.tzinfo is not None else None


@dataclass
class CaseState:
    case_no: str
    known: bool = False
    lookup_code: str | None = None
    status: str = "pending"
    channel: str | None = None
    category: str | None = None
    topic_code: str | None = None
    topic_name: str | None = None
    urgency: str | None = None
    title: str | None = None
    description: str | None = None
    district_code: str | None = None
    district_name: str | None = None
    street_code: str | None = None
    street_name: str | None = None
    community_code: str | None = None
    community_name: str | None = None
    address: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    confidential: bool = False
    station_id: str | None = None
    received_at: datetime | None = None
    duplicate_of: str | None = None
    demand_count: int = 1
    order_id: str | None = None
    unit_id: str | None = None
    unit_name: str | None = None
    units_involved: str = ""
    dispatch_count: int = 0
    sign_due_at: datetime | None = None
    contact_due_at: datetime | None = None
    reply_due_at: datetime | None = None
    light: str | None = None
    extension_count: int = 0
    reply_seq: int = 0
    reply_result: str | None = None
    reply_solved: bool | None = None
    reply_on_time: bool | None = None
    replied_at: datetime | None = None
    rehandle_count: int = 0
    callback_due_at: datetime | None = None
    callback_attempts: int = 0
    rated_seq: int = 0
    satisfaction: str | None = None
    rating_solved: bool | None = None
    rating_source: str | None = None
    rated_at: datetime | None = None
    direct_resolution: bool = False
    outcome: str | None = None
    closed_at: datetime | None = None
    _status_before_pause: str | None = field(default=None, repr=False)

    def columns(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    @property
    def awaiting_callback(self) -> bool:
        return self.status == "replied" and self.reply_seq > self.rated_seq


def _s(value: Any, limit: int) -> str | None:
    """Upstream text cut to the column's size: a long name must not make the event unstorable."""
    if value is None:
        return None
    return str(value)[:limit]


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _apply_case_view(state: CaseState, p: dict[str, Any]) -> None:
    location = p.get("location") or {}
    caller = p.get("caller") or {}
    registered_by = p.get("registered_by") or {}
    state.known = True
    state.lookup_code = _s(p.get("lookup_code"), 12)
    state.channel = _s(p.get("channel"), 20)
    state.category = _s(p.get("category"), 20)
    state.topic_code = _s(p.get("topic_code"), 40)
    state.topic_name = _s(p.get("topic_name"), 200)
    state.urgency = _s(p.get("urgency"), 20)
    state.title = _s(p.get("title"), 200)
    state.description = _s(p.get("description"), 20000)
    state.district_code = _s(location.get("district_code"), 20)
    state.district_name = _s(location.get("district_name"), 100)
    state.street_code = _s(location.get("street_code"), 20)
    state.street_name = _s(location.get("street_name"), 100)
    state.community_code = _s(location.get("community_code"), 20)
    state.community_name = _s(location.get("community_name"), 100)
    state.address = _s(location.get("address"), 200)
    state.caller_name = _s(caller.get("name"), 60)
    state.caller_phone = _s(caller.get("phone"), 30)
    state.confidential = bool(p.get("confidential") or caller.get("confidential"))
    state.station_id = _s(registered_by.get("station_id"), 40)
    state.received_at = _dt(p.get("received_at"))
    state.demand_count = _int(p.get("demand_count"), 1)


def _is_current_lead(state: CaseState, p: dict[str, Any]) -> bool:
    if p.get("role", "lead") != "lead":
        return False
    order_id = p.get("order_id")
    return state.order_id is None or order_id is None or order_id == state.order_id


def _add_unit(state: CaseState, unit_id: str | None) -> None:
    if not unit_id:
        return
    units = [u for u in state.units_involved.split(",") if u]
    if unit_id not in units:
        units.append(unit_id)
    state.units_involved = ",".join(units)


def _apply_intake(state: CaseState, kind: str, p: dict[str, Any], at: datetime) -> None:
    _apply_case_view(state, p)
    if kind == "case.closed_at_intake":
        state.status = "closed"
        state.direct_resolution = True
        state.outcome = "direct"
        state.reply_result = p.get("answer")
        state.reply_solved = True
        state.closed_at = _dt(p.get("closed_at")) or at
        return
    # An order event may be dated before the intake event (clock skew): intake only decides the
    # status while nothing later has.
    if state.status == "pending":
        state.status = "duplicate" if kind == "case.duplicated" else "received"
    if kind == "case.duplicated":
        state.duplicate_of = p.get("duplicate_of")


def _apply_dispatched(state: CaseState, p: dict[str, Any]) -> None:
    _add_unit(state, p.get("unit_id"))
    if p.get("role", "lead") != "lead" or state.closed:
        return
    state.order_id = _s(p.get("order_id"), 40)
    state.unit_id = _s(p.get("unit_id"), 40)
    state.unit_name = _s(p.get("unit_name"), 200)
    state.dispatch_count += 1
    state.sign_due_at = _dt(p.get("sign_due_at"))
    state.contact_due_at = _dt(p.get("contact_due_at"))
    state.reply_due_at = _dt(p.get("reply_due_at"))
    state.light = "green"
    state.status = "forwarded" if p.get("info_only") else "dispatched"


def _apply_order(state: CaseState, kind: str, p: dict[str, Any], at: datetime, due: CallbackDue) -> None:
    if kind == "order.dispatched":
        _apply_dispatched(state, p)
        return
    if kind == "order.needs_manual_dispatch":
        if not state.closed:
            state.status = "awaiting_dispatch"
        return
    if not _is_current_lead(state, p) or state.closed:
        return
    if kind == "order.returned":
        state.status = "awaiting_dispatch"
    elif kind == "order.signed":
        if state.status == "dispatched":
            state.status = "signed"
    elif kind == "order.contacted":
        if state.status in ("dispatched", "signed", "rehandling"):
            state.status = "in_progress"
    elif kind == "order.paused":
        if state.status in OPEN_ORDER_STATUSES - {"paused"}:
            state._status_before_pause = state.status
            state.status = "paused"
    elif kind == "order.resumed":
        if state.status == "paused":
            state.status = state._status_before_pause or "signed"
        for name in ("sign_due_at", "contact_due_at", "reply_due_at"):
            if p.get(name):
                setattr(state, name, _dt(p[name]))
    elif kind == "order.extension_decided":
        if p.get("approved"):
            state.extension_count += 1
            state.reply_due_at = _dt(p.get("reply_due_at")) or state.reply_due_at
    elif kind == "order.light_changed":
        state.light = _s(p.get("light"), 10)
    elif kind == "order.replied":
        state.reply_seq += 1
        state.reply_result = p.get("result")
        state.reply_solved = p.get("solved")
        state.reply_on_time = p.get("on_time")
        state.replied_at = at
        state.status = "replied"
        state.callback_due_at = due(at, state.category)
        state.callback_attempts = 0
        # A rating belongs to one reply: after a re-handling the earlier verdict no longer stands.
        state.satisfaction = state.rating_solved = state.rating_source = state.rated_at = None
    elif kind == "order.reopened":
        state.rehandle_count = _int(p.get("rehandle_count"), state.rehandle_count + 1)
        state.reply_due_at = _dt(p.get("reply_due_at")) or state.reply_due_at
        state.status = "rehandling"
        state.callback_due_at = None
        state.light = "green"


def _apply_own(state: CaseState, kind: str, p: dict[str, Any], at: datetime) -> None:
    if kind == "callback.unreachable":
        if p.get("reply_seq") == state.reply_seq and state.awaiting_callback:
            state.callback_attempts += 1
    elif kind == "case.rated":
        if p.get("reply_seq") != state.reply_seq or not state.awaiting_callback:
            return
        state.rated_seq = state.reply_seq
        state.satisfaction = p.get("satisfaction")
        state.rating_solved = p.get("solved")
        state.rating_source = p.get("source")
        state.rated_at = at
        state.callback_due_at = None
        if p.get("satisfaction") == "unsatisfied" and p.get("unit_at_fault"):
            state.status = "awaiting_rehandle"
    elif kind == "case.closed":
        state.status = "closed"
        state.outcome = p.get("outcome")
        state.closed_at = _dt(p.get("closed_at")) or at
        state.callback_due_at = None


def fold(case_no: str, entries: Iterable[Entry], *, callback_due: CallbackDue) -> CaseState:
    state = CaseState(case_no=case_no)
    for entry in sorted(entries, key=sort_key):
        at = to_shanghai(entry.at)
        payload = entry.payload or {}
        if entry.type in INTAKE_TYPES:
            _apply_intake(state, entry.type, payload, at)
        elif entry.type.startswith("order."):
            _apply_order(state, entry.type, payload, at, callback_due)
        else:
            _apply_own(state, entry.type, payload, at)
    return state
