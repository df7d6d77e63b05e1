"""Consumers: effects exactly once, shared work in a group, reclaim, retries and dead letters."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter

from hotline_shared.clock import ManualClock
from hotline_shared.db import Database
from hotline_shared.events import EventConsumer, EventEnvelope, Handler, dlq_stream, list_dead_letters
from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from . import busapp

DLQ = dlq_stream(busapp.GROUP)


async def _publish(db: Database, redis: Redis, clock: ManualClock, seqs: range) -> list[str]:
    ids = await busapp.write_events(db, busapp.make_outbox(clock), seqs)
    await busapp.make_relay(db, redis, clock).drain()
    return ids


async def test_each_event_is_applied_once_in_stream_order(db: Database, redis: Redis, clock: ManualClock) -> None:
    await _publish(db, redis, clock, range(30))
    consumer = busapp.make_consumer(db, redis, clock, batch=7)
    await consumer.ensure_groups()

    while await consumer.process_once():
        pass

    assert await busapp.received_seqs(db) == list(range(30))
    assert await busapp.pending_count(redis) == 0
    assert await busapp.inbox_count(db) == 30


async def test_republished_events_change_nothing(db: Database, redis: Redis, clock: ManualClock) -> None:
    await _publish(db, redis, clock, range(40))
    consumer = busapp.make_consumer(db, redis, clock)
    await consumer.ensure_groups()
    await busapp.consume_until(consumer, db, 40)

    # Every row published a second time: what a relay that died before marking would do.
    async with db.transaction() as session:
        await session.execute(update(busapp.events.outbox).values(published_at=None))
    await busapp.make_relay(db, redis, clock).drain()
    assert await redis.xlen(busapp.STREAM) == 80
    while await consumer.process_once():
        pass

    assert await busapp.received_seqs(db) == list(range(40))
    assert await busapp.pending_count(redis) == 0


async def test_two_consumers_in_a_group_share_the_work_and_apply_each_event_once(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    handled: Counter[str] = Counter()

    def counting(name: str) -> Handler:
        async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
            handled[name] += 1
            await busapp.record(session, envelope)
            await asyncio.sleep(0.001)  # let the other consumer get a turn

        return handle

    consumers = [
        busapp.make_consumer(db, redis, clock, handler=counting(name), batch=5, block_ms=50, name=name)
        for name in ("c1", "c2")
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    try:
        await busapp.eventually(lambda: _groups_exist(redis), what="consumer group")
        for start in range(0, 200, 20):
            await _publish(db, redis, clock, range(start, start + 20))
        await busapp.eventually(lambda: _received(db, 200), what="200 events in the read model")
    finally:
        stop.set()
        await asyncio.gather(*tasks)

    assert sorted(await busapp.received_seqs(db)) == list(range(200))
    assert handled["c1"] > 0
    assert handled["c2"] > 0
    assert await busapp.pending_count(redis) == 0


async def _groups_exist(redis: Redis) -> bool:
    return bool(await redis.exists(busapp.STREAM)) and bool(await redis.xinfo_groups(busapp.STREAM))


async def _received(db: Database, n: int) -> bool:
    return len(await busapp.received_seqs(db)) >= n


async def test_messages_of_a_dead_consumer_are_reclaimed_after_min_idle(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    await _publish(db, redis, clock, range(10))
    consumer = busapp.make_consumer(db, redis, clock, min_idle_ms=300)
    await consumer.ensure_groups()
    # A consumer that read everything and then died.
    await redis.xreadgroup(busapp.GROUP, "dead-consumer", {busapp.STREAM: ">"}, count=100)

    assert await consumer.process_once() == 0
    assert await consumer.reclaim_once() == 0  # too recent: its owner may still be working on it
    assert await busapp.received_seqs(db) == []

    await asyncio.sleep(0.35)
    assert await consumer.reclaim_once() == 10

    assert await busapp.received_seqs(db) == list(range(10))
    assert await busapp.pending_count(redis) == 0


async def test_poison_event_goes_to_the_dead_letter_stream_after_max_deliveries(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    ids = await _publish(db, redis, clock, range(10))
    attempts: Counter[int] = Counter()

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        seq = int(envelope.payload["seq"])
        attempts[seq] += 1
        if seq == 3:
            raise ValueError("topic code 9.9.9 is not in the catalogue")
        await busapp.record(session, envelope)

    consumer = busapp.make_consumer(db, redis, clock, handler=handle, min_idle_ms=20, max_deliveries=3)
    await consumer.ensure_groups()

    async def parked() -> bool:
        await consumer.process_once()
        await consumer.reclaim_once()
        return await redis.xlen(DLQ) > 0 and await busapp.pending_count(redis) == 0

    await busapp.eventually(parked, what="the poison event to be dead-lettered")

    assert attempts[3] == 3
    assert await busapp.received_seqs(db) == [s for s in range(10) if s != 3]
    [letter] = await list_dead_letters(redis, busapp.GROUP)
    assert letter.event_id == ids[3]
    assert "ValueError: topic code 9.9.9 is not in the catalogue" in letter.error
    assert letter.deliveries == 3
    assert letter.source_stream == busapp.STREAM
    assert json.loads(letter.original["body"])["payload"] == {"seq": 3}
    # Nothing more happens to it: it is parked, not retried.
    await asyncio.sleep(0.05)
    assert await consumer.reclaim_once() == 0
    assert attempts[3] == 3


async def test_handler_that_fails_then_succeeds_is_retried_and_applied_once(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    await _publish(db, redis, clock, range(5))
    failures_left = {2: 2}

    async def flaky(session: AsyncSession, envelope: EventEnvelope) -> None:
        await busapp.record(session, envelope)  # rolled back when we raise below
        seq = int(envelope.payload["seq"])
        if failures_left.get(seq):
            failures_left[seq] -= 1
            raise RuntimeError("the unit directory is being reloaded")

    consumer = busapp.make_consumer(db, redis, clock, handler=flaky, min_idle_ms=20, max_deliveries=5)
    await consumer.ensure_groups()

    await busapp.consume_until(consumer, db, 5)

    assert sorted(await busapp.received_seqs(db)) == list(range(5))
    assert await redis.xlen(DLQ) == 0


async def test_database_outage_does_not_dead_letter(db: Database, redis: Redis, clock: ManualClock) -> None:
    await _publish(db, redis, clock, range(3))
    outage = {"left": 6}

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        if outage["left"]:
            outage["left"] -= 1
            raise OperationalError("INSERT INTO received", {}, sqlite3.OperationalError("unable to open database"))
        await busapp.record(session, envelope)

    # Six unavailable attempts against a limit of two: outage retries must not count.
    consumer = busapp.make_consumer(db, redis, clock, handler=handle, min_idle_ms=20, max_deliveries=2)
    await consumer.ensure_groups()

    await busapp.consume_until(consumer, db, 3)

    assert sorted(await busapp.received_seqs(db)) == [0, 1, 2]
    assert await redis.xlen(DLQ) == 0


async def test_event_that_keeps_killing_its_consumer_is_dead_lettered_without_running_it(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    ids = await _publish(db, redis, clock, range(1))
    called = []

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        called.append(envelope.event_id)

    consumer = busapp.make_consumer(db, redis, clock, handler=handle, min_idle_ms=20, max_deliveries=3)
    await consumer.ensure_groups()
    # Three deliveries, each of which ended with its consumer dead before it could ack or fail.
    [[_, [(msg_id, _)]]] = await redis.xreadgroup(busapp.GROUP, "crashed-1", {busapp.STREAM: ">"})
    await redis.xclaim(busapp.STREAM, busapp.GROUP, "crashed-3", 0, [msg_id], retrycount=3, justid=True)
    await asyncio.sleep(0.03)

    assert await consumer.reclaim_once() == 1

    assert called == []
    [letter] = await list_dead_letters(redis, busapp.GROUP)
    assert letter.event_id == ids[0]
    assert "without being acknowledged" in letter.error
    assert letter.deliveries == 3
    assert await busapp.pending_count(redis) == 0


async def test_unreadable_entries_are_dead_lettered_at_once_and_do_not_block(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    consumer = busapp.make_consumer(db, redis, clock)
    await consumer.ensure_groups()
    await redis.xadd(busapp.STREAM, {"event_id": "e-1", "type": "case.received", "body": "{not json"})
    await redis.xadd(busapp.STREAM, {"something": "else"})
    await _publish(db, redis, clock, range(1))

    assert await consumer.process_once() == 3

    assert await busapp.received_seqs(db) == [0]
    letters = await list_dead_letters(redis, busapp.GROUP)
    assert [letter.original for letter in letters] == [
        {"event_id": "e-1", "type": "case.received", "body": "{not json"},
        {"something": "else"},
    ]
    assert all(letter.error.startswith("unreadable event") for letter in letters)
    assert await busapp.pending_count(redis) == 0


async def test_dead_letters_are_never_trimmed(db: Database, redis: Redis, clock: ManualClock) -> None:
    consumer = busapp.make_consumer(db, redis, clock, maxlen=100, batch=500)
    await consumer.ensure_groups()
    pipe = redis.pipeline(transaction=False)
    for n in range(300):
        pipe.xadd(busapp.STREAM, {"event_id": f"e-{n}", "body": "{}"})
    await pipe.execute()

    assert await consumer.process_once() == 300

    assert await redis.xlen(DLQ) == 300  # every one still waits for an operator


async def test_a_slow_consumer_and_the_one_that_reclaimed_its_event_apply_it_once(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    # Still working, transaction open, when the group gives the message to someone else.
    await _slow_consumer_and_rescuer(db, redis, clock, linger_s=0.0, rescuer_max_deliveries=5)

    assert await busapp.received_seqs(db) == [0]
    assert await busapp.inbox_count(db) == 1
    assert await busapp.pending_count(redis) == 0
    assert await redis.xlen(DLQ) == 0


async def _slow_consumer_and_rescuer(
    db: Database, redis: Redis, clock: ManualClock, *, linger_s: float, rescuer_max_deliveries: int
) -> None:
    """One event: "slowpoke" records it and holds its transaction open until "rescuer" has
    reclaimed it (plus `linger_s`), so both handle the same event at once."""
    await _publish(db, redis, clock, range(1))

    async def slow(session: AsyncSession, envelope: EventEnvelope) -> None:
        await busapp.record(session, envelope)
        await busapp.eventually(lambda: _owned_by(redis, "rescuer"), timeout=10, what="the rescuer's claim")
        await asyncio.sleep(linger_s)

    slowpoke = busapp.make_consumer(db, redis, clock, handler=slow, name="slowpoke")
    rescuer = busapp.make_consumer(
        db, redis, clock, min_idle_ms=50, max_deliveries=rescuer_max_deliveries, name="rescuer"
    )
    await slowpoke.ensure_groups()

    slow_task = asyncio.create_task(slowpoke.process_once())
    await busapp.eventually(lambda: _reclaimed_one(rescuer), what="the rescuer to reclaim the event")
    await slow_task


async def _owned_by(redis: Redis, name: str) -> bool:
    pending = await redis.xpending_range(busapp.STREAM, busapp.GROUP, min="-", max="+", count=1)
    return bool(pending) and pending[0]["consumer"].decode() == name


async def _reclaimed_one(consumer: EventConsumer) -> bool:
    return await consumer.reclaim_once() == 1


async def test_group_is_recreated_after_redis_lost_its_data(db: Database, redis: Redis, clock: ManualClock) -> None:
    consumer = busapp.make_consumer(db, redis, clock)
    await consumer.ensure_groups()
    await _publish(db, redis, clock, range(5))
    await busapp.consume_until(consumer, db, 5)

    await redis.flushall()  # a Redis restarted without persistence: streams, groups, lease gone
    await _publish(db, redis, clock, range(5, 10))

    assert await consumer.reclaim_once() == 0
    await busapp.consume_until(consumer, db, 10)

    assert await busapp.received_seqs(db) == list(range(10))


async def test_long_gone_consumers_with_nothing_pending_leave_the_group(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    await _publish(db, redis, clock, range(1))
    consumer = busapp.make_consumer(db, redis, clock, prune_idle_ms=100, name="current")
    await consumer.ensure_groups()
    # Two processes from earlier deploys: one left a message unacked, one left nothing.
    await redis.xreadgroup(busapp.GROUP, "old-with-pending", {busapp.STREAM: ">"})
    await redis.xgroup_createconsumer(busapp.STREAM, busapp.GROUP, "old-idle")
    await asyncio.sleep(0.15)

    await consumer.reclaim_once()

    names = {c["name"].decode() for c in await redis.xinfo_consumers(busapp.STREAM, busapp.GROUP)}
    assert names == {"old-with-pending", "current"}


async def test_two_consumers_racing_on_one_event_apply_it_once_without_a_failure(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    # The slow one has inserted its inbox row and keeps its transaction open while the rescuer,
    # which reclaimed the event, checks the inbox (sees nothing yet) and inserts the same key.
    # Check-then-insert turns that into an integrity error: a handler failure, and with a low
    # delivery limit a dead letter an operator must chase for an event that was applied fine.
    # Lingering after the claim, the rescuer is inside its own inbox insert when the slow one commits.
    await _slow_consumer_and_rescuer(db, redis, clock, linger_s=0.5, rescuer_max_deliveries=2)

    assert await busapp.received_seqs(db) == [0]
    assert await busapp.inbox_count(db) == 1
    assert await redis.xlen(DLQ) == 0, "an event applied once was dead-lettered by the consumer that lost the race"
    assert await busapp.pending_count(redis) == 0
