"""Publish outbox rows to Redis Streams, in commit order, at least once.

One relay instance per producer publishes at a time: it holds a Redis lease, and every batch is
written by a Lua script that first checks the lease is still ours (a fence), so a relay that
stalled past its lease can never slip a stale batch in behind its successor's. A batch is added
all or nothing. A relay killed after the XADD but before marking the rows republishes them on
restart; consumers deduplicate by event_id, so at-least-once is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Sequence
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

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

# KEYS[1] the lease, KEYS[2..n] the stream of each entry; ARGV: holder, ttl, maxlen, then
# (event_id, type, body) per entry. Returns the number added, or -1 when the lease is not ours.
_FENCED_XADD = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return -1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
for i = 2, #KEYS do
  local j = 4 + (i - 2) * 3
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[3], '*',
             'event_id', ARGV[j], 'type', ARGV[j + 1], 'body', ARGV[j + 2])
end
return #KEYS - 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


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
        if not await self._xadd(rows):
            log.info("relay_lost_lease", producer=self.producer, instance=self.instance)
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
        return len(rows)

    async def _xadd(self, rows: Sequence[Any]) -> bool:
        args: list[Any] = [self.instance, self.lock_ttl_ms, self.maxlen]
        for row in rows:
            args += [row.event_id, row.type, row.body]
        added: Any = await self._fenced_xadd(keys=[self.lock_key, *(r.stream for r in rows)], args=args)
        return int(added) >= 0

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
