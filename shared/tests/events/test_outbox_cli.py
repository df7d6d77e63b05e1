"""`<service>.manage outbox replay --since T`: the runbook's hand on the outbox after Redis lost data."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import typer
from hotline_shared.db import Database
from hotline_shared.events.outbox_cli import make_outbox_cli, parse_since
from hotline_shared.settings import ServiceSettings
from hotline_shared.testing import DatabaseFactory
from redis.asyncio import Redis
from typer import BadParameter
from typer.testing import CliRunner

from . import busapp


def test_replay_since_publishes_that_period_again_and_consumers_apply_it_once(
    database_factory: DatabaseFactory, redis_url: str
) -> None:
    url = database_factory.empty("bustest")
    clock = busapp.make_clock()

    async def before() -> None:
        await busapp.create_schema(url)
        db, redis = Database(url), Redis.from_url(redis_url)
        try:
            outbox = busapp.make_outbox(clock)
            await busapp.write_events(db, outbox, range(3))  # 09:30, long handled
            clock.advance(timedelta(hours=2))
            await busapp.write_events(db, outbox, range(3, 8))  # 11:30
            await busapp.make_relay(db, redis, clock).drain()
            consumer = busapp.make_consumer(db, redis, clock)
            await consumer.ensure_groups()
            await busapp.consume_until(consumer, db, 8)
            # The consumer's database is restored from a 10:00 backup: what it did since is gone,
            # and Redis, which kept nothing wrong, will not send it again by itself.
            async with db.transaction() as session:
                await session.execute(busapp.received.delete().where(busapp.received.c.seq >= 3))
                await session.execute(
                    busapp.events.inbox.delete().where(
                        busapp.events.inbox.c.handled_at > clock.now() - timedelta(hours=1)
                    )
                )
        finally:
            await redis.aclose()
            await db.dispose()

    asyncio.run(before())
    manage = typer.Typer()  # as in every service's manage CLI
    manage.command()(lambda: None)
    manage.add_typer(
        make_outbox_cli(
            settings_factory=lambda: ServiceSettings(database_url=url, redis_url=redis_url),
            tables=busapp.events,
            now=clock.now,
        ),
        name="outbox",
    )

    result = CliRunner().invoke(manage, ["outbox", "replay", "--since", "1h"])

    assert result.exit_code == 0, result.output
    assert "5 event(s) written since 2026-11-23T10:30:00+08:00 marked for publishing again" in result.output

    async def after() -> list[int]:
        db, redis = Database(url), Redis.from_url(redis_url)
        try:
            assert await busapp.make_relay(db, redis, clock).drain() == 5
            consumer = busapp.make_consumer(db, redis, clock)
            await consumer.ensure_groups()
            await busapp.consume_until(consumer, db, 8)
            return await busapp.received_seqs(db)
        finally:
            await redis.aclose()
            await db.dispose()

    assert sorted(asyncio.run(after())) == list(range(8))


def test_since_accepts_a_time_or_a_span_and_names_the_option_otherwise() -> None:
    now = busapp.make_clock().now()
    assert parse_since("90m", now=now) == now - timedelta(minutes=90)
    assert parse_since("2026-11-23T08:00", now=now).isoformat() == "2026-11-23T08:00:00+08:00"
    with pytest.raises(BadParameter, match="neither a time like 2026-11-23T09:30 nor a span"):
        parse_since("yesterday", now=now)
