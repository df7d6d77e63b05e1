"""The issue's fault tests: real processes killed at the worst moment, and Redis killed mid-flight.

After each fault, every accepted event must be in the read model exactly once.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from hotline_shared.clock import ManualClock
from hotline_shared.db import Database
from hotline_shared.events import OutboxRelay
from hotline_shared.events.relay import recovery_key, relay_mark_key
from hotline_shared.testing import ValkeyProcess
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from . import busapp

CHILD = Path(__file__).with_name("child.py")
KILLED = 17  # child.py's exit status when a fault point fired


async def run_child(*args: str, timeout: float = 60.0) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode in (0, KILLED), stderr.decode()[-2000:]
    return proc.returncode


def assert_exactly_once(seqs: list[int], expected: int) -> None:
    counts = Counter(seqs)
    assert sorted(counts) == list(range(expected)), "events missing from the read model"
    assert {s: n for s, n in counts.items() if n > 1} == {}, "events applied more than once"


async def _pending_by_consumer(redis: Redis) -> dict[str, int]:
    summary = await redis.xpending(busapp.STREAM, busapp.GROUP)
    return {c["name"].decode(): int(c["pending"]) for c in summary["consumers"]}


@pytest.mark.parametrize(
    ("point", "applied_by_the_dead"),
    [
        ("consumer.after_commit", 10),  # the 10th event's effects committed, never acked
        ("consumer.before_commit", 9),  # the 10th event's transaction never committed
    ],
)
async def test_consumer_killed_mid_event_loses_and_repeats_nothing(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock, point: str, applied_by_the_dead: int
) -> None:
    await busapp.write_events(db, busapp.make_outbox(clock), range(30))
    await busapp.make_relay(db, redis, clock).drain()

    code = await run_child(
        "consumer", "--db", db.url, "--redis", redis_url, "--die-at", point, "--nth", "10", "--name", "doomed"
    )

    assert code == KILLED
    assert await busapp.received_seqs(db) == list(range(applied_by_the_dead))
    # It had read all 30; the 21 it never acked wait in its pending list.
    assert await _pending_by_consumer(redis) == {"doomed": 21}

    survivor = busapp.make_consumer(db, redis, clock, min_idle_ms=200, name="survivor")
    await busapp.consume_until(survivor, db, 30)

    assert_exactly_once(await busapp.received_seqs(db), 30)
    assert await busapp.received_seqs(db) == list(range(30))
    assert await busapp.inbox_count(db) == 30
    assert await busapp.pending_count(redis) == 0


async def test_a_killed_consumers_messages_are_taken_over_when_its_heartbeat_expires_not_after_min_idle(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    await busapp.write_events(db, busapp.make_outbox(clock), range(20))
    await busapp.make_relay(db, redis, clock).drain()
    code = await run_child(
        "consumer", "--db", db.url, "--redis", redis_url, "--die-at", "consumer.before_commit", "--nth", "1",
        "--name", "killed", "--heartbeat-ttl-ms", "1000",
    )  # fmt: skip
    assert code == KILLED
    assert await _pending_by_consumer(redis) == {"killed": 20}

    # The production idle timeout (30 s): only the dead consumer's expired heartbeat can explain
    # a takeover within seconds.
    successor = busapp.make_consumer(db, redis, clock, min_idle_ms=30_000, heartbeat_ttl_ms=1000, name="successor")
    started = asyncio.get_running_loop().time()
    await busapp.consume_until(successor, db, 20, timeout=8)

    assert asyncio.get_running_loop().time() - started < 8
    assert_exactly_once(await busapp.received_seqs(db), 20)
    assert await busapp.pending_count(redis) == 0


async def test_a_live_consumers_messages_are_not_taken_over(db: Database, redis: Redis, clock: ManualClock) -> None:
    await busapp.write_events(db, busapp.make_outbox(clock), range(3))
    await busapp.make_relay(db, redis, clock).drain()
    busy = busapp.make_consumer(db, redis, clock, heartbeat_ttl_ms=1000, name="busy")
    await busy.ensure_groups()
    await busy.beat(force=True)
    await redis.xreadgroup(busapp.GROUP, "busy", {busapp.STREAM: ">"})  # read, still working on them
    other = busapp.make_consumer(db, redis, clock, min_idle_ms=30_000, heartbeat_ttl_ms=1000, name="other")
    await asyncio.sleep(1.2)
    await busy.beat(force=True)  # the heartbeat is alive though the messages are idle past its TTL

    assert await other.reclaim_once() == 0
    assert await _pending_by_consumer(redis) == {"busy": 3}


async def test_relay_killed_after_xadd_before_marking_republishes_and_consumers_apply_once(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    ids = await busapp.write_events(db, busapp.make_outbox(clock), range(150), per_tx=5)

    code = await run_child(
        "relay", "--db", db.url, "--redis", redis_url, "--die-at", "relay.after_xadd", "--nth", "2",
        "--batch", "60", "--lock-ttl-ms", "1500",
    )  # fmt: skip

    assert code == KILLED
    assert await redis.xlen(busapp.STREAM) == 120  # two batches in the stream...
    assert await busapp.unpublished(db) == 90  # ...but only the first marked published

    successor = busapp.make_relay(db, redis, clock, batch=60)
    assert await successor.publish_once() == 0  # the dead relay's lease has not run out yet
    await busapp.eventually(lambda: _drained(successor, db), timeout=10, what="the lease to expire")

    stream = await busapp.stream_event_ids(redis)
    assert len(stream) == 210  # the unmarked batch went out twice
    assert busapp.first_occurrences(stream) == ids  # and the order is still commit order

    consumer = busapp.make_consumer(db, redis, clock)
    await consumer.ensure_groups()
    await busapp.consume_until(consumer, db, 150)

    assert_exactly_once(await busapp.received_seqs(db), 150)
    assert await busapp.received_seqs(db) == list(range(150))


async def _drained(relay: OutboxRelay, db: Database) -> bool:
    await relay.publish_once()
    return await busapp.unpublished(db) == 0


async def test_redis_killed_while_the_outbox_fills_loses_and_repeats_nothing(
    db: Database, valkey: ValkeyProcess, redis_url: str, clock: ManualClock
) -> None:
    # Restart the server the test talks to, whatever HOTLINE_TEST_REDIS_URL says.
    url = valkey.url
    redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
    await redis.flushall()
    outbox = busapp.make_outbox(clock)
    relay = busapp.make_relay(db, redis, clock, poll_interval_s=0.02, lock_ttl_ms=1000, batch=20)
    consumer = busapp.make_consumer(db, redis, clock, block_ms=100, min_idle_ms=300, batch=20)
    stop = asyncio.Event()
    workers = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop, reclaim_every_s=0.2))]
    ids: list[str] = []
    committed_while_down = 0

    async def writer() -> None:
        for seq in range(300):
            ids.extend(await busapp.write_events(db, outbox, [seq]))
            await asyncio.sleep(0.005)

    try:
        writing = asyncio.create_task(writer())
        await busapp.eventually(lambda: _received(db, 60), what="traffic to flow before the crash")
        before = len(ids)
        await asyncio.to_thread(valkey.restart, kill=True, down_for=1.0)
        committed_while_down = len(ids) - before
        await writing
        await busapp.eventually(
            lambda: _settled(db, redis, 300), timeout=30, what="every event in the read model after the restart"
        )
    finally:
        stop.set()
        await asyncio.gather(*workers)
        await redis.aclose()

    assert committed_while_down > 20  # producers never waited for Redis
    assert_exactly_once(await busapp.received_seqs(db), 300)
    assert await busapp.inbox_count(db) == 300
    check = Redis.from_url(url)
    try:
        assert busapp.first_occurrences(await busapp.stream_event_ids(check)) == ids
    finally:
        await check.aclose()


async def _received(db: Database, n: int) -> bool:
    return len(await busapp.received_seqs(db)) >= n


async def _settled(db: Database, redis: Redis, n: int) -> bool:
    if len(await busapp.received_seqs(db)) < n:
        return False
    try:
        return await busapp.pending_count(redis) == 0
    except RedisConnectionError:
        # The probe itself may pick a pooled connection the restart closed (seen in CI); that
        # says nothing about the pipeline, so look again until the timeout.
        return False


async def test_redis_restarted_without_its_data_loses_nothing_and_says_so(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    # Valkey's data folder lost mid-flight (a dead disk, a failover to an empty replica): events
    # the relay had published and marked, but consumers had not handled, are gone from Redis.
    server = ValkeyProcess(tmp_path / "valkey")
    server.start()
    redis = Redis.from_url(server.url, socket_timeout=2, socket_connect_timeout=1)
    outbox = busapp.make_outbox(clock)
    relay = busapp.make_relay(db, redis, clock, poll_interval_s=0.02, lock_ttl_ms=1000, batch=20)
    relay.continuity_check_s = 0.1
    consumer = busapp.make_consumer(db, redis, clock, block_ms=100, min_idle_ms=300, batch=20)
    consumer_stop, relay_stop = asyncio.Event(), asyncio.Event()
    consuming = asyncio.create_task(consumer.run(consumer_stop, reclaim_every_s=0.2))
    relaying = asyncio.create_task(relay.run(relay_stop))
    try:
        await busapp.write_events(db, outbox, range(40))
        await busapp.eventually(lambda: _received(db, 40), what="traffic to flow before the loss")
        # The consumer falls behind (a slow database, a deploy): what comes next is published only.
        consumer_stop.set()
        await consuming
        await busapp.write_events(db, outbox, range(40, 100))
        await busapp.eventually(lambda: _all_published(db), what="the backlog to be published")

        await asyncio.to_thread(_wipe, server)

        consumer_stop = asyncio.Event()
        consuming = asyncio.create_task(consumer.run(consumer_stop, reclaim_every_s=0.2))
        await busapp.write_events(db, outbox, range(100, 120))
        await busapp.eventually(
            lambda: _settled(db, redis, 120), timeout=20, what="every event in the read model after the loss"
        )
    finally:
        consumer_stop.set()
        relay_stop.set()
        await asyncio.gather(consuming, relaying)
        recovery = await redis.hgetall(recovery_key(busapp.PRODUCER))
        await redis.aclose()
        server.stop()

    assert_exactly_once(await busapp.received_seqs(db), 120)
    assert int(recovery[b"detections"]) == 1
    assert int(recovery[b"last_republished"]) == 100


def _wipe(server: ValkeyProcess) -> None:
    server.stop(kill=True)
    shutil.rmtree(server.data_dir)
    server.start()


async def _all_published(db: Database) -> bool:
    return await busapp.unpublished(db) == 0


async def test_a_stream_mark_behind_the_outbox_republishes_from_the_mark(
    db: Database, redis: Redis, clock: ManualClock
) -> None:
    # Redis came back from an older snapshot: its stream (and the mark written with it) ends at
    # the 6th event, the outbox says all 10 went out. The window is long past for all of them.
    await busapp.write_events(db, busapp.make_outbox(clock), range(10))
    relay = busapp.make_relay(db, redis, clock, batch=6, replay_window_s=60)
    await relay.drain()
    first_six = (await redis.xrange(busapp.STREAM))[:6]
    await redis.delete(busapp.STREAM)
    for _, fields in first_six:
        await redis.xadd(busapp.STREAM, fields)
    async with db.transaction() as session:
        sixth = await session.scalar(select(busapp.events.outbox.c.id).order_by(busapp.events.outbox.c.id).offset(5))
    await redis.set(relay_mark_key(busapp.PRODUCER), sixth)
    clock.advance(timedelta(hours=2))

    again = busapp.make_relay(db, redis, clock)
    assert await again.drain() == 4

    consumer = busapp.make_consumer(db, redis, clock)
    await consumer.ensure_groups()
    await busapp.consume_until(consumer, db, 10)
    assert await busapp.received_seqs(db) == list(range(10))
    assert await again.drain() == 0  # found once, repaired once
