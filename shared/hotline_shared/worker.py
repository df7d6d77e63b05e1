"""Run a service's background side: the outbox relay, its consumers and periodic jobs."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence

import structlog
from redis.asyncio import Redis

from .clock import Clock
from .db import Database
from .events import EventConsumer, EventTables, Handler, OutboxRelay
from .logging import configure_logging
from .redis_client import connect_redis
from .settings import ServiceSettings

log = structlog.get_logger("worker")

Periodic = tuple[str, float, Callable[[], Awaitable[object]]]
WorkerParts = tuple[OutboxRelay | None, Sequence[EventConsumer], Sequence[Periodic]]
WorkerBuilder = Callable[[Database, Redis, Clock], WorkerParts]


def standard_relay(
    *, settings: ServiceSettings, db: Database, redis: Redis, clock: Clock, tables: EventTables, producer: str
) -> OutboxRelay:
    return OutboxRelay(
        db=db,
        redis=redis,
        tables=tables,
        producer=producer,
        clock=clock,
        maxlen=settings.stream_maxlen,
        batch=settings.relay_batch,
        poll_interval_s=settings.relay_poll_interval_s,
        lock_ttl_ms=settings.relay_lock_ttl_ms,
        replay_window_s=settings.relay_replay_window_s,
        min_replicas=settings.relay_min_replicas,
    )


def standard_consumer(
    *,
    settings: ServiceSettings,
    db: Database,
    redis: Redis,
    clock: Clock,
    tables: EventTables,
    group: str,
    streams: list[str],
    handlers: Mapping[str, Handler],
) -> EventConsumer:
    return EventConsumer(
        db=db,
        redis=redis,
        tables=tables,
        group=group,
        streams=streams,
        handlers=handlers,
        clock=clock,
        maxlen=settings.stream_maxlen,
        batch=settings.consumer_batch,
        block_ms=settings.consumer_block_ms,
        min_idle_ms=settings.consumer_min_idle_ms,
        max_deliveries=settings.consumer_max_deliveries,
        heartbeat_ttl_ms=settings.consumer_heartbeat_ttl_ms,
    )


async def _every(name: str, interval: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await job()
        except Exception as exc:
            log.warning("periodic_job_failed", job=name, error=type(exc).__name__, detail=str(exc)[:300])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def run_worker(
    *,
    settings: ServiceSettings,
    build: WorkerBuilder,
    clock: Clock,
    stop: asyncio.Event | None = None,
) -> None:
    configure_logging(service=f"{settings.service_name}-worker", json=settings.log_json, level=settings.log_level)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    db = Database.from_settings(settings)
    redis = connect_redis(settings, socket_timeout=10)
    relay, consumers, periodic = build(db, redis, clock)
    tasks = []
    if relay is not None:
        tasks.append(asyncio.create_task(relay.run(stop), name="relay"))
    tasks += [asyncio.create_task(c.run(stop), name=f"consumer:{c.group}") for c in consumers]
    tasks += [asyncio.create_task(_every(n, i, j, stop), name=f"job:{n}") for n, i, j in periodic]
    log.info("worker_started", consumers=[c.group for c in consumers], jobs=[p[0] for p in periodic])
    try:
        await stop.wait()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await redis.aclose()
        await db.dispose()
        log.info("worker_stopped")
