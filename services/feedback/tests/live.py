"""The real feedback app served by uvicorn on a loopback port, for HTTP clients and browsers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from feedback.config import MIGRATIONS_DIR, FeedbackSettings
from feedback.consumers.handlers import STREAMS, make_handlers
from feedback.main import create_app
from feedback.models_base import events
from feedback.outbox import CONSUMER_GROUP
from feedback.policy import make_policy
from hotline_shared.clock import Clock
from hotline_shared.db import Database
from hotline_shared.events import EventEnvelope, stream_for
from hotline_shared.testing import DatabaseFactory
from hotline_shared.testing.apps import served
from hotline_shared.testing.identity import TEST_SECRET
from hotline_shared.worker import standard_consumer
from redis.asyncio import Redis


@dataclass
class LiveServer:
    app: FastAPI
    url: str
    settings: FeedbackSettings


def live_settings(database_factory: DatabaseFactory, redis_url: str) -> FeedbackSettings:
    return FeedbackSettings(
        env="test",
        database_url=database_factory.new("feedback", MIGRATIONS_DIR),
        redis_url=redis_url,
        identity_secret=TEST_SECRET,
    )


async def _seed(settings: FeedbackSettings, clock: Clock, envelopes: Sequence[EventEnvelope]) -> None:
    db = Database(settings.database_url)
    redis = Redis.from_url(settings.redis_url)
    try:
        consumer = standard_consumer(
            settings=settings,
            db=db,
            redis=redis,
            clock=clock,
            tables=events,
            group=CONSUMER_GROUP,
            streams=STREAMS,
            handlers=make_handlers(policy=make_policy(settings), clock=clock),
        )
        await consumer.ensure_groups()
        for e in envelopes:
            await redis.xadd(stream_for(e.producer), {"event_id": str(e.event_id), "type": e.type, "body": e.to_json()})
        while await consumer.process_once(block_ms=None):
            pass
    finally:
        await redis.aclose()
        await db.dispose()


def seed(settings: FeedbackSettings, clock: Clock, envelopes: Sequence[EventEnvelope]) -> None:
    """Feed envelopes through a real consumer (run outside any event loop)."""
    asyncio.run(_seed(settings, clock, envelopes))


@contextmanager
def serve(settings: FeedbackSettings, clock: Clock) -> Iterator[LiveServer]:
    app = create_app(settings, clock=clock)
    with served(app, name="feedback") as url:
        yield LiveServer(app=app, url=url, settings=settings)
