"""Publish outbox rows to Redis Streams, in commit order, at least once.

One relay instance per producer publishes at a time: it holds a Redis lease, and every batch is
written by a Lua script that first checks the lease is still ours (a fence), so a relay that
stalled past its lease can never slip a stale batch in behind its successor's. A batch is added
all or nothing. A relay killed after the XADD but before marking the rows republishes them on
restart; consumers deduplicate by event_id, so at-least-once is safe.

Redis can lose what it was given (restarted without its data folder, failed over to an empty
replica, flushed): rows marked published then never reach a consumer, and nothing else would
notice. So the same script that adds a batch also raises a high-water mark in Redis, the highest
outbox id the stream holds; it lives and dies with the stream. Before publishing, the relay
compares it with the highest id its outbox has marked published. A mark that is missing or behind
means Redis lost data: the rows after the mark, and every row published within the replay window
(the mark says nothing about rows committed out of id order, or about anything when it is gone),
are marked unpublished again and go out once more. Consumers deduplicate, so a wide window costs
only a little work. The loss is logged once at error level and recorded for `/metrics`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..db import Database
from .faults import FaultHook, fault_point
from .tables import EventTables

log = structlog.get_logger("relay")

_RENEW_OR_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

# KEYS[1] the lease, KEYS[2] the high-water mark, KEYS[3..n] the stream of each entry; ARGV:
# holder, ttl, maxlen, the batch's highest outbox id, the mark the relay expects at least, then
# (event_id, type, body) per entry. Returns the number added, -1 when the lease is not ours, -2
# when the mark is below what the relay knows was published (Redis lost data since: adding now
# would raise the mark over the gap and hide it). The mark only ever rises: rows committed out of
# id order are published after higher ids.
_FENCED_XADD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
local mark = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[5]) > mark then
  return -2
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 3, #KEYS do
  local j = 6 + (i - 3) * 3
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[3], '*',
             'event_id', ARGV[j], 'type', ARGV[j + 1], 'body', ARGV[j + 2])
end
if tonumber(ARGV[4]) > mark then
  redis.call('SET', KEYS[2], ARGV[4])
end
return #KEYS - 2
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


_NOT_LEADER = -1
_MARK_BEHIND = -2


def relay_mark_key(producer: str) -> str:
    return f"hotline:relay-mark:{producer}"


def recovery_key(producer: str) -> str:
    """Where a relay records that it found the stream had lost data (read by `/metrics`)."""
    return f"hotline:stream-recovery:{producer}"


async def reset_published(
    session: AsyncSession,
    tables: EventTables,
    *,
    after_id: int | None = None,
    published_since: datetime | None = None,
    created_since: datetime | None = None,
) -> int:
    """Mark published rows unpublished again so the relay sends them once more; returns how many.

    Rows with an id above `after_id`, or published at or after `published_since`, or written at or
    after `created_since` (any of them may be None, not all).
    """
    outbox = tables.outbox
    which = []
    if after_id is not None:
        which.append(outbox.c.id > after_id)
    if published_since is not None:
        which.append(outbox.c.published_at >= published_since)
    if created_since is not None:
        which.append(outbox.c.created_at >= created_since)
    if not which:
        raise ValueError("say which rows to republish")
    result = await session.execute(
        update(outbox).where(outbox.c.published_at.is_not(None), or_(*which)).values(published_at=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


class OutboxRelay:
    def __init__(
        self,
        *,
        db: Database,
        redis: Redis,
        tables: EventTables,
        producer: str,
        clock: Clock,
        maxlen: int,
        batch: int = 100,
        poll_interval_s: float = 0.1,
        lock_ttl_ms: int = 5000,
        min_replicas: int = 0,
        replica_wait_ms: int = 1000,
        fault_hook: FaultHook | None = None,
        replay_window_s: float = 3600.0,
        continuity_check_s: float = 1.0,
    ) -> None:
        self.db = db
        self.redis = redis
        self.tables = tables
        self.producer = producer
        self.clock = clock
        self.maxlen = maxlen
        self.batch = batch
        self.poll_interval_s = poll_interval_s
        self.lock_ttl_ms = lock_ttl_ms
        self.min_replicas = min_replicas
        self.replica_wait_ms = replica_wait_ms
        self.fault_hook = fault_hook
        self.instance = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.lock_key = f"hotline:relay-lock:{producer}"
        self.mark_key = relay_mark_key(producer)
        self.replay_window_s = replay_window_s
        self.continuity_check_s = continuity_check_s
        # The highest outbox id this relay knows to be in the stream; the mark must never be below it.
        self._seen_high: int | None = None
        self._last_check: float | None = None
        self.wakeup = asyncio.Event()
        self._acquire = redis.register_script(_RENEW_OR_ACQUIRE)
        self._fenced_xadd = redis.register_script(_FENCED_XADD)
        self._release = redis.register_script(_RELEASE)

    async def _hold_lease(self) -> bool:
        result: Any = await self._acquire(keys=[self.lock_key], args=[self.instance, self.lock_ttl_ms])
        return bool(result)

    async def release(self) -> None:
        """Give the lease up so a standby relay takes over at once instead of after the TTL."""
        await self._release(keys=[self.lock_key], args=[self.instance])

    async def publish_once(self) -> int:
        """Publish one batch; returns how many rows were published (0 when idle or not leader)."""
        if not await self._hold_lease():
            return 0
        await self._check_continuity()
        outbox = self.tables.outbox
        async with self.db.transaction() as session:
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.stream, outbox.c.event_id, outbox.c.type, outbox.c.body)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self.batch)
                )
            ).all()
        if not rows:
            return 0
        fault_point(self.fault_hook, "relay.before_xadd")
        added = await self._xadd(rows)
        if added == _NOT_LEADER:
            log.info("relay_lost_lease", producer=self.producer, instance=self.instance)
            return 0
        if added == _MARK_BEHIND:
            self._last_check = None  # look now; the rows go out after the repair
            await self._check_continuity()
            return 0
        fault_point(self.fault_hook, "relay.after_xadd")
        if not await self._replicated():
            return 0
        async with self.db.transaction() as session:
            await session.execute(
                update(outbox)
                .where(outbox.c.id.in_([r.id for r in rows]))
                .values(published_at=self.clock.now(), attempts=outbox.c.attempts + 1)
            )
        self._seen_high = max(self._seen_high or 0, max(r.id for r in rows))
        return len(rows)

    async def _xadd(self, rows: Sequence[Any]) -> int:
        args: list[Any] = [self.instance, self.lock_ttl_ms, self.maxlen, max(r.id for r in rows), self._seen_high or 0]
        for row in rows:
            args += [row.event_id, row.type, row.body]
        keys = [self.lock_key, self.mark_key, *(r.stream for r in rows)]
        added: Any = await self._fenced_xadd(keys=keys, args=args)
        return int(added)

    async def _check_continuity(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._last_check is not None and now - self._last_check < self.continuity_check_s:
            return
        self._last_check = now
        raw = await self.redis.get(self.mark_key)
        mark = int(raw) if raw is not None else None
        if mark is not None and self._seen_high is not None and mark >= self._seen_high:
            return  # the common case, no database round trip
        outbox = self.tables.outbox
        async with self.db.transaction() as session:
            high = await session.scalar(select(func.max(outbox.c.id)).where(outbox.c.published_at.is_not(None)))
            if high is None or (mark is not None and mark >= high):
                self._seen_high = mark
                return
            republished = await reset_published(
                session,
                self.tables,
                after_id=mark,
                published_since=self.clock.now() - timedelta(seconds=self.replay_window_s),
            )
            kept = await session.scalar(select(func.max(outbox.c.id)).where(outbox.c.published_at.is_not(None)))
        # What stays marked published is in consumers' hands already (older than the window).
        await self.redis.set(self.mark_key, kept or 0)
        self._seen_high = kept or 0
        log.error(
            "stream_data_lost",
            producer=self.producer,
            stream_mark=mark,
            published_up_to=high,
            republishing=republished,
            replay_window_s=self.replay_window_s,
        )
        with contextlib.suppress(RedisError):
            await self.redis.hset(
                recovery_key(self.producer),
                mapping={"last_detected_at": f"{time.time():.3f}", "last_republished": republished},
            )
            await self.redis.hincrby(recovery_key(self.producer), "detections", 1)

    async def _replicated(self) -> bool:
        """With Redis HA: are the entries just added on enough replicas to survive a failover?

        Redis replicates asynchronously; a master killed right after XADD takes the newest entries
        with it, and the promoted replica never had them. Until WAIT confirms, the rows stay
        unpublished and go out again on the next pass (consumers drop the duplicate by event id).
        """
        if self.min_replicas <= 0:
            return True
        acknowledged: Any = await self.redis.execute_command("WAIT", self.min_replicas, self.replica_wait_ms)
        if int(acknowledged) >= self.min_replicas:
            return True
        log.warning(
            "relay_unreplicated", producer=self.producer, replicas=int(acknowledged), wanted=self.min_replicas
        )
        return False

    async def drain(self) -> int:
        """Publish everything now, then give the lease up (for one-off runs and tests)."""
        total = 0
        while n := await self.publish_once():
            total += n
        await self.release()
        return total

    async def run(self, stop: asyncio.Event) -> None:
        backoff = self.poll_interval_s
        try:
            while not stop.is_set():
                try:
                    published = await self.publish_once()
                    backoff = self.poll_interval_s
                    if published:
                        continue
                except (RedisError, OSError, SQLAlchemyError) as exc:
                    # Redis or the database is away: rows stay unpublished and are retried, in order.
                    log.warning("relay_retry", error=type(exc).__name__, detail=str(exc)[:200], backoff=backoff)
                    backoff = min(backoff * 2, 5.0)
                except Exception as exc:
                    # A bug must not silently stop publishing for the life of the worker.
                    log.error("relay_error", error=type(exc).__name__, detail=str(exc)[:200], backoff=backoff)
                    backoff = min(backoff * 2, 5.0)
                self.wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), timeout=backoff)
        finally:
            # If Redis is away the lease simply expires after lock_ttl_ms.
            with contextlib.suppress(RedisError, OSError):
                await asyncio.shield(self.release())
