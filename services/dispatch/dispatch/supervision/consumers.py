"""Ratings from feedback (`case.rated`) feed the solved and satisfaction rates.

Runs in its own consumer group ("dispatch-supervision") so its inbox and retries are independent
of dispatch's own handling of the same events (re-handling decisions).
"""

from __future__ import annotations

import structlog
from hotline_shared.events import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from ..orders.workflow import Role
from . import ledger
from .metrics import SATISFIED_VALUES, Metric, Settled, month_of
from .models import SupervisedOrder

GROUP = "dispatch-supervision"
STREAMS = ["hotline:events:feedback"]

log = structlog.get_logger("supervision.consumers")


async def on_case_rated(session: AsyncSession, envelope: EventEnvelope) -> None:
    """One rating per reply counts; a later rating of the same reply (the citizen after the
    callback, or the other way round) replaces the earlier one, in the month it was given."""
    payload = envelope.payload
    order_id = str(payload.get("order_id") or "")
    row = await session.get(SupervisedOrder, order_id) if order_id else None
    if row is None or row.role != Role.lead:
        log.info("rating_ignored", order_id=order_id or None, reason="unknown order or not a lead order")
        return
    seq = int(payload.get("reply_seq") or 0)
    month = month_of(envelope.occurred_at)
    satisfied = str(payload.get("satisfaction")) in SATISFIED_VALUES
    changes: dict[tuple[str, int], Settled | None] = {(Metric.satisfaction.value, seq): Settled(month, satisfied)}
    if payload.get("solved") is not None:
        changes[(Metric.solved.value, seq)] = Settled(month, bool(payload["solved"]))
    await ledger.apply(session, order_id=row.order_id, unit_id=row.unit_id, changes=changes)


HANDLERS = {"case.rated": on_case_rated}
