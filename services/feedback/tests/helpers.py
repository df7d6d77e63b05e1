"""Drive the feedback service the way production does: envelopes through real Valkey streams."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from feedback.consumers.handlers import STREAMS, make_handlers
from feedback.models_base import events
from feedback.notifications.models import Notification
from feedback.outbox import CONSUMER_GROUP
from hotline_shared.clock import Clock
from hotline_shared.events import EventConsumer, EventEnvelope, stream_for
from hotline_shared.worker import standard_consumer
from sqlalchemy import select


class Bus:
    def __init__(self, app: FastAPI, clock: Clock) -> None:
        self.app = app
        self.redis = app.state.redis
        self.consumer: EventConsumer = standard_consumer(
            settings=app.state.settings,
            db=app.state.db,
            redis=app.state.redis,
            clock=clock,
            tables=events,
            group=CONSUMER_GROUP,
            streams=STREAMS,
            handlers=make_handlers(policy=app.state.policy, clock=clock),
        )

    async def publish(self, *envelopes: EventEnvelope) -> None:
        for e in envelopes:
            fields: Any = {"event_id": str(e.event_id), "type": e.type, "body": e.to_json()}
            await self.redis.xadd(stream_for(e.producer), fields)

    async def drain(self) -> int:
        total = 0
        while n := await self.consumer.process_once(block_ms=None):
            total += n
        return total

    async def deliver(self, *envelopes: EventEnvelope) -> None:
        await self.publish(*envelopes)
        await self.drain()

    async def emitted(self, type: str | None = None) -> list[EventEnvelope]:
        """What the feedback service wrote to its outbox, oldest first."""
        async with self.app.state.db.transaction() as session:
            rows = (await session.execute(select(events.outbox.c.body).order_by(events.outbox.c.id))).scalars().all()
        out = [EventEnvelope.from_json(r) for r in rows]
        return [e for e in out if type is None or e.type == type]

    async def notifications(self) -> list[Notification]:
        async with self.app.state.db.transaction() as session:
            return list((await session.scalars(select(Notification).order_by(Notification.id))).all())
