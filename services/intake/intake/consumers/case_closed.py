"""Feedback's `case.closed` ends a case's life in intake: it stops being a duplicate target."""

from __future__ import annotations

from datetime import datetime

from hotline_shared.clock import to_shanghai
from hotline_shared.events import EventEnvelope
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import repository
from ..cases.models import TimelineEntry
from ..cases.schemas import CaseStatus


async def handle_case_closed(session: AsyncSession, envelope: EventEnvelope) -> None:
    case_no = envelope.case_no or envelope.payload.get("case_no")
    if not isinstance(case_no, str):
        raise ValueError("case.closed without a case_no")
    case = await repository.get(session, case_no)
    if case is None:
        # Not ours (another intake database, e.g. a test stack); nothing to close.
        return
    raw = envelope.payload.get("closed_at")
    closed_at = to_shanghai(datetime.fromisoformat(raw)) if isinstance(raw, str) else envelope.occurred_at
    outcome = str(envelope.payload.get("outcome") or "closed")
    if case.status == CaseStatus.received.value:
        case.status = CaseStatus.closed.value
    if case.closed_at is None:
        case.closed_at = closed_at
        case.closed_by = envelope.producer
    await repository.add_timeline(
        session,
        TimelineEntry(
            case_no=case_no,
            at=closed_at,
            kind="closed",
            actor_subject=envelope.producer,
            actor_role="system",
            note=f"outcome={outcome}",
        ),
    )
