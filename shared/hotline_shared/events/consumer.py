"""Consume streams in a consumer group, exactly-once in effect.

Each handled event_id is recorded in the inbox in the same transaction as the handler's effects;
the message is acked only after commit. So: killed before commit → redelivered and applied once;
killed between commit and ack → redelivered and skipped. Messages left pending (by a dead
consumer, or by a handler that failed) are reclaimed with XAUTOCLAIM once idle for `min_idle_ms`,
which doubles as the retry back-off. A consumer also keeps a heartbeat key alive in Redis; the
messages of a consumer whose heartbeat has expired (SIGKILLed, its host gone) are taken over as
soon as it expires, without waiting out `min_idle_ms`. A message delivered `max_deliveries` times
goes to the dead-letter stream with its error instead of blocking the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from ..clock import Clock
from ..db import Database
from .envelope import EventEnvelope
from .faults import FaultHook, fault_point
from .streams import dlq_stream
from .tables import EventTables

log = structlog.get_logger("consumer")

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]

# Errors that say "the database or Redis is unavailable right now", not "this event is bad": they
# must not push a message towards the dead-letter stream, or a database outage would dead-letter
# every event in flight.
_TRANSIENT = (
    OperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
    TimeoutError,
)


# Atomic, so a consumer that comes back to life between the check and the delete cannot lose the
# messages it just read (DELCONSUMER drops a consumer's pending entries with it).
_PRUNE_CONSUMERS = """
local removed = 0
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #c, 2 do info[c[i]] = c[i + 1] end
  if info['name'] ~= ARGV[3] and info['pending'] == 0 and info['idle'] > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    removed = removed + 1
  end
end
return removed
"""


HEARTBEAT_PREFIX = "hotline:consumer-alive:"


def heartbeat_key(group: str, name: str) -> str:
    return f"{HEARTBEAT_PREFIX}{group}:{name}"


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _TRANSIENT)


def describe_error(exc: BaseException) -> str:
    """The error for logs and the dead-letter entry, without echoing the input that caused it.

    pydantic puts the offending input (a caller's phone number, say) into its message; the
    locations and reasons are enough to act on.
    """
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors(include_input=False, include_url=False)
        )
        return f"{type(exc).__name__}: {problems}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class EventConsumer:
    def __init__(
        self,
        *,
        db: Database,
        redis: Redis,
        tables: EventTables,
        group: str,
        streams: list[str],
        handlers: Mapping[str, Handler],
        clock: Clock,
        maxlen: int,
        batch: int = 50,
        block_ms: int = 500,
        min_idle_ms: int = 30_000,
        max_deliveries: int = 5,
        name: str | None = None,
        fault_hook: FaultHook | None = None,
        prune_idle_ms: int = 3_600_000,
        heartbeat_ttl_ms: int = 5_000,
    ) -> None:
        self.db = db
        self.redis = redis
        self.tables = tables
        self.group = group
        self.streams = streams
        self.handlers = dict(handlers)
        self.clock = clock
        self.maxlen = maxlen
        self.batch = batch
        self.block_ms = block_ms
        self.min_idle_ms = min_idle_ms
        self.max_deliveries = max_deliveries
        self.name = name or f"{group}-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.dlq = dlq_stream(group)
        self.fault_hook = fault_hook
        # XAUTOCLAIM walks the pending list with a cursor; keeping it makes successive reclaim
        # rounds cover the whole list instead of rescanning its head.
        self._claim_cursor: dict[str, str] = {}
        # Every restart joins the group under a new name; names with nothing pending that have
        # not even polled for an hour belong to processes that are gone.
        self.prune_idle_ms = prune_idle_ms
        self._last_prune: float | None = None
        self._prune = redis.register_script(_PRUNE_CONSUMERS)
        # A live consumer refreshes its key every third of the TTL; an expired key means the
        # process is gone, so what it read and never acked can be taken over at once.
        self.heartbeat_ttl_ms = heartbeat_ttl_ms
        self._heartbeat = heartbeat_key(group, self.name)
        self._last_beat: float | None = None

    async def ensure_groups(self) -> None:
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # -- reading -----------------------------------------------------------------------------

    async def beat(self, *, force: bool = False) -> None:
        """Refresh this consumer's heartbeat (at most every third of its TTL unless forced)."""
        now = asyncio.get_running_loop().time()
        if not force and self._last_beat is not None and (now - self._last_beat) * 1000 < self.heartbeat_ttl_ms / 3:
            return
        await self.redis.set(self._heartbeat, "1", px=self.heartbeat_ttl_ms)
        self._last_beat = now

    async def _read(self, block_ms: int | None) -> list[tuple[str, str, dict[str, str]]]:
        await self.beat()
        try:
            response: Any = await self.redis.xreadgroup(
                self.group, self.name, dict.fromkeys(self.streams, ">"), count=self.batch, block=block_ms
            )
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self._recreate_groups()
            return []
        out = []
        for stream, messages in response or []:
            for msg_id, fields in messages:
                out.append((_s(stream), _s(msg_id), {_s(k): _s(v) for k, v in (fields or {}).items()}))
        return out

    async def _recreate_groups(self) -> None:
        # Redis lost the group (restarted without its data): recreate it and read the stream
        # from the start; the inbox makes replaying already-handled events harmless.
        log.warning("consumer_group_recreated", group=self.group, streams=self.streams)
        self._claim_cursor.clear()
        await self.ensure_groups()

    async def process_once(self, block_ms: int | None = None) -> int:
        """Read and handle one batch of new messages; returns how many were read.

        A message whose handler failed stays pending and comes back through `reclaim_once` after
        `min_idle_ms`, which doubles as the retry back-off.
        """
        messages = await self._read(block_ms)
        for stream, msg_id, fields in messages:
            await self._handle(stream, msg_id, fields, deliveries=1)
        return len(messages)

    async def reclaim_once(self) -> int:
        """Take over the messages of dead consumers, and any message idle longer than min_idle_ms."""
        count = 0
        for stream in self.streams:
            try:
                count += await self._take_over_dead(stream)
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self._recreate_groups()
                continue
            try:
                response: Any = await self.redis.xautoclaim(
                    stream,
                    self.group,
                    self.name,
                    self.min_idle_ms,
                    start_id=self._claim_cursor.get(stream, "0-0"),
                    count=self.batch,
                )
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self._recreate_groups()
                continue
            self._claim_cursor[stream] = _s(response[0])
            # Entries trimmed from the stream while pending come back in response[2]; Redis has
            # already dropped them from the pending list, there is nothing left to handle.
            claimed = [(_s(i), f) for i, f in response[1] if i is not None and f is not None]
            count += await self._handle_claimed(stream, claimed)
        await self._prune_consumers()
        return count

    async def _take_over_dead(self, stream: str) -> int:
        """Claim at once what consumers without a live heartbeat read and never acknowledged."""
        consumers: Any = await self.redis.xinfo_consumers(stream, self.group)
        holders = [_s(c["name"]) for c in consumers if int(c["pending"]) and _s(c["name"]) != self.name]
        if not holders:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for name in holders:
            pipe.exists(heartbeat_key(self.group, name))
        alive = await pipe.execute()
        count = 0
        for name in (n for n, beating in zip(holders, alive, strict=True) if not beating):
            entries: Any = await self.redis.xpending_range(
                stream, self.group, min="-", max="+", count=self.batch, consumername=name
            )
            ids: list[Any] = [_s(e["message_id"]) for e in entries]
            if not ids:
                continue
            # The idle floor keeps a consumer that is starting up (no heartbeat written yet, or a
            # rolling deploy's older version without heartbeats) from losing what it read a moment ago.
            response: Any = await self.redis.xclaim(stream, self.group, self.name, self.heartbeat_ttl_ms, ids)
            claimed = [(_s(i), f) for i, f in response if i is not None and f is not None]
            if claimed:
                log.info("consumer_taken_over", group=self.group, stream=stream, dead=name, messages=len(claimed))
            count += await self._handle_claimed(stream, claimed)
        return count

    async def _handle_claimed(self, stream: str, claimed: list[tuple[str, Any]]) -> int:
        if not claimed:
            return 0
        count = 0
        deliveries = await self._delivery_counts(stream, [msg_id for msg_id, _ in claimed])
        for msg_id, fields in claimed:
            if msg_id not in deliveries:
                continue  # claimed away from us in between: its new owner handles it
            decoded = {_s(k): _s(v) for k, v in fields.items()}
            if deliveries[msg_id] > self.max_deliveries:
                # Every earlier delivery ended without an ack or a recorded failure: the
                # handler keeps killing or stalling its consumer. Park it instead of looping.
                reason = (
                    f"delivered {deliveries[msg_id] - 1} times without being acknowledged: "
                    "the consumer died or stalled while handling it"
                )
                await self._dead_letter(stream, msg_id, decoded, reason, deliveries[msg_id] - 1)
            else:
                await self._handle(stream, msg_id, decoded, deliveries=deliveries[msg_id])
            count += 1
        return count

    async def _prune_consumers(self) -> None:
        now = asyncio.get_running_loop().time()
        if self._last_prune is not None and now - self._last_prune < 60:
            return
        self._last_prune = now
        for stream in self.streams:
            with contextlib.suppress(ResponseError):  # NOGROUP: nothing to prune
                removed: Any = await self._prune(keys=[stream], args=[self.group, self.prune_idle_ms, self.name])
                if removed:
                    log.info("consumers_pruned", group=self.group, stream=stream, removed=int(removed))

    async def _delivery_counts(self, stream: str, ids: list[str]) -> dict[str, int]:
        # XAUTOCLAIM does not report delivery counts; XPENDING for exactly these ids, owned by
        # us, does (XAUTOCLAIM already counted this delivery).
        pipe = self.redis.pipeline(transaction=False)
        for msg_id in ids:
            pipe.xpending_range(stream, self.group, min=msg_id, max=msg_id, count=1, consumername=self.name)
        counts: dict[str, int] = {}
        for entries in await pipe.execute():
            for entry in entries:
                counts[_s(entry["message_id"])] = int(entry["times_delivered"])
        return counts

    # -- handling ----------------------------------------------------------------------------

    async def _handle(self, stream: str, msg_id: str, fields: dict[str, str], *, deliveries: int) -> None:
        try:
            envelope = EventEnvelope.from_json(fields["body"])
        except (KeyError, ValidationError) as exc:
            # No retry can fix a malformed entry.
            reason = "unreadable event: " + (describe_error(exc) if isinstance(exc, ValidationError) else "no body")
            await self._dead_letter(stream, msg_id, fields, reason, deliveries)
            return
        bound = log.bind(
            group=self.group, event_id=str(envelope.event_id), event_type=envelope.type, case_no=envelope.case_no
        )
        try:
            await self._apply(envelope)
        except Exception as exc:
            detail = describe_error(exc)
            if is_transient(exc):
                bound.warning("handler_unavailable", error=type(exc).__name__, detail=detail[:300])
                await self._uncount(stream, msg_id, deliveries)
                return
            bound.error("handler_failed", error=type(exc).__name__, detail=detail[:300], deliveries=deliveries)
            if deliveries >= self.max_deliveries:
                await self._dead_letter(stream, msg_id, fields, detail, deliveries)
            return
        fault_point(self.fault_hook, "consumer.after_commit")
        await self.redis.xack(stream, self.group, msg_id)

    async def _apply(self, envelope: EventEnvelope) -> None:
        handler = self.handlers.get(envelope.type)
        async with self.db.transaction() as session:
            if not await self._record(session, envelope):
                return  # handled before (redelivery, or a slow consumer's message reclaimed)
            if handler is not None:
                await handler(session, envelope)
            fault_point(self.fault_hook, "consumer.before_commit")

    async def _record(self, session: AsyncSession, envelope: EventEnvelope) -> bool:
        """Insert the inbox row; False when this group already handled the event.

        ON CONFLICT DO NOTHING rather than SELECT-then-INSERT: two consumers handling the same
        event at once (a slow one and the one that reclaimed it) then serialise on the key, and
        the loser sees "already handled" instead of an integrity error.
        """
        inbox = self.tables.inbox
        values = {
            "consumer_group": self.group,
            "event_id": str(envelope.event_id),
            "event_type": envelope.type,
            "handled_at": self.clock.now(),
        }
        dialect_insert = pg_insert if self.db.dialect == "postgresql" else sqlite_insert
        result = await session.execute(dialect_insert(inbox).values(**values).on_conflict_do_nothing())
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _uncount(self, stream: str, msg_id: str, deliveries: int) -> None:
        """Leave the message pending without this attempt counting towards the dead-letter limit."""
        # If Redis is away too the attempt counts, which only costs a retry.
        with contextlib.suppress(RedisError):
            await self.redis.xclaim(
                stream, self.group, self.name, 0, [msg_id], retrycount=max(deliveries - 1, 0), justid=True
            )

    async def _dead_letter(self, stream: str, msg_id: str, fields: dict[str, str], error: str, deliveries: int) -> None:
        entry: dict[Any, Any] = {
            **fields,
            "source_stream": stream,
            "source_id": msg_id,
            "group": self.group,
            "consumer": self.name,
            "error": error[:2000],
            "deliveries": str(deliveries),
            "dead_at": self.clock.now().isoformat(),
        }
        # XADD then XACK: a crash in between leaves a duplicate DLQ entry, never a lost message.
        # Not capped: trimming would silently drop events that still wait for an operator.
        await self.redis.xadd(self.dlq, entry)
        await self.redis.xack(stream, self.group, msg_id)
        log.error(
            "event_dead_lettered",
            group=self.group,
            stream=stream,
            message_id=msg_id,
            event_id=fields.get("event_id"),
            error=error[:300],
            deliveries=deliveries,
        )

    async def run(self, stop: asyncio.Event, *, reclaim_every_s: float = 1.0) -> None:
        await self._until_ready(stop)
        # Beats on its own too, so a batch with a slow handler does not look like a dead consumer.
        heartbeat = asyncio.create_task(self._keep_beating(stop), name=f"heartbeat:{self.group}")
        try:
            await self._loop(stop, reclaim_every_s)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError, RedisError, OSError):
                await heartbeat
            # A clean stop hands its pending messages over at once, like a crash, only sooner.
            with contextlib.suppress(RedisError, OSError):
                await asyncio.shield(self.redis.delete(self._heartbeat))

    async def _keep_beating(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(RedisError, OSError):
                await self.beat(force=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.heartbeat_ttl_ms / 3000)

    async def _loop(self, stop: asyncio.Event, reclaim_every_s: float) -> None:
        last_reclaim = 0.0
        loop = asyncio.get_running_loop()
        backoff = 0.2
        while not stop.is_set():
            try:
                await self.process_once(block_ms=self.block_ms)
                if loop.time() - last_reclaim >= reclaim_every_s:
                    await self.reclaim_once()
                    last_reclaim = loop.time()
                backoff = 0.2
            except (RedisError, OSError, SQLAlchemyError) as exc:
                log.warning("consumer_retry", group=self.group, error=type(exc).__name__, backoff=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception as exc:
                # A bug must not silently stop consuming for the life of the worker.
                log.error("consumer_error", group=self.group, error=type(exc).__name__, backoff=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _until_ready(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                await self.ensure_groups()
                return
            except (RedisError, OSError):
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
