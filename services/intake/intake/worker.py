"""The intake worker: publishes the outbox, follows feedback's case closures, purges old keys."""

from __future__ import annotations

from datetime import timedelta

from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.events import stream_for
from hotline_shared.settings import ServiceSettings
from hotline_shared.worker import WorkerBuilder, WorkerParts, standard_consumer, standard_relay
from redis.asyncio import Redis

from .config import IntakeSettings
from .consumers.case_closed import handle_case_closed
from .idempotency import service as idempotency
from .models_base import events
from .outbox import PRODUCER

CONSUMER_GROUP = "intake"
HANDLERS = {"case.closed": handle_case_closed}


def build(settings: ServiceSettings) -> WorkerBuilder:
    ttl = timedelta(hours=settings.idempotency_ttl_hours if isinstance(settings, IntakeSettings) else 72)

    def _build(db: Database, redis: Redis, clock: Clock) -> WorkerParts:
        relay = standard_relay(settings=settings, db=db, redis=redis, clock=clock, tables=events, producer=PRODUCER)
        consumer = standard_consumer(
            settings=settings,
            db=db,
            redis=redis,
            clock=clock,
            tables=events,
            group=CONSUMER_GROUP,
            streams=[stream_for("feedback")],
            handlers=HANDLERS,
        )

        async def purge_idempotency_keys() -> int:
            async with db.transaction() as session:
                return await idempotency.purge_expired(session, now=clock.now(), ttl=ttl)

        return relay, [consumer], [("purge_idempotency_keys", 3600.0, purge_idempotency_keys)]

    return _build
