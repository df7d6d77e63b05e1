"""What the dispatch worker runs for supervision: the periodic sweep and the ratings consumer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hotline_shared.db import Database
from hotline_shared.events import EventConsumer
from hotline_shared.worker import Periodic, standard_consumer
from redis.asyncio import Redis

from ..models_base import events
from ..runtime import Runtime
from . import consumers, timers


def periodic(db: Database, rt: Runtime) -> Periodic:
    settings = rt.settings.supervision

    def job() -> Awaitable[timers.SweepResult]:
        return timers.sweep(db, rt, batch=settings.sweep_batch)

    run: Callable[[], Awaitable[object]] = job
    return ("supervision-sweep", settings.sweep_interval_s, run)


def ratings_consumer(db: Database, redis: Redis, rt: Runtime) -> EventConsumer:
    return standard_consumer(
        settings=rt.settings,
        db=db,
        redis=redis,
        clock=rt.clock,
        tables=events,
        group=consumers.GROUP,
        streams=consumers.STREAMS,
        handlers=consumers.HANDLERS,
    )
