"""The outbox relay: commit order, nothing from rolled-back work, capped streams, one leader."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
import redis as sync_redis
from hotline_shared.clock import ManualClock
from hotline_shared.db import Database
from hotline_shared.events import FaultHook
from redis.asyncio import Redis

from . import busapp


async def test_publishes_every_committed_event_once_in_commit_order(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    ids = await busapp.write_events(db, busapp.make_outbox(clock), range(120), per_tx=3)
    relay = busapp.make_relay(db, redis, clock, batch=50)

    assert await relay.drain() == 120
    assert await relay.drain() == 0

    assert await busapp.stream_event_ids(redis) == ids
    assert await busapp.unpublished(db) == 0


async def test_rolled_back_transaction_publishes_nothing(db: Database, redis: Redis, clock: ManualClock) -> None:
    outbox = busapp.make_outbox(clock)

    async def failed_change() -> None:
        async with db.transaction() as session:
            await outbox.emit(session, type=busapp.EVENT_TYPE, case_no="20261123-000001", payload={"seq": 1})
            raise RuntimeError("the business change failed validation")

    with pytest.raises(RuntimeError):
        await failed_change()
    kept = await busapp.write_events(db, outbox, [2])

    await busapp.make_relay(db, redis, clock).drain()

    assert await busapp.stream_event_ids(redis) == kept


async def test_stream_is_capped_at_about_maxlen(db: Database, redis: Redis, clock: ManualClock) -> None:
    ids = await busapp.write_events(db, busapp.make_outbox(clock), range(600), per_tx=50)
    relay = busapp.make_relay(db, redis, clock, batch=100, maxlen=100)

    assert await relay.drain() == 600

    # MAXLEN ~ trims whole radix-tree nodes (100 entries each), so "about" means < 2 x maxlen.
    length = await redis.xlen(busapp.STREAM)
    assert 100 <= length < 200
    assert (await busapp.stream_event_ids(redis))[-100:] == ids[-100:]


async def test_standby_relay_publishes_nothing_until_the_leader_stops(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    outbox = busapp.make_outbox(clock)
    batches: Counter[str] = Counter()

    def counting(name: str) -> FaultHook:
        def hook(point: str) -> None:
            if point == "relay.after_xadd":
                batches[name] += 1

        return hook

    relays = {
        name: busapp.make_relay(db, redis, clock, batch=10, poll_interval_s=0.01, fault_hook=counting(name))
        for name in ("a", "b")
    }
    stops = {name: asyncio.Event() for name in relays}
    tasks = {name: asyncio.create_task(relay.run(stops[name])) for name, relay in relays.items()}
    try:
        ids = []
        for seq in range(60):
            ids += await busapp.write_events(db, outbox, [seq])
            await asyncio.sleep(0.002)
        await busapp.eventually(lambda: _published(db), what="first 60 published")
        assert len(batches) == 1, f"both relays published: {batches}"
        [leader] = batches
        standby = "b" if leader == "a" else "a"

        stops[leader].set()
        await tasks[leader]  # a clean stop releases the lease
        ids += await busapp.write_events(db, outbox, range(60, 100))
        await busapp.eventually(lambda: _published(db), what="the standby to publish the rest")

        assert batches[standby] > 0
        # The lease means no event was ever published twice, and the order is commit order.
        assert await busapp.stream_event_ids(redis) == ids
    finally:
        for stop in stops.values():
            stop.set()
        await asyncio.gather(*tasks.values())


async def _published(db: Database) -> bool:
    return await busapp.unpublished(db) == 0


async def test_relay_that_lost_its_lease_mid_batch_publishes_nothing(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    ids = await busapp.write_events(db, busapp.make_outbox(clock), range(20))
    thief = sync_redis.Redis.from_url(redis_url)

    def stall_past_lease(point: str) -> None:
        # As if this relay paused (GC, a slow disk) after reading its batch, its lease expired
        # and another instance took over.
        if point == "relay.before_xadd":
            thief.set("hotline:relay-lock:bustest", "another-relay", px=60_000)

    stalled = busapp.make_relay(db, redis, clock, fault_hook=stall_past_lease)
    try:
        assert await stalled.publish_once() == 0
        assert await redis.xlen(busapp.STREAM) == 0
        assert await busapp.unpublished(db) == 20

        thief.delete("hotline:relay-lock:bustest")
        assert await busapp.make_relay(db, redis, clock).drain() == 20
        assert await busapp.stream_event_ids(redis) == ids
    finally:
        thief.close()
