"""The dispatch worker: publishes the outbox, consumes intake and feedback, recomputes deadlines."""

from __future__ import annotations

from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.events import EventConsumer
from hotline_shared.settings import ServiceSettings
from hotline_shared.worker import Periodic, WorkerBuilder, WorkerParts, standard_consumer, standard_relay
from redis.asyncio import Redis

from .config import DispatchSettings
from .consumers import handlers
from .evaluation import consumers as evaluation
from .models_base import events
from .outbox import CONSUMED_STREAMS, CONSUMER_GROUP, PRODUCER
from .runtime import Runtime, make_runtime
from .supervision import jobs as supervision
from .supervision.hooks import order_changed as supervise_order
from .workcalendar import recompute

RECOMPUTE_EVERY_S = 2.0


def make_consumer(settings: ServiceSettings, db: Database, redis: Redis, clock: Clock, rt: Runtime) -> EventConsumer:
    return standard_consumer(
        settings=settings,
        db=db,
        redis=redis,
        clock=clock,
        tables=events,
        group=CONSUMER_GROUP,
        streams=list(CONSUMED_STREAMS),
        handlers=handlers(rt),
    )


def build(settings: ServiceSettings) -> WorkerBuilder:
    assert isinstance(settings, DispatchSettings)

    def _build(db: Database, redis: Redis, clock: Clock) -> WorkerParts:
        rt = make_runtime(settings, clock, observers=[supervise_order])
        relay = standard_relay(settings=settings, db=db, redis=redis, clock=clock, tables=events, producer=PRODUCER)
        consumer = make_consumer(settings, db, redis, clock, rt)

        async def recompute_deadlines() -> int:
            return await recompute.run_pending(db, rt)

        periodic: list[Periodic] = [
            ("calendar_recompute", RECOMPUTE_EVERY_S, recompute_deadlines),
            supervision.periodic(db, rt),
        ]
        consumers = [consumer, supervision.ratings_consumer(db, redis, rt), evaluation.consumer(db, redis, rt)]
        return relay, consumers, periodic

    return _build
