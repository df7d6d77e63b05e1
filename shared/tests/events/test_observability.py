"""/healthz, /readyz and /metrics as an operator's monitoring sees them, on a real database and Valkey."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hotline_shared.app import create_service_app
from hotline_shared.clock import ManualClock
from hotline_shared.db import Database
from hotline_shared.events import dlq_stream
from hotline_shared.settings import ServiceSettings
from hotline_shared.testing.apps import running
from redis.asyncio import Redis

from . import busapp


def _metric(text: str, name: str, service: str) -> float:
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and f'service="{service}"' in line:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} for {service} not in /metrics")


async def _app_on(url: str, redis_url: str, clock: ManualClock, service: str):  # type: ignore[no-untyped-def]
    settings = ServiceSettings(service_name=service, database_url=url, redis_url=redis_url)
    app = create_service_app(settings=settings, title="t", description="t", routers=[], clock=clock)
    app.state.outbox = busapp.make_outbox(clock)
    return app


async def test_metrics_show_the_outbox_backlog_and_its_age_then_zero_once_published(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    service = f"obs{uuid.uuid4().hex[:6]}"
    outbox = busapp.make_outbox(clock)
    async with db.transaction() as session:
        for seq in range(3):
            await outbox.emit(session, type=busapp.EVENT_TYPE, case_no=f"C{seq}", payload={"seq": seq})
    clock.advance(timedelta(minutes=2))
    async with running(await _app_on(db.url, redis_url, clock, service)) as client:
        text = (await client.get("/metrics")).text
        assert _metric(text, "hotline_outbox_unpublished", service) == 3
        assert _metric(text, "hotline_outbox_oldest_unpublished_seconds", service) == 120

        await busapp.make_relay(db, redis, clock).drain()
        text = (await client.get("/metrics")).text
        assert _metric(text, "hotline_outbox_unpublished", service) == 0
        assert _metric(text, "hotline_outbox_oldest_unpublished_seconds", service) == 0


async def test_metrics_count_dead_letters_of_the_service(
    db: Database, redis: Redis, redis_url: str, clock: ManualClock
) -> None:
    service = f"obs{uuid.uuid4().hex[:6]}"
    await redis.xadd(dlq_stream(service), {"error": "boom"})
    await redis.xadd(dlq_stream(service), {"error": "boom again"})
    async with running(await _app_on(db.url, redis_url, clock, service)) as client:
        assert _metric((await client.get("/metrics")).text, "hotline_dlq_length", service) == 2


async def test_readyz_names_the_part_that_is_down_and_healthz_stays_alive(
    db: Database, redis_url: str, clock: ManualClock
) -> None:
    url = db.url
    async with running(await _app_on(url, redis_url, clock, "obsup")) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}

    # Nothing listens on port 1: Redis is "down" while the database is fine.
    async with running(await _app_on(url, "redis://127.0.0.1:1/0", clock, "obsdown")) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        checks = ready.json()["checks"]
        assert checks["database"] == "ok"
        assert checks["redis"].startswith("error")
        # Monitoring still gets an answer (without the figures it could not read).
        assert (await client.get("/metrics")).status_code == 200
