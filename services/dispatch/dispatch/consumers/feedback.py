"""Events from feedback: callback ratings (re-handling) and case closure."""

from __future__ import annotations

import structlog
from hotline_shared.events import EventEnvelope, Handler
from sqlalchemy.ext.asyncio import AsyncSession

from ..orders import service as orders
from ..runtime import Runtime

log = structlog.get_logger("consumers.feedback")


def handlers(rt: Runtime) -> dict[str, Handler]:
    async def case_rated(session: AsyncSession, envelope: EventEnvelope) -> None:
        payload = envelope.payload
        if payload.get("satisfaction") != "unsatisfied" or not payload.get("unit_at_fault"):
            return
        order_id = payload.get("order_id")
        if not isinstance(order_id, str) or not order_id:
            log.warning("rating_without_order", case_no=envelope.case_no)
            return
        seq = payload.get("reply_seq")
        await orders.rehandle(
            session, rt, order_id=order_id, reply_seq=seq if isinstance(seq, int) else None, rating=payload
        )

    async def case_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
        case_no = envelope.payload.get("case_no") or envelope.case_no
        if not case_no:
            log.warning("close_without_case_no", event_id=str(envelope.event_id))
            return
        outcome = envelope.payload.get("outcome")
        await orders.close_case(session, rt, case_no=str(case_no), outcome=str(outcome) if outcome else None)

    return {"case.rated": case_rated, "case.closed": case_closed}
