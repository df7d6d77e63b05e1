"""Which outcomes an order has settled so far, derived from the order and its timer state.

Only the keys in `scope` are managed by a sync: earlier handling rounds are history and their
outcomes never change again, and ratings arrive separately (consumers.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..orders.models import WorkOrder
from ..orders.workflow import TERMINAL, Role, Status
from .metrics import Metric, Settled, deadline_outcome, month_of
from .models import SupervisedOrder

Key = tuple[str, int]  # (metric, seq)


@dataclass(frozen=True)
class Derived:
    scope: frozenset[Key]
    settled: dict[Key, Settled]


def _left_at(order: WorkOrder) -> datetime | None:
    """When the order left the unit without being finished normally (returned, withdrawn ...)."""
    if Status(order.status) not in TERMINAL:
        return None
    return order.returned_at or order.closed_at or order.updated_at


def _in_round(moment: datetime | None, order: WorkOrder) -> datetime | None:
    # After a re-handling the clock restarts; an act from an earlier round is not this round's.
    if moment is None or moment < order.clock_started_at:
        return None
    return moment


def _deadline(due: datetime | None, done: datetime | None, fired: bool, left: datetime | None) -> Settled | None:
    missed = fired or (done is None and due is not None and left is not None and left > due)
    return deadline_outcome(due=due, done_at=done, missed=missed)


def derive(order: WorkOrder, row: SupervisedOrder) -> Derived:
    if order.info_only:
        return Derived(frozenset(), {})
    lead = order.role == Role.lead
    rnd = order.rehandle_count
    left = _left_at(order)
    dispatched = month_of(order.dispatched_at)
    settled: dict[Key, Settled] = {
        (Metric.volume if lead else Metric.co_volume, 0): Settled(dispatched, True),
        (Metric.returned, 0): Settled(dispatched, order.status == Status.returned),
    }
    scope: set[Key] = {(Metric.volume if lead else Metric.co_volume, 0), (Metric.returned, 0), (Metric.sign, 0)}

    sign = _deadline(order.sign_due_at, order.signed_at, row.sign_fired, left)
    if sign is not None:
        settled[(Metric.sign, 0)] = sign

    scope.add((Metric.reply, rnd))
    replied = _in_round(order.replied_at, order)
    reply = _deadline(order.reply_due_at, replied, row.reply_fired, left)
    if reply is not None:
        settled[(Metric.reply, rnd)] = reply

    if lead:
        scope.add((Metric.contact, rnd))
        contact = _deadline(order.contact_due_at, _in_round(order.contacted_at, order), row.contact_fired, left)
        if contact is not None:
            settled[(Metric.contact, rnd)] = contact
        if replied is not None and order.reply_seq > 0:
            # Not (yet) sent back; a re-handling turns this into a hit (see ledger.mark_rehandled).
            scope.add((Metric.rehandle, order.reply_seq))
            settled[(Metric.rehandle, order.reply_seq)] = Settled(month_of(replied), False)
    return Derived(frozenset(scope), settled)
