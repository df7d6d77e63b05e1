"""A tiny test-only service on the real bus: an outbox that producers write, and a read model.

The read model table `received` deliberately has no unique key on event_id: a duplicate effect
must show up as a second row, not be hidden by a constraint.
Used in-process by the tests and by `child.py`, which runs a relay or consumer in a subprocess
so that tests can kill it for real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from hotline_shared.clock import SHANGHAI, ManualClock
from hotline_shared.db import Database, make_metadata
from hotline_shared.events import EventConsumer, EventEnvelope, Handler, Outbox, OutboxRelay, event_tables
from hotline_shared.events.faults import FaultHook
from redis.asyncio import Redis
from sqlalchemy import Column, Integer, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

PRODUCER = "bustest"
STREAM = f"hotline:events:{PRODUCER}"
GROUP = "readmodel"
EVENT_TYPE = "case.received"

metadata = make_metadata()
events = event_tables(metadata)
received = Table(
    "received",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("case_no", String(40), nullable=True),
    Column("seq", Integer, nullable=False),
)


def make_clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI))


async def create_schema(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def record(session: AsyncSession, envelope: EventEnvelope) -> None:
    await session.execute(
        insert(received).values(
            event_id=str(envelope.event_id), case_no=envelope.case_no, seq=int(envelope.payload["seq"])
        )
    )


def make_outbox(clock: ManualClock) -> Outbox:
    return Outbox(tables=events, producer=PRODUCER, clock=clock)


def make_relay(db: Database, redis: Redis, clock: ManualClock, **options: Any) -> OutboxRelay:
    options.setdefault("maxlen", 100_000)
    return OutboxRelay(db=db, redis=redis, tables=events, producer=PRODUCER, clock=clock, **options)


def make_consumer(
    db: Database,
    redis: Redis,
    clock: ManualClock,
    *,
    handler: Handler = record,
    fault_hook: FaultHook | None = None,
    **options: Any,
) -> EventConsumer:
    options.setdefault("maxlen", 100_000)
    options.setdefault("min_idle_ms", 30_000)
    return EventConsumer(
        db=db,
        redis=redis,
        tables=events,
        group=GROUP,
        streams=[STREAM],
        handlers={EVENT_TYPE: handler},
        clock=clock,
        fault_hook=fault_hook,
        **options,
    )


async def write_events(
    db: Database, outbox: Outbox, seqs: Iterable[int], *, per_tx: int = 1, cases: int = 5
) -> list[str]:
    """Commit one event per seq, `per_tx` to a transaction; returns event ids in commit order."""
    ids: list[str] = []
    batch: list[int] = []

    async def commit(chunk: list[int]) -> None:
        async with db.transaction() as session:
            for seq in chunk:
                envelope = await outbox.emit(
                    session, type=EVENT_TYPE, case_no=f"20261123-{seq % cases:06d}", payload={"seq": seq}
                )
                ids.append(str(envelope.event_id))

    for seq in seqs:
        batch.append(seq)
        if len(batch) == per_tx:
            await commit(batch)
            batch = []
    if batch:
        await commit(batch)
    return ids


async def received_seqs(db: Database) -> list[int]:
    """The read model, in the order effects were committed."""
    async with db.transaction() as session:
        return list((await session.scalars(select(received.c.seq).order_by(received.c.id))).all())


async def inbox_count(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(events.inbox)) or 0)


async def unpublished(db: Database) -> int:
    outbox = events.outbox
    async with db.transaction() as session:
        return int(
            await session.scalar(select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))) or 0
        )


async def stream_event_ids(redis: Redis, stream: str = STREAM) -> list[str]:
    """Event ids in stream order, duplicates included."""
    return [fields[b"event_id"].decode() for _, fields in await redis.xrange(stream)]


def first_occurrences(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


async def pending_count(redis: Redis) -> int:
    summary: Any = await redis.xpending(STREAM, GROUP)
    return int(summary["pending"])


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, every: float = 0.05, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


async def consume_until(consumer: EventConsumer, db: Database, expected: int, *, timeout: float = 20.0) -> None:
    """Drive a consumer (new messages and reclaims) until the read model holds `expected` rows."""

    async def done() -> bool:
        await consumer.process_once()
        await consumer.reclaim_once()
        return len(await received_seqs(db)) >= expected and await pending_count(consumer.redis) == 0

    await eventually(done, timeout=timeout, what=f"{expected} events in the read model")
