"""Stream handlers: every intake and dispatch event about a case lands on its timeline.

The EventConsumer owns the transaction and the inbox; a handler only records the event, refolds
the case and queues the notices the event owes.
"""

from __future__ import annotations

from collections.abc import Mapping

from hotline_shared.clock import Clock
from hotline_shared.events import EventEnvelope, Handler
from hotline_shared.events.streams import stream_for
from sqlalchemy.ext.asyncio import AsyncSession

from ..cases import service as cases
from ..notifications import service as notifications
from ..photos import service as photos
from ..policy import FeedbackPolicy

STREAMS = [stream_for("intake"), stream_for("dispatch")]

CASE_EVENTS = (
    "case.received",
    "case.duplicated",
    "case.closed_at_intake",
    "order.dispatched",
    "order.needs_manual_dispatch",
    "order.signed",
    "order.returned",
    "order.contacted",
    "order.extension_requested",
    "order.extension_decided",
    "order.paused",
    "order.resumed",
    "order.replied",
    "order.light_changed",
    "order.urged",
    "order.reopened",
)


def make_handlers(*, policy: FeedbackPolicy, clock: Clock) -> Mapping[str, Handler]:
    async def on_case_event(session: AsyncSession, envelope: EventEnvelope) -> None:
        state = await cases.record_event(session, envelope=envelope, policy=policy, clock=clock)
        if envelope.type == "order.replied" and envelope.payload.get("photos"):
            await photos.record_attached(session, envelope=envelope)
        if state is not None:
            await notifications.enqueue_for_event(session, envelope=envelope, clock=clock)

    async def on_photos(session: AsyncSession, envelope: EventEnvelope) -> None:
        await photos.record_attached(session, envelope=envelope)

    async def on_publication(session: AsyncSession, envelope: EventEnvelope) -> None:
        await photos.record_publication(session, envelope=envelope)

    handlers: dict[str, Handler] = dict.fromkeys(CASE_EVENTS, on_case_event)
    handlers |= {"case.photos_attached": on_photos, "case.photo_publication_changed": on_publication}
    return handlers
