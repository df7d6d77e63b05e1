"""Scoring events: dispatch's own order events (after its relay published them) and feedback's
ratings, in a consumer group of their own so scoring retries never hold up handling."""

from __future__ import annotations

from hotline_shared.db import Database
from hotline_shared.events import EventConsumer, EventEnvelope, Handler, stream_for
from hotline_shared.worker import standard_consumer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from ..models_base import events
from ..outbox import PRODUCER
from ..runtime import Runtime
from . import ledger
from .rules import EVENT_TYPES, PERIOD_TYPES

GROUP = "dispatch-evaluation"
STREAMS = [stream_for(PRODUCER), stream_for("feedback")]


def handlers(rt: Runtime) -> dict[str, Handler]:
    async def score(session: AsyncSession, envelope: EventEnvelope) -> None:
        await ledger.take_event(session, rt, envelope=envelope)

    return {t: score for t in EVENT_TYPES if t not in PERIOD_TYPES}


def consumer(db: Database, redis: Redis, rt: Runtime) -> EventConsumer:
    return standard_consumer(
        settings=rt.settings,
        db=db,
        redis=redis,
        clock=rt.clock,
        tables=events,
        group=GROUP,
        streams=STREAMS,
        handlers=handlers(rt),
    )
