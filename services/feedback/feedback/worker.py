"""The feedback worker: publishes the outbox, consumes intake and dispatch, delivers notices."""

from __future__ import annotations

from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.settings import ServiceSettings
from hotline_shared.worker import WorkerBuilder, WorkerParts, standard_consumer, standard_relay
from redis.asyncio import Redis

from .config import FeedbackSettings
from .consumers.handlers import STREAMS, make_handlers
from .models_base import events
from .notifications.notifier import make_notifier
from .notifications.service import deliver_pending
from .outbox import CONSUMER_GROUP, PRODUCER
from .policy import make_policy


def build(settings: ServiceSettings) -> WorkerBuilder:
    assert isinstance(settings, FeedbackSettings)
    feedback_settings = settings

    def _build(db: Database, redis: Redis, clock: Clock) -> WorkerParts:
        policy = make_policy(feedback_settings)
        relay = standard_relay(settings=settings, db=db, redis=redis, clock=clock, tables=events, producer=PRODUCER)
        consumer = standard_consumer(
            settings=settings,
            db=db,
            redis=redis,
            clock=clock,
            tables=events,
            group=CONSUMER_GROUP,
            streams=STREAMS,
            handlers=make_handlers(policy=policy, clock=clock),
        )
        notifier = make_notifier(feedback_settings)

        async def deliver() -> int:
            return await deliver_pending(db, notifier=notifier, settings=feedback_settings, clock=clock)

        return relay, [consumer], [("notifications", feedback_settings.notification_interval_s, deliver)]

    return _build
