"""Write events in the same transaction as the business change."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from .envelope import EventEnvelope
from .streams import stream_for
from .tables import EventTables


class Outbox:
    def __init__(self, *, tables: EventTables, producer: str, clock: Clock) -> None:
        self.tables = tables
        self.producer = producer
        self.stream = stream_for(producer)
        self.clock = clock

    async def emit(
        self,
        session: AsyncSession,
        *,
        type: str,
        case_no: str | None,
        payload: dict[str, Any],
        version: int = 1,
        correlation_id: str | None = None,
    ) -> EventEnvelope:
        if correlation_id is None:
            correlation_id = structlog.contextvars.get_contextvars().get("request_id")
        envelope = EventEnvelope(
            type=type,
            version=version,
            occurred_at=self.clock.now(),
            producer=self.producer,
            case_no=case_no,
            correlation_id=correlation_id,
            payload=payload,
        )
        await session.execute(
            insert(self.tables.outbox).values(
                event_id=str(envelope.event_id),
                stream=self.stream,
                type=type,
                case_no=case_no,
                body=envelope.to_json(),
                created_at=envelope.occurred_at,
            )
        )
        return envelope
