"""Deadlines derived from an order's recipe: start + policy limit, then the adjustments replayed.

Adjustments are appended as they happen and replayed in order:
  {"kind": "extension", "working_days": n, "extension_id": id}  – the reply deadline moves n working days
  {"kind": "pause", "from": iso, "to": iso, "pause_id": id}      – every open deadline moves by the paused
                                                                   time (working time for working limits,
                                                                   clock time for calendar-hour limits)
Recomputing from the recipe (rather than nudging stored values) is what lets a newly loaded holiday
notice or a typhoon-day override correct open deadlines exactly.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hotline_shared.calendar import Deadline, DeadlineUnit, WorkingCalendar, compute_deadline

from .models import WorkOrder
from .workflow import Role, Status, effective_status

KIND_COLUMNS = {
    "sign": "sign_due_at",
    "contact": "contact_due_at",
    "reply": "reply_due_at",
    "return_window": "return_due_at",
}


def open_kinds(order: WorkOrder) -> list[str]:
    """The deadlines the unit has still to meet (met ones are history and never move)."""
    if order.info_only:
        return []
    status = effective_status(order)
    kinds: list[str] = []
    if status is Status.dispatched:
        kinds.append("sign")
        if not order.designated:
            kinds.append("return_window")
    if order.role == Role.lead and status in (Status.dispatched, Status.signed, Status.reopened):
        kinds.append("contact")
    if status in (Status.dispatched, Status.signed, Status.contacted, Status.reopened):
        kinds.append("reply")
    return kinds


def _limit(policy: dict[str, Any], kind: str) -> tuple[float, DeadlineUnit]:
    limit = policy[kind]
    return float(limit["amount"]), DeadlineUnit(limit["unit"])


def compute(calendar: WorkingCalendar, order: WorkOrder, kind: str) -> Deadline:
    amount, unit = _limit(order.policy, kind)
    first = compute_deadline(calendar, order.clock_started_at, amount, unit)
    due, provisional = first.due_at, first.provisional
    for adj in order.adjustments:
        if adj["kind"] == "extension" and kind == "reply":
            moved = calendar.add_working_days(due, int(adj["working_days"]))
        elif adj["kind"] == "pause":
            start, end = datetime.fromisoformat(adj["from"]), datetime.fromisoformat(adj["to"])
            if unit is DeadlineUnit.CALENDAR_HOURS:
                moved = calendar.add_calendar_hours(due, max(end - start, timedelta(0)) / timedelta(hours=1))
            else:
                moved = calendar.shift_by_working_time(due, calendar.working_time_between(start, end))
        else:
            continue
        due, provisional = moved.due_at, provisional or moved.provisional
    return Deadline(due, provisional)


def refresh(calendar: WorkingCalendar, order: WorkOrder) -> bool:
    """Recompute the open deadlines in place; True when any stored instant changed."""
    changed = False
    provisional = False
    for kind in open_kinds(order):
        deadline = compute(calendar, order, kind)
        column = KIND_COLUMNS[kind]
        if getattr(order, column) != deadline.due_at:
            setattr(order, column, deadline.due_at)
            changed = True
        provisional = provisional or deadline.provisional
    if order.provisional != provisional:
        order.provisional = provisional
        changed = True
    return changed


def deadline_fields(order: WorkOrder) -> dict[str, Any]:
    return {
        "sign_due_at": order.sign_due_at,
        "contact_due_at": order.contact_due_at,
        "reply_due_at": order.reply_due_at,
        "provisional": order.provisional,
    }
